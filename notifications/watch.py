"""One watcher per ASGI process closes sockets whose right to stay open ended: the access token
expired, the user was suspended, signed out everywhere (`token_version` moved on) or signed this
session out (`RevokedSession`). Every `WS_RECHECK_SECONDS` it reads the state of all its sockets'
users in two queries, whatever the number of sockets, so it catches every path that changes that
state (API, Django admin, management commands, SQL). It also sends heartbeats and keeps the
connection registry's entries alive."""

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from django.conf import settings

from accounts.models import RevokedSession, User
from notifications.connections import TTL, registry

logger = logging.getLogger(__name__)


@database_sync_to_async
def _states(user_ids, sids) -> tuple[dict, set]:
    users = {
        pk: (active, version)
        for pk, active, version in User.objects.filter(pk__in=user_ids).values_list("pk", "is_active", "token_version")
    }
    revoked = {sid.hex for sid in RevokedSession.objects.filter(sid__in=sids).values_list("sid", flat=True)}
    return users, revoked


class Watcher:
    def __init__(self):
        self.sockets = set()
        self.task = None
        self.refreshed = time.monotonic()

    def add(self, consumer) -> None:
        self.sockets.add(consumer)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    def remove(self, consumer) -> None:
        self.sockets.discard(consumer)

    async def _run(self):
        while self.sockets:
            await asyncio.sleep(settings.WS_RECHECK_SECONDS)
            try:
                await self.check()
            except Exception:  # the database is down: keep the sockets, try again next round
                logger.warning("notifications: socket check failed", exc_info=True)

    async def check(self) -> None:
        sockets = [socket for socket in self.sockets if socket.user_id is not None and not socket.closing]
        if not sockets:
            return
        now = time.time()
        for socket in sockets:
            if socket.token_exp <= now:
                await socket.refuse(4003, "The access token has expired: refresh it and reconnect with last_id.")
        sockets = [socket for socket in sockets if not socket.closing]
        users, revoked = await _states({s.user_id for s in sockets}, {s.sid for s in sockets if s.sid})
        for socket in sockets:
            active, version = users.get(socket.user_id, (False, None))
            if socket.user_id not in users:
                await socket.refuse(4002, "The account no longer exists.")
            elif not active:
                await socket.refuse(4005, "This account is suspended.")
            elif version != socket.token_version or (socket.sid and socket.sid in revoked):
                await socket.refuse(4004, "This session was signed out.")
        await self._heartbeats(now)

    async def _heartbeats(self, now: float) -> None:
        live = [socket for socket in self.sockets if not socket.closing]
        quiet = time.monotonic() - settings.WS_HEARTBEAT_SECONDS
        for socket in live:
            if socket.last_sent <= quiet:
                await socket.send_json({"type": "heartbeat"})
        if time.monotonic() - self.refreshed >= TTL / 3:
            self.refreshed = time.monotonic()
            await registry().refresh([(str(s.user_id), s.channel_name) for s in live if s.user_id is not None])


_watchers: dict = {}


def watcher() -> Watcher:
    """The watcher of the running event loop (one per ASGI process)."""
    loop = asyncio.get_running_loop()
    if loop not in _watchers:
        _watchers[loop] = Watcher()
    return _watchers[loop]
