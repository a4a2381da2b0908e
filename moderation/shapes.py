"""Moderation and administration response shapes (API.md §9), each declared once (see
lemonnpie.api.shapes). These answers are small and cold: they are built from model instances."""

from rest_framework import serializers

from accounts.shapes import UserBrief, UserPrivate
from catalog.shapes import MovieBrief
from lemonnpie.api.shapes import Const, Nested, Shape, Value, as_str
from moderation.models import AuditLogEntry as AuditLogEntryModel
from moderation.models import Report as ReportModel
from moderation.models import Resolution
from reviews.models import Review

Report = Shape(
    "Report",
    [
        "id",
        "content_type",
        "content_id",
        "reason",
        "details",
        "status",
        Value(
            "resolution",
            serializers.ChoiceField(
                choices=Resolution.choices, allow_blank=True, read_only=True, help_text='"" while the report is open.'
            ),
        ),
        "resolution_note",
        Nested("reporter", UserBrief),
        Nested("resolved_by", UserBrief, nullable=True),
        "resolved_at",
        "created_at",
    ],
    model=ReportModel,
)

ModeratedReview = Shape(
    "ModeratedReview",
    [
        "id",
        Nested("movie", MovieBrief),
        Nested("user", UserBrief),
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
    ],
    model=Review,
)

QueueItem = Shape(
    "QueueItem",
    [
        Const("content_type", "review", serializers.CharField(read_only=True)),
        Value("content_id", serializers.UUIDField(read_only=True), column="id", convert=as_str),
        Nested("review", ModeratedReview, source="*"),
        Value("report_count", serializers.IntegerField(read_only=True)),
        Nested("reports", Report, many=True),
    ],
    doc="A review waiting for a decision (the queue serializes Review rows with `reports` attached).",
)

AdminUser = UserPrivate.extend("AdminUser", ["is_active", "login_attempts", "locked_until", "updated_at"])

AuditLogEntry = Shape(
    "AuditLogEntry",
    [
        "id",
        Nested("actor", UserBrief, nullable=True),
        "action",
        "target_type",
        "target_id",
        "reason",
        "metadata",
        "created_at",
    ],
    model=AuditLogEntryModel,
)
