"""Rate limits at O(1) per request: a sliding-window counter, checked and counted in ONE round trip.

Each limit is "`limit` events per `duration` seconds" for one key. Time is cut into fixed windows
of `duration`; a key holds one integer per window (`<key>:<window index>`), and the count of the
sliding window is estimated as `current + previous * (share of the previous window still inside
the sliding window)` — Cloudflare's and Kong's "sliding window counter". Unlike DRF's
`SimpleRateThrottle`, which pickles the list of every request's timestamp per client and reads
and rewrites it on each request (O(requests in the window), lossy under parallel requests), this
costs the same whatever the rate and never loses a count.

`acquire()` decides and counts in one Lua script, so the check and the increment are atomic across
every worker and thread: N parallel requests against a limit L let exactly L through (when the
previous window is empty). A caller that counts *before* expensive work (a password hash) and
turns out not to need the slot gives it back with `release()`.

Windows are derived from the clock the process reads (`time.time`, so time-travel in tests moves
them), not from cache TTLs; the TTL only garbage-collects old windows. Without Redis (`REDIS_URL`
unset) the same arithmetic runs on the local-memory cache under a process lock.
"""

import functools
import hashlib
import math
import os
import re
import socket
import struct
import sys
import threading
import time
from typing import NamedTuple

import hiredis
from django.core.cache import caches
from django.core.signals import setting_changed
from redis.connection import Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError

ALIAS = "security"

_PERIODS = {
    **dict.fromkeys(("s", "sec", "second"), 1),
    **dict.fromkeys(("m", "min", "minute"), 60),
    **dict.fromkeys(("h", "hour"), 3600),
    **dict.fromkeys(("d", "day"), 86400),
}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")


