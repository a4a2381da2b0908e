"""DRF throttles on the O(1) sliding-window counter of `lemonnpie.ratelimit` (one Redis round trip
per throttle and request, atomic across workers), in the `security` cache.

They keep DRF's shape (`scope`, `get_cache_key`, `allow_request`, `wait`), so views declare them
the DRF way. Rates are read from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` on each request, so
`THROTTLE_*` and test overrides always apply.

`RequestRateThrottle` is the default: `anon` per client address for anonymous callers, `user` per
account for signed-in ones — one throttle, one round trip, whoever calls.

When the security cache is unreachable these general request-rate throttles let the request
through (and count it in `lemonnpie_throttle_degraded_total`): an outage of Redis must not take
reads and writes down with it. The throttles that guard credentials and outgoing mail
(`accounts.throttles`: `login_failures`, `auth`) set `fail_open = False` and answer 503.
"""

import logging

from rest_framework import throttling
from rest_framework.settings import api_settings

from lemonnpie.api.exceptions import ApplicationError
from lemonnpie.metrics import THROTTLE_DEGRADED
from lemonnpie.ratelimit import Decision, RateLimitUnavailable, SlidingWindow, cached_rate, retry_after

logger = logging.getLogger("lemonnpie.throttles")


class RateThrottle(throttling.BaseThrottle):
    """A limit per `scope` and client: `get_cache_key()` names the client (None: not limited)."""

    scope: str | None = None
    fail_open = True
    THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # DRF's alias of the same dict (tests patch it)
    decision: Decision | None = None

    def scope_for(self, request, view) -> str | None:
        return self.scope

    def get_cache_key(self, request, view) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view, read: tuple[str, ...] = ()):
        """DRF's check; `read` is read alongside the count (`SlidingWindow.acquire`)."""
        scope = self.scope_for(request, view)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope) if scope else None
        if not rate:
            return True
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        limit, duration = cached_rate(rate)
        try:
            window = SlidingWindow(f"throttle:{scope}:{ident}", limit=limit, duration=duration)
            self.decision = window.acquire(read=read)
        except RateLimitUnavailable as exc:
            return self.unavailable(scope, exc)
        return self.decision.allowed

    def unavailable(self, scope: str, exc: RateLimitUnavailable) -> bool:
        if not self.fail_open:
            raise security_unavailable() from exc
        THROTTLE_DEGRADED.labels(scope=scope).inc()
        logger.warning("throttle %s skipped: the security cache is unreachable", scope)
        return True

    def wait(self):
        if self.decision is None or self.decision.allowed:
            return None
        return retry_after(self.decision.wait)

    def get_ident(self, request):
        """DRF's client address (`NUM_PROXIES` applied to `X-Forwarded-For`, else `REMOTE_ADDR`),
        read from META: DRF's own builds `request.headers`, a copy of every header, per request."""
        meta = request.META
        xff, remote_addr = meta.get("HTTP_X_FORWARDED_FOR"), meta.get("REMOTE_ADDR")
        num_proxies = api_settings.NUM_PROXIES
        if num_proxies is not None:
            if num_proxies == 0 or xff is None:
                return remote_addr
            addrs = xff.split(",")
            return addrs[-min(num_proxies, len(addrs))].strip()
        return "".join(xff.split()) if xff else remote_addr

    def user_or_address(self, request) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{self.get_ident(request)}"


def security_unavailable() -> ApplicationError:
    """Security state cannot be read: fail closed, with a clean 503 rather than a 500."""
    return ApplicationError(
        "Sign-in is temporarily unavailable. Please try again shortly.",
        error="service_unavailable",
        status=503,
        headers={"Retry-After": "5"},
    )


class RequestRateThrottle(RateThrottle):
    """The default: `anon` by client address, or `user` by account once signed in.

    A request the fast path (`lemonnpie.api.fastpath`) counted already is not counted again: its
    decision is reused."""

    def allow_request(self, request, view, read: tuple[str, ...] = ()):
        counted = getattr(request, "_request", request).__dict__.get("counted_by")
        if counted is None:
            return super().allow_request(request, view, read)
        throttle, allowed = counted
        self.decision = throttle.decision
        return allowed

    def scope_for(self, request, view):
        user = getattr(request, "user", None)
        return "user" if user is not None and user.is_authenticated else "anon"

    def get_cache_key(self, request, view):
        return self.user_or_address(request)


class AnonRateThrottle(RateThrottle):
    """`anon`: anonymous callers only, by client address."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user is not None and request.user.is_authenticated:
            return None
        return self.user_or_address(request)


class UserRateThrottle(RateThrottle):
    """By account when signed in, else by client address (DRF's `UserRateThrottle`)."""

    scope = "user"

    def get_cache_key(self, request, view):
        return self.user_or_address(request)


class ScopedRateThrottle(UserRateThrottle):
    """The view's `throttle_scope`, by account or client address (DRF's `ScopedRateThrottle`)."""

    scope = None

    def scope_for(self, request, view):
        return getattr(view, "throttle_scope", None)
