"""Throttles of the auth endpoints, on the `security` cache (shared by every worker with Redis).

DRF's own throttles keep a list of timestamps and write it back (read-modify-write), so parallel
requests lose updates — an attacker spraying in parallel would get past the limit. These count with
atomic `incr` in a sliding-window counter (the current and previous fixed windows, the previous one
weighted by how much of it still overlaps): never lossy, constant memory, and correct under time
travel in tests because windows are derived from the clock, not from cache TTLs.
"""

import math
import re
import time

from django.core.cache import caches
from rest_framework import throttling
from rest_framework.settings import api_settings

from lemonnpie.api.exceptions import ApplicationError
from lemonnpie.metrics import LOGINS

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


def _cache_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:  # pragma: no cover - redis is a requirement
        pass
    try:
        from django_redis.exceptions import ConnectionInterrupted

        errors.append(ConnectionInterrupted)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


CACHE_ERRORS = _cache_errors()


def security_unavailable() -> ApplicationError:
    """Security state cannot be read: fail closed, with a clean 503 rather than a 500."""
    return ApplicationError(
        "Sign-in is temporarily unavailable. Please try again shortly.",
        error="service_unavailable",
        status=503,
        headers={"Retry-After": "5"},
    )


class WindowCounter:
    """Sliding-window counter of events for one key: `limit` events per `duration` seconds."""

    def __init__(self, key: str, *, limit: int, duration: int, timer=time.time):
        self.key = key
        self.limit = limit
        self.duration = duration
        self.timer = timer
        self.cache = caches["security"]

    def _window(self, now: float) -> tuple[int, float]:
        index = int(now // self.duration)
        return index, (now - index * self.duration) / self.duration

    def _counts(self, now: float) -> tuple[int, int, float]:
        index, elapsed = self._window(now)
        keys = [f"{self.key}:{index}", f"{self.key}:{index - 1}"]
        try:
            values = self.cache.get_many(keys)
        except CACHE_ERRORS as exc:
            raise security_unavailable() from exc
        return int(values.get(keys[0], 0)), int(values.get(keys[1], 0)), elapsed

    def estimate(self, now: float | None = None) -> float:
        current, previous, elapsed = self._counts(self.timer() if now is None else now)
        return current + previous * (1 - elapsed)

    def wait(self, now: float | None = None) -> float:
        """Seconds until the estimate drops below the limit again (0 when it already has)."""
        now = self.timer() if now is None else now
        current, previous, elapsed = self._counts(now)
        if current + previous * (1 - elapsed) < self.limit:
            return 0.0
        if current < self.limit:
            # Still inside this window: wait until enough of the previous window has slid out.
            target = 1 - (self.limit - current) / previous
            return max(target - elapsed, 0.0) * self.duration
        # Into the next window, until this window's weight has slid down below the limit.
        return (1 - elapsed) * self.duration + (1 - self.limit / current) * self.duration

    def blocked(self, now: float | None = None) -> bool:
        return self.estimate(now) >= self.limit

    def hit(self, now: float | None = None) -> None:
        index, _ = self._window(self.timer() if now is None else now)
        key = f"{self.key}:{index}"
        try:
            self.cache.add(key, 0, timeout=2 * self.duration + 60)
            try:
                self.cache.incr(key)
            except ValueError:  # expired between add and incr: start again
                self.cache.add(key, 1, timeout=2 * self.duration + 60)
        except CACHE_ERRORS as exc:
            raise security_unavailable() from exc

    def reset(self) -> None:
        index, _ = self._window(self.timer())
        try:
            self.cache.delete_many([f"{self.key}:{index}", f"{self.key}:{index - 1}"])
        except CACHE_ERRORS as exc:
            raise security_unavailable() from exc


class _CounterThrottle(throttling.BaseThrottle):
    """Base for the throttles below; the rate is read from settings on each request, so
    `THROTTLE_*` (and test overrides of REST_FRAMEWORK) always apply."""

    scope: str = ""
    timer = time.time

    def counter(self, request) -> WindowCounter | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if not rate:
            return None
        limit, duration = parse_rate(rate)
        return WindowCounter(f"throttle:{self.scope}:{self.ident_for(request)}", limit=limit, duration=duration)

    def ident_for(self, request) -> str:
        # get_ident honours NUM_PROXIES: with 0, X-Forwarded-For is ignored and cannot be spoofed.
        return self.get_ident(request)

    def wait(self):
        return getattr(self, "_wait", None)


class LoginFailureThrottle(_CounterThrottle):
    """`login_failures`: only failed sign-ins count (recorded by the view); past the limit every
    sign-in from that client address is refused, right password or not, until the window passes."""

    scope = "login_failures"

    def allow_request(self, request, view):
        counter = self.counter(request)
        if counter is None:
            return True
        now = self.timer()
        try:
            blocked = counter.blocked(now)
        except ApplicationError:
            LOGINS.labels(outcome="unavailable").inc()  # the security cache is down: fail closed
            raise
        if blocked:
            LOGINS.labels(outcome="throttled").inc()
            self._wait = max(1, math.ceil(counter.wait(now)))
            return False
        return True

    def record_failure(self, request) -> None:
        counter = self.counter(request)
        if counter is not None:
            counter.hit()


class AuthRateThrottle(_CounterThrottle):
    """`auth`: every request counts; keyed by user when signed in, else by client address."""

    scope = "auth"

    def ident_for(self, request) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{self.get_ident(request)}"

    def allow_request(self, request, view):
        counter = self.counter(request)
        if counter is None:
            return True
        now = self.timer()
        if counter.blocked(now):
            self._wait = max(1, math.ceil(counter.wait(now)))
            return False
        counter.hit(now)
        return True
