"""Views that exist only in tests, to provoke each error status through the real stack."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_POST
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from lemonnpie.api.permissions import IsAdminRole


class _Body(serializers.Serializer):
    title = serializers.CharField(max_length=5)
    year = serializers.IntegerField(min_value=1900)


class EchoView(APIView):
    permission_classes = []

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        body = _Body(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(body.validated_data, status=201)


class AdminOnlyView(APIView):
    permission_classes = [IsAdminRole]

    def get(self, request):
        return Response({"ok": True})


class _AlwaysThrottle(BaseThrottle):
    def allow_request(self, request, view):
        return False

    def wait(self):
        return 42


class ThrottledView(APIView):
    permission_classes = []
    throttle_classes = [_AlwaysThrottle]

    def get(self, request):
        return Response({"ok": True})


class BoomView(APIView):
    permission_classes = []

    def get(self, request):
        raise RuntimeError("secret internal detail")


def plain_boom(request):
    """A plain Django view (no DRF) that fails: Django's own 500 handling."""
    raise RuntimeError("secret internal detail")


def plain_missing(request):
    raise Http404("secret internal detail")


@require_POST
def plain_post_only(request):
    return HttpResponse("ok")
