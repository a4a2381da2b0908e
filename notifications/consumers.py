"""`/ws/v1/notifications`: the live channel of a user's notifications (README "Notifications").

Protocol (JSON text frames):
- authenticate with the access JWT, either as a subprotocol (offer `lemonnpie.v1` and
  `bearer.<token>`; the server selects `lemonnpie.v1`) or as the first message
  `{"type": "auth", "token": "<access>", "last_id": "<uuid>"?}` within `WS_AUTH_TIMEOUT_SECONDS`.
  Never in the query string (it ends up in logs). Sending `auth` again with a fresh token of the
  same user extends the connection past the first token's expiry.
- server → client: `authenticated`, `notification` `{"notification": {...}}` (the REST row),
  `unread_count` `{"count": n}`, `replayed` `{"count": n, "truncated": bool}`, `pong`,
  `heartbeat`, and `error` `{"code", "error", "message"}` right before a close.
- client → server: `auth`, `ping` (→ `pong`), `resume` `{"last_id": "<uuid>"}` (→ what was missed).
Close codes: `CloseCode` below.
"""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import deque
from enum import IntEnum

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import JWTAuthentication
from accounts.tokens import VERSION_CLAIM, session_of
from notifications import live, selectors
from notifications.connections import redis_slot, registry
from notifications.representation import notifications_data
from notifications.watch import watcher

logger = logging.getLogger(__name__)

SUBPROTOCOL = "lemonnpie.v1"
BEARER_PREFIX = "bearer."


class CloseCode(IntEnum):
    MESSAGE_TOO_BIG = 1009  # a client frame over WS_MAX_MESSAGE_BYTES
    TRY_AGAIN_LATER = 1013  # the database could not be reached
    BAD_FRAME = 4000  # binary, not JSON, not an object, unknown type or field
    UNAUTHENTICATED = 4001  # no valid auth in time, or a message before auth
    INVALID_TOKEN = 4002  # a bad or refresh token, unknown user, another user's token
    TOKEN_EXPIRED = 4003  # the access token expired: refresh it and reconnect with last_id
    SESSION_REVOKED = 4004  # signed out (this session or everywhere), password changed
    ACCOUNT_SUSPENDED = 4005
    RATE_LIMITED = 4008  # more than WS_CLIENT_MESSAGES client messages per window
    TOO_MANY_CONNECTIONS = 4009  # over WS_MAX_CONNECTIONS_PER_USER open sockets


_AUTH_FAILURES = {"user_inactive": CloseCode.ACCOUNT_SUSPENDED, "token_revoked": CloseCode.SESSION_REVOKED}


