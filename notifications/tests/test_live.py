"""The WebSocket against a real server: uvicorn serving lemonnpie.asgi in a subprocess, real
clients (`websockets`), causes committed by this process through the services. Bounds are
awaits with timeouts (behaviour, not performance)."""

import asyncio
import json
import time
from datetime import timedelta

import pytest
import websockets
from django.db import transaction
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import user_revoke_refresh_tokens
from accounts.tests.factories import UserFactory
from moderation.services import user_suspend
from notifications import services
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.tests.liveserver import (
    access_token,
    asgi_server,
    closed_with,
    connect,
    db,
    next_of,
    receive,
    shared_redis,
)
from social.services import follow_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def redis_url():
    with shared_redis() as url:
        yield url


@pytest.fixture(scope="module")
def port(django_db_setup, django_db_blocker, redis_url):
    with asgi_server(redis_url) as port:
        yield port


@pytest.fixture(autouse=True)
def _shared_layer(redis_url):
    """The channel layer of the test process is the server's (shared_redis set it up)."""


def follow(follower, followed):
    return follow_create(follower=follower, following_id=followed.pk)


def test_a_notification_arrives_within_a_second_of_the_commit(port, user, other_user):
    token = access_token(user)

    async def scenario():
        ws = await connect(port, token)
        await db(follow, other_user, user)  # returns after the commit
        message = await next_of(ws, "notification", timeout=1.0)
        count = await next_of(ws, "unread_count", timeout=1.0)
        await ws.close()
        return message, count

    message, count = asyncio.run(scenario())
    assert message["notification"]["kind"] == Kind.NEW_FOLLOWER
    assert message["notification"]["actor"]["id"] == str(other_user.pk)
    assert count == {"type": "unread_count", "count": 1}


def test_nothing_is_delivered_for_a_rolled_back_change(port, user, other_user):
    token, third = access_token(user), UserFactory()

    def rolled_back_follow():
        try:
            with transaction.atomic():
                follow(other_user, user)
                raise RuntimeError("the request failed after the follow")
        except RuntimeError:
            pass

    async def scenario():
        ws = await connect(port, token, subprotocol=True)
        await db(rolled_back_follow)
        await db(follow, third, user)  # committed after the rolled-back one: it must come first
        message = await next_of(ws, "notification", timeout=5)
        await ws.close()
        return message

    message = asyncio.run(scenario())
    assert message["notification"]["actor"]["id"] == str(third.pk)
    assert list(Notification.objects.values_list("actor_id", flat=True)) == [third.pk]


def test_an_expired_token_closes_the_socket(port, user):
    token = RefreshToken.for_user(user).access_token
    token.set_exp(lifetime=timedelta(seconds=2))

    async def scenario():
        ws = await connect(port, str(token))
        return await closed_with(ws, timeout=10)

    code, reason, messages = asyncio.run(scenario())
    assert (code, reason) == (4003, "token_expired")
    assert messages[-1]["type"] == "error" and messages[-1]["code"] == 4003


def test_an_expired_token_is_refused_at_once(port, user):
    token = RefreshToken.for_user(user).access_token
    token.set_exp(lifetime=timedelta(seconds=-1))

    async def scenario():
        ws = await connect(port)
        await ws.send(json.dumps({"type": "auth", "token": str(token)}))
        return await closed_with(ws, timeout=10)

    assert asyncio.run(scenario())[:2] == (4003, "token_expired")


def test_suspension_closes_the_socket_within_seconds(port, user):
    token = access_token(user)

    async def scenario():
        ws = await connect(port, token)
        await db(user_suspend, user_id=user.pk, reason="abuse", actor=None)
        return await closed_with(ws, timeout=10)

    assert asyncio.run(scenario())[:2] == (4005, "account_suspended")


def test_signing_out_everywhere_closes_the_socket(port, user):
    token = access_token(user)

    async def scenario():
        ws = await connect(port, token)
        await db(user_revoke_refresh_tokens, user=user)
        return await closed_with(ws, timeout=10)

    assert asyncio.run(scenario())[:2] == (4004, "session_revoked")


