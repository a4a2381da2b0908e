from django.urls import re_path
from rest_framework.routers import DefaultRouter


class OptionalSlashRouter(DefaultRouter):
    """Every route matches with and without its trailing slash, so nothing is ever redirected."""

    include_root_view = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trailing_slash = "/?"


def optional_slash_path(route: str, view, name: str | None = None):
    """`path()` for a plain (non-router) API view that matches with and without a trailing slash.

    `route` is a regex body without anchors or slash, e.g. r"auth/verify-email/(?P<token>[^/]+)".
    """
    return re_path(rf"^{route}/?$", view, name=name)
