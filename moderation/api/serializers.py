"""Request bodies and query parameters of the moderation and admin endpoints; the answers are
declared in `moderation/shapes.py`."""

from rest_framework import serializers

from accounts.models import Role
from moderation.models import ContentType, ReportReason, ReportStatus, Resolution

TEXT_LIMIT = 2000


class ReportCreateSerializer(serializers.Serializer):
    content_type = serializers.ChoiceField(choices=ContentType.choices)
    content_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="")


class ReportQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReportStatus.choices, required=False)
    content_type = serializers.ChoiceField(choices=ContentType.choices, required=False)


class ReportResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    note = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="")


class ModerationDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = serializers.CharField(max_length=TEXT_LIMIT, trim_whitespace=True)


class AdminUserQuerySerializer(serializers.Serializer):
    search = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    reason = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_LIMIT, trim_whitespace=True)
