from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lemonnpie.api.permissions import IsAdminRole, IsModeratorOrAdmin
from lemonnpie.api.schema import error_responses
from lemonnpie.api.throttles import ScopedRateThrottle
from moderation import selectors, services, shapes
from moderation.api import serializers as s

UUID_RE = "[0-9a-fA-F-]{36}"


def _errors(*codes: int) -> dict:
    text = {
        400: "Invalid input (envelope with details).",
        401: "Not signed in (envelope).",
        403: "Signed in without the required role (envelope).",
        404: "No such object (envelope).",
        409: "Already done (envelope).",
        429: "Too many reports (envelope, Retry-After).",
    }
    return error_responses(**{f"s{code}": text[code] for code in codes})


class ReportViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """POST /reports: a signed-in user reports a review, a user or a movie."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "reports"
    serializer_class = s.ReportCreateSerializer

    @extend_schema(
        tags=["reports"],
        request=s.ReportCreateSerializer,
        responses={201: shapes.Report.serializer_class, **_errors(400, 401, 409, 429)},
    )
    def create(self, request, *args, **kwargs):
        body = s.ReportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.report_create(reporter=request.user, **body.validated_data)
        return Response(shapes.Report.of(report), status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        tags=["admin"],
        parameters=[s.ReportQuerySerializer],
        responses={200: shapes.Report.serializer(many=True), **_errors(400, 401, 403)},
    ),
)
class AdminReportViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsModeratorOrAdmin]
    serializer_class = shapes.Report.serializer_class
    lookup_value_regex = UUID_RE
    filter_backends = []

    def get_queryset(self):
        query = s.ReportQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.report_list(**query.validated_data)

    @extend_schema(
        tags=["admin"],
        request=s.ReportResolveSerializer,
        responses={200: shapes.Report.serializer_class, **_errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["put"])
    def resolve(self, request, pk=None):
        body = s.ReportResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.report_resolve(report_id=pk, actor=request.user, **body.validated_data)
        return Response(shapes.Report.of(report))


class ModerationQueueView(ListAPIView):
    """Reviews waiting for a moderator, oldest first, each with every report about it."""

    permission_classes = [IsModeratorOrAdmin]
    serializer_class = shapes.QueueItem.serializer_class
    filter_backends = []

    def get_queryset(self):
        return selectors.moderation_queue()

    @extend_schema(tags=["admin"], responses={200: shapes.QueueItem.serializer(many=True), **_errors(401, 403)})
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        reports = selectors.reports_by_review(review.pk for review in page)
        for review in page:
            review.reports = reports.get(review.pk, [])
            review.report_count = len(review.reports)
        return self.get_paginated_response([shapes.QueueItem.of(review) for review in page])


class ModerationDecisionView(APIView):
    permission_classes = [IsModeratorOrAdmin]

    @extend_schema(
        tags=["admin"],
        request=s.ModerationDecisionSerializer,
        responses={200: shapes.ModeratedReview.serializer_class, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, content_id):
        body = s.ModerationDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.moderation_decide(review_id=content_id, actor=request.user, **body.validated_data)
        return Response(shapes.ModeratedReview.of(review))


@extend_schema_view(
    list=extend_schema(
        tags=["admin"],
        parameters=[s.AdminUserQuerySerializer],
        responses={200: shapes.AdminUser.serializer(many=True), **_errors(400, 401, 403)},
    ),
)
class AdminUserViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAdminRole]
    serializer_class = shapes.AdminUser.serializer_class
    lookup_value_regex = UUID_RE
    filter_backends = []

    def get_queryset(self):
        query = s.AdminUserQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.admin_user_list(**query.validated_data)

    def _answer(self, user):
        return Response(shapes.AdminUser.of(user))

    @extend_schema(
        tags=["admin"],
        request=s.RoleChangeSerializer,
        responses={200: shapes.AdminUser.serializer_class, **_errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["put"])
    def role(self, request, pk=None):
        body = s.RoleChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.user_set_role(user_id=pk, actor=request.user, **body.validated_data))

    @extend_schema(
        tags=["admin"],
        request=s.ReasonSerializer,
        responses={200: shapes.AdminUser.serializer_class, **_errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.user_suspend(user_id=pk, actor=request.user, **body.validated_data))

    @extend_schema(
        tags=["admin"],
        request=s.ReasonSerializer,
        responses={200: shapes.AdminUser.serializer_class, **_errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def unsuspend(self, request, pk=None):
        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.user_unsuspend(user_id=pk, actor=request.user, **body.validated_data))


@extend_schema_view(
    list=extend_schema(tags=["admin"], responses={200: shapes.AuditLogEntry.serializer(many=True), **_errors(401, 403)})
)
class AuditLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAdminRole]
    serializer_class = shapes.AuditLogEntry.serializer_class
    filter_backends = []

    def get_queryset(self):
        return selectors.audit_log_list()