def parse_rate(rate: str) -> tuple[int, int]:
    """`"20/5min"` → (20, 300). Accepts `N/[k]unit` with s|sec|m|min|h|hour|d|day (plural too)."""
    match = _RATE.match(rate.lower())
    if not match or match.group(3) not in _PERIODS:
        raise ValueError(f"Bad throttle rate {rate!r}: use e.g. '30/min' or '20/5min'.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _PERIODS[unit]


_parsed_rates: dict[str, tuple[int, int]] = {}


def cached_rate(rate: str) -> tuple[int, int]:
    """parse_rate, memoised (rates come from settings; there are a handful)."""
    parsed = _parsed_rates.get(rate)
    if parsed is None:
        parsed = _parsed_rates[rate] = parse_rate(rate)
    return parsed


class RateLimitUnavailable(Exception):
    """The store of the counters (Redis) cannot be reached; the caller decides: open or closed."""


def _store_errors() -> tuple[type[BaseException], ...]:
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import RedisError

    return (OSError, RedisError, ConnectionInterrupted)


STORE_ERRORS = _store_errors()


class Decision(NamedTuple):  # made on every request: a tuple is made at C speed (a frozen dataclass is not)
    allowed: bool
    current: int  # events counted in the current fixed window (after this one, when allowed)
    previous: int  # events of the previous fixed window
    elapsed: float  # share of the current window already passed, 0..1
    limit: int
    duration: int
    slot: str | None = None  # the window key that was incremented (for `release`)
    read: tuple | None = None  # with `acquire(read=...)`: (value, version) read alongside, when allowed

    @property
    def wait(self) -> float:
        """Seconds until the estimate drops below the limit again (0 when it already has)."""
        return wait_seconds(self.current, self.previous, self.elapsed, self.limit, self.duration)


def wait_seconds(current: int, previous: int, elapsed: float, limit: int, duration: int) -> float:
    if current + previous * (1 - elapsed) < limit:
        return 0.0
    if current < limit:
        # Still inside this window: until enough of the previous window has slid out.
        target = 1 - (limit - current) / previous
        return max(target - elapsed, 0.0) * duration
    # Into the next window, until this window's weight has slid down below the limit.
    return (1 - elapsed) * duration + (1 - limit / current) * duration


# KEYS: current window, previous window. ARGV: limit, weight of the previous window, ttl, mode.
# mode "acquire": count one event if the estimate is below the limit; "hit": count it anyway;
# "peek": count nothing. Returns {allowed, current, previous}.
_DECIDE = """
local function decide()
  local counts = redis.call('MGET', KEYS[1], KEYS[2])
  local current = tonumber(counts[1]) or 0
  local previous = tonumber(counts[2]) or 0
  local mode = ARGV[4]
  if mode == 'peek' then
    return {0, current, previous}
  end
  if mode == 'hit' or current + previous * tonumber(ARGV[2]) < tonumber(ARGV[1]) then
    current = redis.call('INCR', KEYS[1])
    if current == 1 then
      redis.call('EXPIRE', KEYS[1], ARGV[3])
    end
    return {1, current, previous}
  end
  return {0, current, previous}
end
"""
_SCRIPT = _DECIDE + "return decide()"
# `_SCRIPT`, then, when the event was counted, one read in the same round trip: KEYS[3], or with
# ARGV[5] and ARGV[6] the key `ARGV[5] .. version .. ARGV[6]` where version is the number stored
# under KEYS[3] (a `lemonnpie.cache.VersionedKey`). Adds {value, version} (nil when absent). The
# versioned key is made inside the script, so this needs one Redis server (not a cluster).
_SCRIPT_AND_READ = (
    _DECIDE
    + """
local result = decide()
if result[1] == 1 then
  local key, version = KEYS[3], false
  if ARGV[5] then
    version = redis.call('GET', KEYS[3])
    key = version and string.match(version, '^%d+$') and (ARGV[5] .. version .. ARGV[6])
  end
  result[4] = key and redis.call('GET', key) or false
  result[5] = version
end
return result
"""
)
# Give a slot back, never below zero and never creating a key.
_RELEASE = """
if (tonumber(redis.call('GET', KEYS[1])) or 0) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""

_local_lock = threading.Lock()
# Redis names a script by its SHA-1 (EVALSHA): an identifier, not a security measure.
_SHAS = {
    source: hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()
    for source in (_SCRIPT, _SCRIPT_AND_READ, _RELEASE)
}
_held = threading.local()


# A child process starts with nothing held: the parent's connections and caches are the parent's.
os.register_at_fork(after_in_child=lambda: _held.__dict__.clear())


def _connection(redis):
    """This thread's own connection to the Redis behind `redis`, made from its pool's settings
    (timeouts, database, TLS) and kept for the thread's life; a new one after a fork or when the
    cache was configured anew."""
    pool = redis.connection_pool
    conn = _held.__dict__.get("conn")
    if conn is None or _held.pool is not pool:
        conn = _kernel_timed(pool.connection_class)(**pool.connection_kwargs)
        _held.conn, _held.pool = conn, pool
    return conn


@functools.cache
def _kernel_timed(connection_class: type) -> type:
    """`connection_class` with its socket timeout kept by the kernel (`SO_RCVTIMEO`,
    `SO_SNDTIMEO`) on a blocking socket. Python keeps a socket's timeout by polling it before
    every send and every receive: two system calls more per round trip, and this one runs on every
    request (measured here: 72 → 58 µs a round trip). A timeout still ends the command with an
    error of the connection (redis-py's `ConnectionError` rather than `TimeoutError`); the
    connection is then dropped as after any failure. TLS connections, and other systems than
    Linux (whose `timeval` this packs), are left as they are."""
    plain = issubclass(connection_class, Connection | UnixDomainSocketConnection)
    if sys.platform != "linux" or not plain or issubclass(connection_class, SSLConnection):
        return connection_class

    class KernelTimed(connection_class):  # type: ignore[valid-type,misc]
        def _connect(self):
            sock = super()._connect()
            if self.socket_timeout:
                seconds, micros = divmod(max(1, round(self.socket_timeout * 1_000_000)), 1_000_000)
                timeval = struct.pack("ll", seconds, micros)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
                sock.settimeout(None)  # blocking: no poll() before each call
            return sock

    KernelTimed.__name__ = KernelTimed.__qualname__ = f"KernelTimed{connection_class.__name__}"
    return KernelTimed


class _Counters(NamedTuple):
    """The `security` cache as this thread found it while `CACHES` stayed the same: the backend and
    its raw Redis client (None for other backends)."""

    generation: int
    cache: object
    redis: object


_caches_generation = 0  # one more each time CACHES changes (tests; Django then drops its backends)


def _caches_changed(*, setting, **kwargs) -> None:
    global _caches_generation
    if setting == "CACHES":
        _caches_generation += 1


setting_changed.connect(_caches_changed)


def _counters() -> _Counters:
    """`caches[ALIAS]` and its Redis client, kept per thread (Django keeps its backends per thread
    too): looking them up costs more than the rest of the check around the round trip."""
    held = _held.__dict__.get("counters")
    if held is None or held.generation != _caches_generation:
        cache = caches[ALIAS]
        held = _held.counters = _Counters(_caches_generation, cache, _redis_client(cache))
    return held


def _eval(redis, source: str, keys: list[str], args: list) -> object:
    """`EVALSHA` of `source` in one round trip on this thread's connection.

    redis-py's `Script` call takes a pooled connection, wraps the command in its retry machinery and
    gives the connection back: ~46 µs per call measured here against ~13 µs for the same command
    sent and read on a held connection, and the rate limit runs on every request. A connection that
    went stale while idle is replaced once before the command is sent; a failure after it was sent
    is raised (never re-sent: the script may have counted). A Redis that lost its scripts (restart,
    `SCRIPT FLUSH`) gets it loaded again."""
    conn = _connection(redis)
    command = ("EVALSHA", _SHAS[source], len(keys), *keys, *args)
    try:
        _send(conn, command)
    except (RedisConnectionError, OSError):
        conn.disconnect()
        _send(conn, command)
    try:
        return conn.read_response()
    except NoScriptError:
        conn.send_command("SCRIPT", "LOAD", source, check_health=False)
        conn.read_response()
        conn.send_command(*command, check_health=False)
        return conn.read_response()
    except BaseException:
        conn.disconnect()
        raise


def _send(conn, command: tuple) -> None:
    """`conn.send_command(*command)`, packed by hiredis at once: redis-py's packer (hiredis's too,
    behind it) first looks at and converts every argument, and this runs on every request."""
    conn.send_packed_command([hiredis.pack_command(command)], check_health=False)


def _pair(values) -> tuple | None:
    """The script's `{value, version}` (absent when not allowed; Lua's false arrives as None)."""
    return (values[0], values[1]) if values else None


def reads_alongside(cache) -> bool:
    """`cache` keeps its keys in the same Redis server and database as the counters, so one script
    can count and read (`SlidingWindow.acquire(read=...)`): one round trip instead of two."""
    ours, theirs = _counters().redis, _redis_client(cache)
    if ours is None or theirs is None:
        return False
    pools = (ours.connection_pool, theirs.connection_pool)
    same = _same_server.get(pools)
    if same is None:
        names = ("host", "port", "db", "path", "username", "password")
        mine, other = (pool.connection_kwargs for pool in pools)
        same = _same_server[pools] = all(mine.get(name) == other.get(name) for name in names)
    return same


_same_server: dict[tuple, bool] = {}  # by the two connection pools (long-lived, a handful)


def _redis_client(cache):
    """The raw redis-py client behind a django-redis cache, or None for other backends."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None