class Refused(Exception):
    def __init__(self, code: CloseCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _load_user(raw: str):
    """The token's user as the REST API would accept it (signature, expiry, type, suspension,
    token version, signed-out session); raises Refused."""
    try:
        token = AccessToken(raw)
    except ExpiredTokenError:
        raise Refused(CloseCode.TOKEN_EXPIRED, "The access token has expired.") from None
    except TokenError:
        raise Refused(CloseCode.INVALID_TOKEN, "The token is invalid.") from None
    try:
        user = JWTAuthentication().get_user(token)
    except AuthenticationFailed as exc:
        code = _AUTH_FAILURES.get(getattr(exc, "get_codes", lambda: "")(), CloseCode.INVALID_TOKEN)
        raise Refused(code, str(exc.detail)) from None
    except Exception as exc:  # InvalidToken (no user claim) and the like
        raise Refused(CloseCode.INVALID_TOKEN, "The token is invalid.") from exc
    return user, token


def _parse_uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Refused(CloseCode.BAD_FRAME, "last_id must be a notification id (UUID).") from None


@database_sync_to_async
def _authenticate(raw: str):
    return _load_user(raw)


@database_sync_to_async
def _rows_by_ids(user_id, ids) -> tuple[list[dict], int]:
    rows = selectors.notifications_by_ids(user_id=user_id, ids=ids)
    return notifications_data(rows), selectors.notification_unread_count(user_id=user_id)


@database_sync_to_async
def _unread_count(user_id) -> int:
    return selectors.notification_unread_count(user_id=user_id)


@database_sync_to_async
def _missed(user_id, last_id) -> tuple[list[dict], bool, bool]:
    rows, known, truncated = selectors.notifications_since(user_id=user_id, last_id=last_id)
    return notifications_data(rows), known, truncated


class NotificationConsumer(AsyncWebsocketConsumer):
    user_id = None
    closing = False

    async def connect(self):
        self.received = deque()
        self.last_sent = time.monotonic()
        self.auth_timer = None
        offered = self.scope.get("subprotocols") or []
        await self.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
        bearer = next((p[len(BEARER_PREFIX) :] for p in offered if p.startswith(BEARER_PREFIX)), None)
        if bearer:
            await self._guarded(self._sign_in(bearer, last_id=None))
        else:
            self.auth_timer = asyncio.get_running_loop().call_later(
                settings.WS_AUTH_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._auth_timeout())
            )

    async def _auth_timeout(self):
        if self.user_id is None:
            await self.refuse(CloseCode.UNAUTHENTICATED, 'Send {"type": "auth", "token": ...} first.')

    async def disconnect(self, code):
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        watcher().remove(self)
        if self.user_id is not None:
            async with redis_slot():
                await self.channel_layer.group_discard(live.user_group(self.user_id), self.channel_name)
                await registry().remove(str(self.user_id), self.channel_name)

    # --- client frames ---------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        if text_data is None:
            return await self.refuse(CloseCode.BAD_FRAME, "Binary frames are not accepted; send JSON text.")
        if len(text_data.encode()) > settings.WS_MAX_MESSAGE_BYTES:
            return await self.refuse(
                CloseCode.MESSAGE_TOO_BIG, f"Messages are at most {settings.WS_MAX_MESSAGE_BYTES} bytes."
            )
        if self._over_rate():
            return await self.refuse(CloseCode.RATE_LIMITED, "Too many messages; reconnect later.")
        try:
            message = json.loads(text_data)
        except ValueError:
            return await self.refuse(CloseCode.BAD_FRAME, "Frames must be JSON.")
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return await self.refuse(CloseCode.BAD_FRAME, 'Frames must be JSON objects with a "type".')
        await self._guarded(self._dispatch(message))

    def _over_rate(self) -> bool:
        now = time.monotonic()
        window = settings.WS_CLIENT_WINDOW_SECONDS
        while self.received and self.received[0] <= now - window:
            self.received.popleft()
        self.received.append(now)
        return len(self.received) > settings.WS_CLIENT_MESSAGES

    async def _dispatch(self, message: dict):
        kind = message["type"]
        if kind == "ping":
            return await self.send_json({"type": "pong"})
        if kind == "auth":
            token = message.get("token")
            if not isinstance(token, str) or not token:
                raise Refused(CloseCode.BAD_FRAME, '"auth" needs a "token" (the access JWT).')
            last_id = _parse_uuid(message["last_id"]) if message.get("last_id") is not None else None
            return await self._sign_in(token, last_id=last_id)
        if self.user_id is None:
            raise Refused(CloseCode.UNAUTHENTICATED, "Authenticate first.")
        if kind == "resume":
            return await self._replay(_parse_uuid(message.get("last_id")))
        raise Refused(CloseCode.BAD_FRAME, f"Unknown message type {kind[:40]!r}.")

    async def _guarded(self, work):
        """Run `work`; a Refused closes with its code, a database outage with 1013."""
        try:
            await work
        except Refused as refused:
            await self.refuse(refused.code, refused.message)
        except Exception:
            logger.warning("notifications: socket closed after an error", exc_info=True)
            await self.refuse(CloseCode.TRY_AGAIN_LATER, "Temporarily unavailable; reconnect with last_id.")

    # --- authentication ------------------------------------------------------------------------

    async def _sign_in(self, raw: str, *, last_id):
        user, token = await _authenticate(raw)
        if self.user_id is not None and user.pk != self.user_id:
            raise Refused(CloseCode.INVALID_TOKEN, "The token belongs to another user.")
        self.token_exp = int(token["exp"])
        self.token_version = token.get(VERSION_CLAIM, 0)
        self.sid = session_of(token)
        if self.user_id is None:
            async with redis_slot():
                if not await registry().add(str(user.pk), self.channel_name, settings.WS_MAX_CONNECTIONS_PER_USER):
                    raise Refused(CloseCode.TOO_MANY_CONNECTIONS, "Too many open sockets for this user.")
                self.user_id = user.pk
                await self.channel_layer.group_add(live.user_group(user.pk), self.channel_name)
            if self.auth_timer is not None:
                self.auth_timer.cancel()
            watcher().add(self)
        await self.send_json({"type": "authenticated", "user_id": str(user.pk), "expires_at": self.token_exp})
        await self.send_json({"type": "unread_count", "count": await _unread_count(self.user_id)})
        if last_id is not None:
            await self._replay(last_id)

    async def _replay(self, last_id):
        rows, known, truncated = await _missed(self.user_id, last_id)
        for row in rows:
            await self.send_json({"type": "notification", "notification": row})
        await self.send_json({"type": "replayed", "count": len(rows), "truncated": truncated or not known})

    # --- channel-layer events (see notifications.live) -----------------------------------------

    async def notifications_new(self, event):
        if self.user_id is None or self.closing:
            return
        rows, count = await _rows_by_ids(self.user_id, event.get("ids", []))
        for row in rows:
            await self.send_json({"type": "notification", "notification": row})
        await self.send_json({"type": "unread_count", "count": count})

    async def notifications_count(self, event):
        if self.user_id is not None and not self.closing:
            await self.send_json({"type": "unread_count", "count": await _unread_count(self.user_id)})

    # --- sending and closing -------------------------------------------------------------------

    async def send_json(self, content: dict):
        self.last_sent = time.monotonic()
        try:
            await self.send(text_data=json.dumps(content, separators=(",", ":")))
        except Exception:  # the client is gone (its disconnect is on its way): nothing to tell it
            self.closing = True

    async def refuse(self, code: CloseCode, message: str):
        """Tell the client why (an `error` message), then close with `code`."""
        if self.closing:
            return
        name = CloseCode(code).name.lower()
        await self.send_json({"type": "error", "code": int(code), "error": name, "message": message})
        self.closing = True
        with contextlib.suppress(Exception):  # already closed by the client
            await self.close(code=int(code), reason=name)


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any other path under the WebSocket server: refused at the handshake (HTTP 403)."""

    async def connect(self):
        await self.close()
