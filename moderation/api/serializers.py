from rest_framework import serializers

from accounts.models import Role, User
from accounts.serializers import UserBriefSerializer, UserPrivateSerializer
from catalog.serializers import MovieBriefSerializer
from moderation.models import AuditLogEntry, ContentType, Report, ReportReason, ReportStatus, Resolution
from reviews.models import Review

TEXT_LIMIT = 2000


class ReportCreateSerializer(serializers.Serializer):
    content_type = serializers.ChoiceField(choices=ContentType.choices)
    content_id = serializers.UUIDField()
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="")


class ReportSerializer(serializers.ModelSerializer):
    reporter = UserBriefSerializer(read_only=True)
    resolved_by = UserBriefSerializer(read_only=True, allow_null=True)
    resolution = serializers.ChoiceField(
        choices=Resolution.choices, allow_blank=True, read_only=True, help_text='"" while the report is open.'
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "content_type",
            "content_id",
            "reason",
            "details",
            "status",
            "resolution",
            "resolution_note",
            "reporter",
            "resolved_by",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = fields


class ReportQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReportStatus.choices, required=False)
    content_type = serializers.ChoiceField(choices=ContentType.choices, required=False)


class ReportResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    note = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="")


class ModerationDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = serializers.CharField(max_length=TEXT_LIMIT, trim_whitespace=True)
    public_reason = serializers.CharField(
        max_length=500,
        allow_blank=True,
        required=False,
        default="",
        help_text="What the author is told (notification); `reason` stays in the audit log.",
    )


class ModeratedReviewSerializer(serializers.ModelSerializer):
    movie = MovieBriefSerializer(read_only=True)
    user = UserBriefSerializer(read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "movie",
            "user",
            "lemon_pie_rating",
            "review_text",
            "review_language",
            "spoiler_warning",
            "nollywood_tags",
            "helpful_votes",
            "unhelpful_votes",
            "is_flagged",
            "moderation_status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class QueueItemSerializer(serializers.Serializer):
    content_type = serializers.CharField(default="review")
    content_id = serializers.UUIDField(source="id")
    review = ModeratedReviewSerializer(source="*")
    report_count = serializers.IntegerField()
    reports = ReportSerializer(many=True)


class AdminUserSerializer(UserPrivateSerializer):
    class Meta(UserPrivateSerializer.Meta):
        model = User
        fields = [*UserPrivateSerializer.Meta.fields, "is_active", "login_attempts", "locked_until", "updated_at"]
        read_only_fields = fields


class AdminUserQuerySerializer(serializers.Serializer):
    search = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    reason = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True, required=False, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_LIMIT, trim_whitespace=True)


class AuditLogEntrySerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AuditLogEntry
        fields = ["id", "actor", "action", "target_type", "target_id", "reason", "metadata", "created_at"]
        read_only_fields = fields
