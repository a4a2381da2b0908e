"""Per-user accounting of open sockets (the `WS_MAX_CONNECTIONS_PER_USER` limit) across every ASGI
process: a Redis sorted set per user (member: the socket's channel name, score: when the entry
lapses unless refreshed), or the process's memory when `REDIS_URL` is unset. A process that dies
leaves entries that lapse after `TTL` seconds. Redis trouble fails open (logged): the limit is abuse
protection, not a reason to refuse every socket while the cache is down."""

import asyncio
import logging
import time

from django.conf import settings

logger = logging.getLogger(__name__)

TTL = 90  # seconds an entry lives unless its process refreshes it (the watcher does, every ~30 s)

_ADD = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) == false and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def _key(user_id) -> str:
    return f"{settings.CACHE_KEY_PREFIX}:ws:conns:{user_id}"


class _MemoryRegistry:
    def __init__(self):
        self.open: dict[str, set[str]] = {}

    async def add(self, user_id: str, channel: str, limit: int) -> bool:
        channels = self.open.setdefault(user_id, set())
        if channel not in channels and len(channels) >= limit:
            return False
        channels.add(channel)
        return True

    async def remove(self, user_id: str, channel: str) -> None:
        channels = self.open.get(user_id, set())
        channels.discard(channel)
        if not channels:
            self.open.pop(user_id, None)

    async def refresh(self, pairs) -> None:
        return None


class _RedisRegistry:
    def __init__(self, url: str):
        self.url = url
        self.clients = {}  # one client per event loop (a redis.asyncio client is bound to its loop)

    def _client(self):
        from redis import asyncio as aioredis

        loop = asyncio.get_running_loop()
        client = self.clients.get(loop)
        if client is None:
            client = self.clients[loop] = aioredis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        return client

    async def add(self, user_id: str, channel: str, limit: int) -> bool:
        now = time.time()
        try:
            added = await self._client().eval(_ADD, 1, _key(user_id), now, now + TTL, limit, channel, TTL)
        except Exception:
            logger.warning("notifications: connection registry unavailable; socket allowed", exc_info=True)
            return True
        return bool(added)

    async def remove(self, user_id: str, channel: str) -> None:
        try:
            await self._client().zrem(_key(user_id), channel)
        except Exception:
            logger.warning("notifications: could not remove a socket from the registry (it lapses)", exc_info=True)

    async def refresh(self, pairs) -> None:
        """Push the lapse time of these (user_id, channel) entries forward."""
        if not pairs:
            return
        expires = time.time() + TTL
        try:
            async with self._client().pipeline(transaction=False) as pipe:
                for user_id, channel in pairs:
                    pipe.zadd(_key(user_id), {channel: expires}, xx=True)
                    pipe.expire(_key(user_id), TTL)
                await pipe.execute()
        except Exception:
            logger.warning("notifications: could not refresh the connection registry", exc_info=True)


_registry = None
_slots: dict = {}
_sync_client = None


def online_user_ids(user_ids: list[str]) -> set[str] | None:
    """Which of these users have an open socket in any process (one pipelined round trip); None
    when that is unknown (no Redis: one process, so every push is local and cheap; or Redis
    failing: send to all)."""
    global _sync_client
    if not settings.REDIS_URL or not user_ids:
        return None
    try:
        if _sync_client is None:
            import redis

            _sync_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        pipe = _sync_client.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.exists(_key(user_id))
        return {user_id for user_id, found in zip(user_ids, pipe.execute(), strict=True) if found}
    except Exception:
        logger.warning("notifications: presence unknown, pushing to every receiver", exc_info=True)
        return None


def redis_slot() -> asyncio.Semaphore:
    """Bounds how many Redis calls of socket set-up and tear-down run at once in this process (500
    sockets closing together would otherwise ask redis-py's pool for 500 connections; it has 100)."""
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(32)
    return _slots[loop]


def registry():
    global _registry
    if _registry is None:
        _registry = _RedisRegistry(settings.REDIS_URL) if settings.REDIS_URL else _MemoryRegistry()
    return _registry
