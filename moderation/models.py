import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ContentType(models.TextChoices):
    REVIEW = "review", "Review"
    USER = "user", "User"
    MOVIE = "movie", "Movie"
    LIST = "list", "List"


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam"
    ABUSE = "abuse", "Abuse"
    SPOILER = "spoiler", "Spoiler"
    MISINFORMATION = "misinformation", "Misinformation"
    OTHER = "other", "Other"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Resolution(models.TextChoices):
    ACTIONED = "actioned", "Actioned"
    DISMISSED = "dismissed", "Dismissed"


class Report(models.Model):
    """A user's report about a review, user or movie; open until a moderator resolves it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made")
    content_type = models.CharField(max_length=10, choices=ContentType.choices)
    content_id = models.UUIDField()
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    details = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True, default="")
    resolution_note = models.TextField(blank=True, default="")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports_resolved"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "reports"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "content_type", "content_id"], name="reports_once_per_reporter"
            ),
            models.CheckConstraint(condition=Q(content_type__in=ContentType.values), name="reports_content_type_valid"),
            models.CheckConstraint(condition=Q(reason__in=ReportReason.values), name="reports_reason_valid"),
            models.CheckConstraint(
                condition=Q(status=ReportStatus.OPEN, resolved_at__isnull=True)
                | Q(status=ReportStatus.RESOLVED, resolved_at__isnull=False),
                name="reports_resolution_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "content_id"], name="reports_content_idx"),
            models.Index(fields=["status", "created_at"], name="reports_status_idx"),
        ]

    def __str__(self):
        return f"{self.reason} report on {self.content_type} {self.content_id}"


class AuditAction(models.TextChoices):
    REVIEW_APPROVED = "review_approved", "Review approved"
    REVIEW_REJECTED = "review_rejected", "Review rejected"
    REVIEW_AUTO_HIDDEN = "review_auto_hidden", "Review hidden after reports"
    REVIEW_DELETED = "review_deleted", "Review deleted by staff"
    REPORT_RESOLVED = "report_resolved", "Report resolved"
    ROLE_CHANGED = "role_changed", "Role changed"
    USER_SUSPENDED = "user_suspended", "User suspended"
    USER_UNSUSPENDED = "user_unsuspended", "User unsuspended"


class AuditLogEntry(models.Model):
    """Who did what to which object, when and why. Append-only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    target_type = models.CharField(max_length=20)
    target_id = models.UUIDField()
    reason = models.TextField(blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "audit_log"
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_log_target_idx")]
        verbose_name_plural = "audit log entries"

    def __str__(self):
        return f"{self.action} {self.target_type} {self.target_id}"