class SlidingWindow:
    """`limit` events per `duration` seconds for one key, in the `security` cache."""

    __slots__ = ("duration", "key", "limit", "ttl")

    def __init__(self, key: str, *, limit: int, duration: int):
        self.key = key
        self.limit = limit
        self.duration = duration
        self.ttl = 2 * duration + 60

    def _run(self, mode: str, now: float | None, read: tuple[str, ...] = ()) -> Decision:
        now = time.time() if now is None else now
        index = int(now // self.duration)
        elapsed = now / self.duration - index
        current_key, previous_key = f"{self.key}:{index}", f"{self.key}:{index - 1}"
        values = None
        try:
            _generation, cache, redis = _counters()
            if redis is not None:
                slot = cache.make_key(current_key)
                keys, args = [slot, cache.make_key(previous_key)], [self.limit, repr(1 - elapsed), self.ttl, mode]
                if read:
                    allowed, current, previous, *values = _eval(
                        redis, _SCRIPT_AND_READ, [*keys, read[0]], [*args, *read[1:]]
                    )
                else:
                    allowed, current, previous = _eval(redis, _SCRIPT, keys, args)
            elif read:
                raise ValueError("reading alongside needs the counters in Redis (see reads_alongside)")
            else:
                slot = current_key
                allowed, current, previous = self._run_locally(cache, mode, current_key, previous_key, elapsed)
        except STORE_ERRORS as exc:
            raise RateLimitUnavailable(str(exc)) from exc
        return Decision(
            bool(allowed), int(current), int(previous), elapsed, self.limit, self.duration, slot, _pair(values)
        )

    def _run_locally(self, cache, mode, current_key, previous_key, elapsed):
        with _local_lock:
            counts = cache.get_many([current_key, previous_key])
            current, previous = int(counts.get(current_key, 0)), int(counts.get(previous_key, 0))
            if mode == "peek":
                return 0, current, previous
            if mode == "hit" or current + previous * (1 - elapsed) < self.limit:
                current += 1
                cache.set(current_key, current, timeout=self.ttl)
                return 1, current, previous
            return 0, current, previous

    def acquire(self, now: float | None = None, read: tuple[str, ...] = ()) -> Decision:
        """Count one event if the limit allows it; atomic, one round trip. With `read` (Redis keys,
        as made by the cache that owns them: `(key,)`, or `(version_key, head, tail)` for a
        versioned key) that key is read in the same round trip when the event is counted:
        `decision.read` is `(value, version)`, raw bytes or None. Only where `reads_alongside`."""
        return self._run("acquire", now, read)

    def hit(self, now: float | None = None) -> Decision:
        """Count one event whatever the limit says."""
        return self._run("hit", now)

    def peek(self, now: float | None = None) -> Decision:
        return self._run("peek", now)

    def estimate(self, now: float | None = None) -> float:
        decision = self.peek(now)
        return decision.current + decision.previous * (1 - decision.elapsed)

    def wait(self, now: float | None = None) -> float:
        return self.peek(now).wait

    def blocked(self, now: float | None = None) -> bool:
        return self.estimate(now) >= self.limit

    @staticmethod
    def release(decision: Decision) -> None:
        """Give back the event an allowed `acquire` counted."""
        slot = decision.slot
        if not decision.allowed or slot is None:
            return
        cache = caches[ALIAS]
        try:
            redis = _redis_client(cache)
            if redis is not None:
                _eval(redis, _RELEASE, [slot], [])
                return
            with _local_lock:
                value = cache.get(slot)
                if value:
                    cache.set(slot, int(value) - 1, timeout=2 * decision.duration + 60)
        except STORE_ERRORS as exc:
            raise RateLimitUnavailable(str(exc)) from exc

    def reset(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        index = int(now // self.duration)
        try:
            caches[ALIAS].delete_many([f"{self.key}:{index}", f"{self.key}:{index - 1}"])
        except STORE_ERRORS as exc:
            raise RateLimitUnavailable(str(exc)) from exc


def retry_after(wait: float) -> int:
    """A `Retry-After` value: whole seconds, at least 1."""
    return max(1, math.ceil(wait))