def test_a_reconnecting_client_gets_what_it_missed(port, user):
    token = access_token(user)
    first, second, third = UserFactory.create_batch(3)

    async def scenario():
        ws = await connect(port, token)
        await db(follow, first, user)
        seen = (await next_of(ws, "notification", timeout=5))["notification"]
        await ws.close()
        await db(follow, second, user)  # while disconnected
        await db(follow, third, user)
        ws = await connect(port, token, last_id=seen["id"])
        replayed = [await next_of(ws, "notification", timeout=5) for _ in range(2)]
        marker = await next_of(ws, "replayed", timeout=5)
        await ws.close()
        return replayed, marker

    replayed, marker = asyncio.run(scenario())
    assert [m["notification"]["actor"]["id"] for m in replayed] == [str(second.pk), str(third.pk)]
    assert marker == {"type": "replayed", "count": 2, "truncated": False}


def test_a_kind_muted_for_live_only_updates_the_count(port, user, other_user):
    services.preferences_update(user=user, changes=[{"kind": Kind.NEW_FOLLOWER, "live": False}])
    token = access_token(user)

    async def scenario():
        ws = await connect(port, token)
        await db(follow, other_user, user)
        message = await receive(ws, timeout=5)
        await ws.close()
        return message

    assert asyncio.run(scenario()) == {"type": "unread_count", "count": 1}


def test_reading_over_rest_updates_the_count_on_every_socket(port, user, other_user):
    token = access_token(user)

    async def scenario():
        sockets = [await connect(port, token) for _ in range(2)]
        await db(follow, other_user, user)
        for ws in sockets:
            await next_of(ws, "unread_count", timeout=5)
        await db(services.notifications_mark_all_read, user=user)
        counts = [await next_of(ws, "unread_count", timeout=5) for ws in sockets]
        for ws in sockets:
            await ws.close()
        return counts

    assert asyncio.run(scenario()) == [{"type": "unread_count", "count": 0}] * 2


def test_ping_pong_and_heartbeats(port, user):
    token = access_token(user)

    async def scenario():
        ws = await connect(port, token)
        await ws.send(json.dumps({"type": "ping"}))
        pong = await next_of(ws, "pong", timeout=5)
        heartbeat = await next_of(ws, "heartbeat", timeout=10)  # WS_HEARTBEAT_SECONDS=2 on this server
        await ws.close()
        return pong, heartbeat

    assert asyncio.run(scenario()) == ({"type": "pong"}, {"type": "heartbeat"})


@pytest.mark.parametrize(
    ("frame", "code", "reason"),
    [
        (b"\x00\x01", 4000, "bad_frame"),
        ("not json", 4000, "bad_frame"),
        ("[1, 2]", 4000, "bad_frame"),
        ('{"type": "subscribe"}', 4000, "bad_frame"),
        ('{"type": "resume", "last_id": "nope"}', 4000, "bad_frame"),
        ("x" * 1025, 1009, "message_too_big"),
    ],
)
def test_bad_frames_close_with_a_clear_code(port, user, frame, code, reason):
    token = access_token(user)

    async def scenario():
        ws = await connect(port, token)
        await ws.send(frame)
        return await closed_with(ws, timeout=5)

    closed_code, closed_reason, messages = asyncio.run(scenario())
    assert (closed_code, closed_reason) == (code, reason)
    assert messages[-1]["type"] == "error" and messages[-1]["error"] == reason


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ({"type": "resume", "last_id": None}, 4001),  # anything but auth (and ping) before auth
        ({"type": "auth", "token": "not.a.jwt"}, 4002),
        ({"type": "auth"}, 4000),
    ],
)
def test_authentication_failures(port, first, code):
    async def scenario():
        ws = await connect(port)
        await ws.send(json.dumps(first))
        return await closed_with(ws, timeout=5)

    assert asyncio.run(scenario())[0] == code


