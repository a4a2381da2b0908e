"""Throttles of the auth endpoints, on the sliding-window counter of `lemonnpie.ratelimit` (one
atomic Redis round trip each). Both fail CLOSED: when the security cache cannot be reached,
sign-in, registration and reset requests answer 503 instead of going unguarded.
"""

import contextlib

from lemonnpie.api.exceptions import ApplicationError
from lemonnpie.api.throttles import RateThrottle, security_unavailable
from lemonnpie.metrics import LOGINS
from lemonnpie.ratelimit import RateLimitUnavailable, SlidingWindow, parse_rate

__all__ = ["AuthRateThrottle", "LoginFailureThrottle", "WindowCounter", "parse_rate", "security_unavailable"]


class WindowCounter(SlidingWindow):
    """A sliding-window counter that answers 503 (`security_unavailable`) when Redis is down."""

    def _run(self, mode, now, read=()):
        try:
            return super()._run(mode, now, read)
        except RateLimitUnavailable as exc:
            raise security_unavailable() from exc

    def reset(self, now=None):
        try:
            super().reset(now)
        except RateLimitUnavailable as exc:
            raise security_unavailable() from exc


class LoginFailureThrottle(RateThrottle):
    """`login_failures`, per client address. Every sign-in takes a slot BEFORE the password is
    hashed, so N parallel attempts evaluate at most the limit; the view gives the slot back
    (`settle`) unless the attempt failed with wrong credentials, so only failures count. Past the
    limit every sign-in from that address is refused, right password or not, until the window
    passes."""

    scope = "login_failures"
    fail_open = False

    def get_cache_key(self, request, view):
        # get_ident honours NUM_PROXIES: with 0, X-Forwarded-For is ignored and cannot be spoofed.
        return self.get_ident(request)

    def allow_request(self, request, view):
        try:
            allowed = super().allow_request(request, view)
        except ApplicationError:
            LOGINS.labels(outcome="unavailable").inc()
            raise
        if not allowed:
            LOGINS.labels(outcome="throttled").inc()
        elif self.decision is not None:
            request._login_failure_slot = self.decision  # seen by `settle`, on DRF's and Django's request
        return allowed

    @staticmethod
    def settle(request, *, failed: bool) -> None:
        """The attempt is over: keep its slot if it failed on credentials, give it back otherwise."""
        decision = getattr(request, "_login_failure_slot", None)
        if decision is None or failed:
            return
        request._login_failure_slot = None
        with contextlib.suppress(RateLimitUnavailable):  # else the slot expires with its window
            SlidingWindow.release(decision)


class AuthRateThrottle(RateThrottle):
    """`auth`: every request counts; keyed by user when signed in, else by client address."""

    scope = "auth"
    fail_open = False

    def get_cache_key(self, request, view):
        return self.user_or_address(request)
