"""Routes of this app on the one API router (see lemonnpie/api_router.py)."""

from notifications.api.views import NotificationViewSet


def register(router):
    router.register("notifications", NotificationViewSet, basename="notification")