def test_a_refresh_token_or_a_query_string_token_does_not_authenticate(port, user):
    refresh = str(RefreshToken.for_user(user))
    access = access_token(user)

    async def scenario():
        ws = await connect(port)
        await ws.send(json.dumps({"type": "auth", "token": refresh}))
        refused = await closed_with(ws, timeout=5)
        ws = await connect(port, path=f"/ws/v1/notifications?token={access}")
        silent = await closed_with(ws, timeout=10)  # WS_AUTH_TIMEOUT_SECONDS=2 on this server
        return refused[0], silent[:2]

    assert asyncio.run(scenario()) == (4002, (4001, "unauthenticated"))


def test_too_many_client_messages_close_the_socket(port, user):
    token = access_token(user)

    async def scenario():
        ws = await connect(port, token)
        for _ in range(11):  # WS_CLIENT_MESSAGES=10 per 10 s on this server
            await ws.send(json.dumps({"type": "ping"}))
        return await closed_with(ws, timeout=5)

    assert asyncio.run(scenario())[:2] == (4008, "rate_limited")


def test_connections_per_user_are_limited(port, user):
    token = access_token(user)

    async def scenario():
        sockets = [await connect(port, token) for _ in range(3)]  # WS_MAX_CONNECTIONS_PER_USER=3
        extra = await websockets.connect(f"ws://127.0.0.1:{port}/ws/v1/notifications")
        await extra.send(json.dumps({"type": "auth", "token": token}))
        refused = await closed_with(extra, timeout=5)
        await sockets[0].close()
        await asyncio.sleep(0.5)
        again = await connect(port, token)  # a slot came free
        for ws in [*sockets[1:], again]:
            await ws.close()
        return refused[:2]

    assert asyncio.run(scenario()) == (4009, "too_many_connections")


def test_other_paths_are_refused(port):
    async def scenario():
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(f"ws://127.0.0.1:{port}/ws/v1/other")
        return refused.value.response.status_code

    assert asyncio.run(scenario()) == 403


@pytest.fixture(scope="module")
def patient_port(django_db_setup, django_db_blocker, redis_url):
    """A server whose keepalive waits 120 s for a pong: 500 client sockets and the Django work of
    this test share one test process (and its GIL) on a busy shared machine, so a pong can be late."""
    with asgi_server(redis_url, port_offset=1, WS_PING_TIMEOUT="120") as port:
        yield port


@pytest.mark.slow
def test_500_sockets_on_one_process_each_get_their_notification(patient_port):
    port = patient_port
    users = UserFactory.create_batch(500)
    follower = UserFactory()
    tokens = [access_token(u) for u in users]

    def follow_all():
        for u in users:
            follow(follower, u)

    async def scenario():
        sockets = []
        for start in range(0, 500, 50):  # connect in waves of 50
            sockets += await asyncio.gather(*(connect(port, t) for t in tokens[start : start + 50]))
        started = time.monotonic()
        await db(follow_all)
        messages = await asyncio.gather(*(next_of(ws, "notification", timeout=60) for ws in sockets))
        open_after = sum(ws.state is websockets.State.OPEN for ws in sockets)
        closed = [(ws.close_code, ws.close_reason) for ws in sockets if ws.state is not websockets.State.OPEN]
        assert not closed, closed[:5]
        await asyncio.gather(*(ws.close() for ws in sockets))
        return messages, open_after, time.monotonic() - started

    messages, open_after, seconds = asyncio.run(scenario())
    assert open_after == 500
    assert [m["notification"]["kind"] for m in messages] == [Kind.NEW_FOLLOWER] * 500
    got = {m["notification"]["id"] for m in messages}
    expected = {str(pk) for pk in Notification.objects.filter(recipient__in=users).values_list("pk", flat=True)}
    assert got == expected  # each socket got its own user's notification, none twice
    print(f"\n500 sockets: 500 follows committed and delivered in {seconds:.1f} s")
