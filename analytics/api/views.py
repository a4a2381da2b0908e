from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import selectors
from analytics.api.serializers import AnalyticsQuerySerializer, AnalyticsSerializer, DashboardSerializer
from lemonnpie.api.fastpath import StoredRead
from lemonnpie.api.http_cache import stored_answer, stored_response
from lemonnpie.api.permissions import IsAdminRole, IsModeratorOrAdmin
from lemonnpie.api.schema import error_responses

_DENIED = error_responses(s401="Not signed in (envelope).", s403="Signed in without the required role (envelope).")


class DashboardView(APIView):
    permission_classes = [IsModeratorOrAdmin]

    @extend_schema(tags=["admin"], responses={200: DashboardSerializer, **_DENIED})
    def get(self, request):
        return Response(DashboardSerializer(selectors.dashboard_counts()).data)


class AnalyticsView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        tags=["admin"],
        parameters=[AnalyticsQuerySerializer],
        responses={200: AnalyticsSerializer, **error_responses(s400="Bad `days` or `min_reviews`."), **_DENIED},
    )
    def get(self, request):
        query = AnalyticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = selectors.analytics_report(**query.validated_data)
        return Response(AnalyticsSerializer(report).data)


PING_ANSWER = stored_answer(b'{"status":"ok"}')


def ping_read(request, *args, **kwargs) -> StoredRead:
    """The anonymous answer, made before DRF (`lemonnpie.api.fastpath`)."""
    return StoredRead(answer=PING_ANSWER)


class PingView(APIView):
    """A fixed, tiny JSON answer and nothing else: the baseline **H** the load benchmark (`bench/`)
    divides by. Anonymous: the request id, access log and metrics layer, the request throttle and
    the stored answer with its headers (`stored_read`, as every stored answer is served); with an
    `Authorization` header, the whole API chain and DRF's authentication, throttle and renderer."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=["platform"],
        responses={
            200: inline_serializer("Ping", {"status": serializers.ChoiceField(choices=["ok"])}),
            429: OpenApiResponse(description="Rate limited (envelope)."),
        },
        description='Always `{"status": "ok"}`; touches neither the database nor the cache beyond the '
        "request throttle. Used as the baseline of the load benchmark.",
    )
    def get(self, request):
        return stored_response(request, PING_ANSWER)
