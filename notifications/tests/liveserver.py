"""A real ASGI server (uvicorn, as bin/run and docker-compose run it) and, when a test needs one,
a real Celery worker, both as subprocesses of the test on the test database, sharing the test's
Redis (channel layer and broker). Without `REDIS_URL` a throwaway `redis-server` is started, since
the test process and the server must share a channel layer. Ports: `LNP_TEST_WS_PORT` (else a
free one)."""

import asyncio
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import websockets
from channels import layers
from django.conf import settings
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from lemonnpie.env import channel_layer_host
from lemonnpie.tests.faultkit import (
    BIN,
    ROOT,
    Managed,
    ThrowawayRedis,
    app_env,
    database_url,
    free_port,
    port_open,
    wait_for,
)

SERVER_SETTINGS = {
    "WS_AUTH_TIMEOUT_SECONDS": "2",
    "WS_RECHECK_SECONDS": "1",
    "WS_HEARTBEAT_SECONDS": "2",
    "WS_MAX_CONNECTIONS_PER_USER": "3",
    "WS_CLIENT_MESSAGES": "10",
    "WS_CLIENT_WINDOW_SECONDS": "10",
    "WS_MAX_MESSAGE_BYTES": "1024",
}


@contextmanager
def shared_redis():
    """The Redis URL the test and its subprocesses share, with the test's channel layer on it."""
    throwaway = None
    url = settings.REDIS_URL
    if not url:
        throwaway = ThrowawayRedis("notifications")
        throwaway.start()
        url = throwaway.url()
    previous = settings.CHANNEL_LAYERS
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [channel_layer_host(url)], "prefix": f"{settings.CACHE_KEY_PREFIX}:ws"},
        }
    }
    layers.channel_layers.backends.clear()
    try:
        yield url
    finally:
        settings.CHANNEL_LAYERS = previous
        layers.channel_layers.backends.clear()
        if throwaway is not None:
            throwaway.destroy()


def _env(redis_url: str, **overrides) -> dict:
    return app_env(
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=settings.CACHE_KEY_PREFIX,
        JWT_SIGNING_KEY=settings.SIMPLE_JWT["SIGNING_KEY"],  # tokens minted by the test
        LOG_LEVEL="WARNING",
        **SERVER_SETTINGS,
        **overrides,
    )


@contextmanager
def asgi_server(redis_url: str, *, port_offset: int = 0, **overrides):
    """bin/asgi (uvicorn serving lemonnpie.asgi) on 127.0.0.1; yields its port (`LNP_TEST_WS_PORT`
    plus `port_offset` when that is set, so two servers of one run never meet)."""
    fixed = os.environ.get("LNP_TEST_WS_PORT")
    port = int(fixed) + port_offset if fixed else free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="lnp-ws-"))
    # SHUTDOWN_TIMEOUT: consumers left running when the test ends are cancelled after 1 s, not 5.
    env = _env(
        redis_url,
        UVICORN=str(BIN / "uvicorn"),
        HOST="127.0.0.1",
        PORT=str(port),
        **{"SHUTDOWN_TIMEOUT": "1", **overrides},
    )
    server = Managed("uvicorn", [str(ROOT / "bin" / "asgi"), "--no-access-log"], env, log_dir)
    server.start()
    try:
        wait_for(lambda: port_open(port), timeout=60, what="uvicorn up")
        yield port
    finally:
        server.stop()
        if os.environ.get("LNP_TEST_KEEP_LOGS"):
            print(server.log())


@contextmanager
def celery_worker(redis_url: str):
    """A Celery worker (2 threads) on the test database and broker."""
    log_dir = Path(tempfile.mkdtemp(prefix="lnp-worker-"))
    worker = Managed(
        "celery",
        [str(BIN / "celery"), "-A", "lemonnpie", "worker", "--pool", "threads", "--concurrency", "2", "-l", "WARNING"],
        _env(redis_url, CELERY_BROKER_URL=redis_url),
        log_dir,
    )
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        if os.environ.get("LNP_TEST_KEEP_LOGS"):
            print(worker.log())


async def db(function, *args, **kwargs):
    """Run a database call from async test code, in a thread whose connection is closed after."""

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    return await asyncio.to_thread(run)


def access_token(user, **claims) -> str:
    token = RefreshToken.for_user(user).access_token
    for name, value in claims.items():
        token[name] = value
    return str(token)


async def connect(port: int, token: str | None = None, *, last_id=None, subprotocol: bool = False, path=None):
    """A signed-in socket (auth as the first message, or as a subprotocol), past its greeting
    (`authenticated` and `unread_count`); without a token, just connected. The client sends no
    keepalive pings of its own (the server's pings still run): with hundreds of sockets and Django
    work in one test process, the GIL can delay a pong past the client's own timeout."""
    url = f"ws://127.0.0.1:{port}{path or '/ws/v1/notifications'}"
    if subprotocol and token:
        ws = await websockets.connect(
            url, subprotocols=["lemonnpie.v1", f"bearer.{token}"], open_timeout=30, ping_interval=None
        )
    else:
        ws = await websockets.connect(url, open_timeout=30, ping_interval=None)
        if token:
            message = {"type": "auth", "token": token}
            if last_id is not None:
                message["last_id"] = str(last_id)
            await ws.send(json.dumps(message))
    if token:
        greeting = [await receive(ws, timeout=30) for _ in range(2)]
        assert [m["type"] for m in greeting] == ["authenticated", "unread_count"], greeting
    return ws


async def receive(ws, *, timeout: float) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def next_of(ws, kind: str, *, timeout: float) -> dict:
    """The next message of type `kind` (others skipped, e.g. heartbeats)."""
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind:
                return message


async def closed_with(ws, *, timeout: float) -> tuple[int, str, list[dict]]:
    """Wait for the server to close; (code, reason, the messages before the close)."""
    messages = []
    async with asyncio.timeout(timeout):
        try:
            while True:
                messages.append(json.loads(await ws.recv()))
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code, closed.rcvd.reason, messages
