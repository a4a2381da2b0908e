from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import selectors
from analytics.api.serializers import AnalyticsQuerySerializer, AnalyticsSerializer, DashboardSerializer
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
