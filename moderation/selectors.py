"""What the moderation endpoints read: ordered, joined querysets."""

from collections import defaultdict

from django.db.models import Q

from accounts.models import User
from moderation.models import AuditLogEntry, ContentType, Report
from reviews.models import ModerationStatus, Review


def moderation_queue_filter() -> Q:
    """Reviews waiting for a decision: hidden after reports (pending), or visible but flagged."""
    return Q(moderation_status=ModerationStatus.PENDING) | Q(
        is_flagged=True, moderation_status=ModerationStatus.APPROVED
    )


def moderation_queue():
    """The moderation queue, oldest first."""
    return Review.objects.filter(moderation_queue_filter()).select_related("user", "movie").order_by("created_at", "id")


def reports_by_review(review_ids) -> dict:
    """All reports about the given reviews, in one query, grouped by review id."""
    grouped = defaultdict(list)
    reports = (
        Report.objects.filter(content_type=ContentType.REVIEW, content_id__in=list(review_ids))
        .select_related("reporter", "resolved_by")
        .order_by("created_at", "id")
    )
    for report in reports:
        grouped[report.content_id].append(report)
    return grouped


def report_list(*, status: str | None = None, content_type: str | None = None):
    reports = Report.objects.select_related("reporter", "resolved_by").order_by("created_at", "id")
    if status:
        reports = reports.filter(status=status)
    if content_type:
        reports = reports.filter(content_type=content_type)
    return reports


def admin_user_list(*, search: str = "", role: str | None = None, is_active: bool | None = None):
    users = User.objects.order_by("-created_at", "id")
    if search:
        users = users.filter(Q(email__icontains=search) | Q(name__icontains=search))
    if role:
        users = users.filter(role=role)
    if is_active is not None:
        users = users.filter(is_active=is_active)
    return users


def audit_log_list():
    return AuditLogEntry.objects.select_related("actor").order_by("-created_at", "id")
