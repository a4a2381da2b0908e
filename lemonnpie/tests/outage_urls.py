"""Views that raise what an outage raises, for test_outages.py."""

from django.db import OperationalError
from django.urls import include, path
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.response import Response
from rest_framework.views import APIView


def plain_view_database_down(request):
    """A plain Django view (no DRF handler around it)."""
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


class CacheDownView(APIView):
    permission_classes = []
    throttle_classes = []

    def get(self, request):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


class OkView(APIView):
    permission_classes = []

    def get(self, request):
        return Response({"ok": True})


class DatabaseDownMiddleware:
    """Stands in for any middleware that reads the database (a session, the user) when it is down."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.headers.get("X-Break") == "database":
            raise OperationalError("server closed the connection unexpectedly")
        return self.get_response(request)


urlpatterns = [
    path("api/v1/test/plain-db-down", plain_view_database_down),
    path("api/v1/test/cache-down", CacheDownView.as_view()),
    path("api/v1/test/ok", OkView.as_view()),
    path("plain/ok", OkView.as_view()),
    path("", include("lemonnpie.urls")),
]

handler404 = "lemonnpie.api.exceptions.handler404"
handler500 = "lemonnpie.api.exceptions.handler500"
