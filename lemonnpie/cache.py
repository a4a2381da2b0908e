"""The `default` cache's Redis client: an outage must not leave stale answers behind once it ends.

With `IGNORE_EXCEPTIONS` a write or an invalidation that fails while Redis is unreachable is
silently dropped. If Redis then comes back with its old data (restarted from its snapshot, or a
network partition that healed), entries that should have been deleted would be served again for up
to their TTL. So a failed write marks this cache "dirty" for the whole process, and the first
operation that reaches Redis again first deletes every key of the `default` cache (its own key
prefix only: the `security` cache's throttle and lockout state is untouched). The cache is an
accelerator, so starting it cold is always correct.

Limit: the flag lives in the process that lost the write. A process that loses writes and then
exits before Redis returns cannot clear them; they expire by their TTL (an hour at most).
"""

import logging
import threading
from typing import NamedTuple

from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger("lemonnpie.cache")

_dirty: set[str] = set()
_lock = threading.Lock()


def _name(client: DefaultClient) -> str:
    return f"{client._server}|{client._backend.key_prefix}"


class RecoveringClient(DefaultClient):
    """django-redis's client that empties its cache once Redis answers again after lost writes."""

    _WRITES = ("set", "add", "delete", "delete_many", "set_many", "incr", "decr", "touch", "expire", "persist")

    def _recover(self) -> None:
        name = _name(self)
        if name not in _dirty:
            return
        with _lock:
            if name not in _dirty:
                return
            try:
                removed = super().delete_pattern("*")
            except ConnectionInterrupted:
                return  # still down: stay dirty, the operation below fails the usual way
            _dirty.discard(name)
        logger.warning("cache writes were lost while Redis was unreachable: emptied the cache (%s keys)", removed)

    def _mark_dirty(self) -> None:
        with _lock:
            _dirty.add(_name(self))


def _guarded(name: str, *, writes: bool):
    def method(self, *args, **kwargs):
        self._recover()
        try:
            return getattr(DefaultClient, name)(self, *args, **kwargs)
        except ConnectionInterrupted:
            if writes:
                self._mark_dirty()
            raise

    method.__name__ = name
    return method


for _method in RecoveringClient._WRITES:
    setattr(RecoveringClient, _method, _guarded(_method, writes=True))
for _method in ("get", "get_many", "has_key", "ttl"):
    setattr(RecoveringClient, _method, _guarded(_method, writes=False))


def is_dirty(client: DefaultClient) -> bool:
    return _name(client) in _dirty


class VersionedKey(NamedTuple):
    """A cache key that embeds the value of another key, a generation number bumped on every
    change: `head + version + tail`. Bumping the version orphans every key made under the old one."""

    version_key: str
    head: str
    tail: str

    def at(self, version: int | str) -> str:
        return f"{self.head}{version}{self.tail}"
