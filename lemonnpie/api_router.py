"""The one DRF router. Each domain app registers its viewsets in `<app>/api/routes.py`:

def register(router): router.register("reviews", ReviewViewSet, basename="review")
urlpatterns = [...]   # optional plain views, built with optional_slash_path()
"""

import copy
import re
from importlib import import_module

from django.core.exceptions import ImproperlyConfigured
from django.urls import include, re_path
from django.urls.resolvers import RegexPattern

from lemonnpie.api.routers import OptionalSlashRouter

DOMAIN_APPS = (
    "accounts",
    "catalog",
    "reviews",
    "social",
    "moderation",
    "analytics",
    "notifications",
    "diary",
    "lists",
)

router = OptionalSlashRouter()
extra_urlpatterns = []
for _app in DOMAIN_APPS:
    _routes = import_module(f"{_app}.api.routes")
    extra_urlpatterns += getattr(_routes, "urlpatterns", [])
    _routes.register(router)


def by_first_segment(patterns) -> list:
    """`patterns` (anchored regex routes) grouped under one `include()` per first path segment
    (`movies`, `users`, ...; the routes within start with `/`, `.` or the end, so `moviesx` matches none),
    each group in its original order: Django then tries only the routes
    of the request's own segment instead of every route before the one that matches (118 routes
    here; a movie detail was matched on its 47th try). The first route that matches is the same as
    before: routes of another segment could never match the path."""
    groups: dict[str, list] = {}
    for pattern in patterns:
        match = _SEGMENT.match(pattern.pattern.regex.pattern)
        if match is None:
            raise ImproperlyConfigured(f"API route {pattern.pattern} must start with ^<segment>")
        groups.setdefault(match.group(1), []).append(pattern)
    return [re_path(rf"^{segment}", include([_under(p, segment) for p in group])) for segment, group in groups.items()]


_SEGMENT = re.compile(r"^\^([a-z0-9-]+)(?=/|\$|\.|\\)")


def _under(pattern, segment: str):
    """`pattern` with its leading `^segment` moved to the enclosing group."""
    regex = pattern.pattern.regex.pattern
    copied = copy.copy(pattern)
    copied.pattern = RegexPattern("^" + regex[len(segment) + 1 :], name=pattern.pattern.name, is_endpoint=True)
    return copied


urlpatterns = by_first_segment(extra_urlpatterns + router.urls)
