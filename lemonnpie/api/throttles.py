"""DRF throttles backed by the `security` cache alias (shared by every worker when Redis is set)."""

from django.core.cache import caches
from rest_framework import throttling


class _SecurityCacheMixin:
    @property
    def cache(self):
        return caches["security"]


class AnonRateThrottle(_SecurityCacheMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_SecurityCacheMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_SecurityCacheMixin, throttling.ScopedRateThrottle):
    pass
