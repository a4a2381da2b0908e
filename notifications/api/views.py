"""`/api/v1/notifications`: thin views over notifications.selectors / services."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from lemonnpie.api.pagination import PageNumberPagination
from lemonnpie.api.schema import error_responses
from notifications import selectors, services
from notifications.api import serializers as s
from notifications.models import Notification
from notifications.representation import NotificationSerializer

UUID_REGEX = "[0-9a-fA-F-]{36}"
_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The notification's id.")


class NotificationViewSet(viewsets.GenericViewSet):
    """The signed-in user's notifications (live over `/ws/v1/notifications`, see the README)."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = PageNumberPagination
    filter_backends = []
    lookup_value_regex = UUID_REGEX
    queryset = Notification.objects.none()  # schema only: every read goes through a selector

    @extend_schema(
        summary="My notifications, newest first",
        parameters=[s.NotificationListQuerySerializer],
        responses={200: NotificationSerializer(many=True), **error_responses(400)},
    )
    def list(self, request):
        query = s.NotificationListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.notification_list(user_id=request.user.pk, unread=query.validated_data["unread"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    @extend_schema(summary="How many of my notifications are unread", responses={200: s.UnreadCountSerializer})
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request):
        return Response({"count": selectors.notification_unread_count(user_id=request.user.pk)})

    @extend_schema(
        summary="Mark one notification read (idempotent)",
        parameters=[_ID],
        request=None,
        responses={200: NotificationSerializer, **error_responses(404)},
    )
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None):
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(summary="Mark all my notifications read", request=None, responses={200: s.ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all", pagination_class=None)
    def read_all(self, request):
        return Response({"marked_read": services.notifications_mark_all_read(user=request.user)})

    @extend_schema(
        methods=["GET"], summary="My notification preferences, per kind", responses={200: s.PreferencesSerializer}
    )
    @extend_schema(
        methods=["PUT"],
        summary="Change my notification preferences (only the kinds and fields sent)",
        request=s.PreferencesUpdateSerializer,
        responses={200: s.PreferencesSerializer, **error_responses(400)},
    )
    @action(detail=False, methods=["get", "put"], url_path="preferences", pagination_class=None)
    def preferences(self, request):
        if request.method == "PUT":
            body = s.PreferencesUpdateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            services.preferences_update(user=request.user, changes=body.validated_data["preferences"])
        return Response({"preferences": selectors.preferences_get(user_id=request.user.pk)})
