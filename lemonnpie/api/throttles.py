"""DRF throttles backed by the `security` cache alias (shared by every worker when Redis is set).

When that cache is unreachable these general request-rate throttles let the request through (and
count it in `lemonnpie_throttle_degraded_total`): an outage of Redis must not take reads and writes
down with it. The throttles that guard credentials and outgoing mail (`accounts.throttles`:
`login_failures`, `auth`) do the opposite and fail closed with a 503.
"""

import logging

from django.core.cache import caches
from rest_framework import throttling

from lemonnpie.metrics import THROTTLE_DEGRADED

logger = logging.getLogger("lemonnpie.throttles")


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    from django_redis.exceptions import ConnectionInterrupted
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


CACHE_UNREACHABLE = _unreachable_errors()


class _SecurityCacheMixin:
    @property
    def cache(self):
        return caches["security"]

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_UNREACHABLE:
            THROTTLE_DEGRADED.labels(scope=getattr(self, "scope", None) or "unknown").inc()
            logger.warning("throttle %s skipped: the security cache is unreachable", getattr(self, "scope", "?"))
            return True


class AnonRateThrottle(_SecurityCacheMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_SecurityCacheMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_SecurityCacheMixin, throttling.ScopedRateThrottle):
    pass
