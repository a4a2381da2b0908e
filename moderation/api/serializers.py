"""Request bodies and query parameters of the moderation and admin endpoints; the answers are
declared in `moderation/shapes.py`."""

from rest_framework import serializers

from accounts.models import Role
from lemonnpie.api.fields import CleanCharField
from lemonnpie.api.serializers import InputSerializer
from moderation.models import ContentType, ReportReason, ReportStatus, Resolution

TEXT_LIMIT = 2000


class ReportCreateSerializer(InputSerializer):
    content_type = serializers.ChoiceField(choices=ContentType.choices)
    content_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = CleanCharField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="", multiline=True)


class ReportQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReportStatus.choices, required=False)
    content_type = serializers.ChoiceField(choices=ContentType.choices, required=False)


class ReportResolveSerializer(InputSerializer):
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    note = CleanCharField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="", multiline=True)


class ModerationDecisionSerializer(InputSerializer):
    action = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = CleanCharField(max_length=TEXT_LIMIT, multiline=True)
    public_reason = CleanCharField(
        max_length=500,
        allow_blank=True,
        required=False,
        default="",
        help_text="What the author is told (notification); `reason` stays in the audit log.",
    )


class AdminUserQuerySerializer(serializers.Serializer):
    search = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


class RoleChangeSerializer(InputSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    reason = CleanCharField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="", multiline=True)


class ReasonSerializer(InputSerializer):
    reason = CleanCharField(max_length=TEXT_LIMIT, multiline=True)
