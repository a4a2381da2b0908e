"""Every moderation write: reports, decisions on reviews, roles and suspensions — each audited."""

import uuid

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import user_revoke_refresh_tokens
from catalog.models import Movie
from lemonnpie.api.exceptions import ApplicationError, Conflict, NotFound
from lemonnpie.db.locking import locked_atomic
from moderation.models import AuditAction, AuditLogEntry, ContentType, Report, ReportStatus
from moderation.permissions import MODERATOR_PERMISSIONS
from outbox.services import outbox_enqueue
from reviews.models import ModerationStatus, Review
from reviews.services import review_lock, review_moderate

MODERATORS_GROUP = "Moderators"
_DECISIONS = (AuditAction.REVIEW_APPROVED, AuditAction.REVIEW_REJECTED)


def auto_hide_reports() -> int:
    """How many open reports filed since the review's last decision hide it (read at call time:
    settings overrides apply)."""
    return getattr(settings, "MODERATION_AUTO_HIDE_REPORTS", 3)


def audit_record(*, actor: User | None, action: str, target_type: str, target_id, reason: str = "", **metadata):
    """Append one audit row (who, what, which object, why, when)."""
    return AuditLogEntry.objects.create(
        actor=actor, action=action, target_type=target_type, target_id=target_id, reason=reason, metadata=metadata
    )


def _reportable_exists(content_type: str, content_id: uuid.UUID) -> bool:
    if content_type == ContentType.REVIEW:
        return Review.objects.visible().filter(pk=content_id).exists()
    if content_type == ContentType.USER:
        return User.objects.filter(pk=content_id, is_active=True).exists()
    return Movie.objects.filter(pk=content_id).exists()


@locked_atomic()
def report_create(
    *, reporter: User, content_type: str, content_id: uuid.UUID, reason: str, details: str = ""
) -> Report:
    """One report per reporter and content. A reported review is flagged; the third distinct
    reporter hides it (pending) until a moderator decides."""
    if not _reportable_exists(content_type, content_id):
        raise ApplicationError(
            "The reported content does not exist.",
            error="validation_error",
            details=[{"field": "content_id", "message": f"No {content_type} with this id."}],
        )
    if _authored_by(content_type, content_id, reporter):
        raise ApplicationError("You cannot report yourself or your own content.")
    # Concurrent reports of one review serialise on its row, so the third reporter is seen exactly once.
    review = review_lock(review_id=content_id) if content_type == ContentType.REVIEW else None
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter, content_type=content_type, content_id=content_id, reason=reason, details=details
            )
    except IntegrityError:
        raise Conflict("You have already reported this.") from None
    if review is not None:
        _flag_and_maybe_hide(review)
    return report


def _authored_by(content_type: str, content_id: uuid.UUID, user: User) -> bool:
    """Whether `user` is the reported content (a user) or wrote it (a review); movies have no author."""
    if content_type == ContentType.USER:
        return content_id == user.pk
    if content_type == ContentType.REVIEW:
        return Review.objects.filter(pk=content_id, user_id=user.pk).exists()
    return False


def _refuse_own_content(content_type: str, content_id: uuid.UUID, actor: User) -> None:
    if _authored_by(content_type, content_id, actor):
        raise ApplicationError(
            "You cannot decide on your own content; another moderator must.", error="permission_denied", status=403
        )


def _flag_and_maybe_hide(review: Review) -> None:
    if not review.is_flagged:
        Review.objects.filter(pk=review.pk).update(is_flagged=True)
    reporters = _unjudged_reports(review).count()
    if reporters >= auto_hide_reports() and review.moderation_status == ModerationStatus.APPROVED:
        review_moderate(review=review, status=ModerationStatus.PENDING, actor=None)
        audit_record(
            actor=None,
            action=AuditAction.REVIEW_AUTO_HIDDEN,
            target_type="review",
            target_id=review.pk,
            reason=f"Reported by {reporters} different users.",
        )


def _unjudged_reports(review: Review):
    """Open reports of `review` filed after the last moderator decision on it: a report a moderator
    resolved, or one the last approve/reject already weighed, never counts again."""
    last_decision = (
        AuditLogEntry.objects.filter(target_type="review", target_id=review.pk, action__in=_DECISIONS)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    reports = Report.objects.filter(content_type=ContentType.REVIEW, content_id=review.pk, status=ReportStatus.OPEN)
    return reports.filter(created_at__gt=last_decision) if last_decision else reports


@locked_atomic()
def moderation_decide(*, review_id: uuid.UUID, action: str, reason: str, actor: User) -> Review:
    """Approve (visible again, flag cleared) or reject (hidden everywhere) a review in the queue.
    Deciding what is already decided is 409; nobody decides on their own review."""
    review = review_lock(review_id=review_id)
    _refuse_own_content(ContentType.REVIEW, review.pk, actor)
    target = ModerationStatus.APPROVED if action == "approve" else ModerationStatus.REJECTED
    already = review.moderation_status == target and (target == ModerationStatus.REJECTED or not review.is_flagged)
    if already:
        raise Conflict(f"This review is already {target}.")
    review = review_moderate(review=review, status=target, actor=actor)
    Review.objects.filter(pk=review.pk).update(is_flagged=False)
    review.is_flagged = False
    audit_record(
        actor=actor,
        action=AuditAction.REVIEW_APPROVED if target == ModerationStatus.APPROVED else AuditAction.REVIEW_REJECTED,
        target_type="review",
        target_id=review.pk,
        reason=reason,
    )
    return review


@transaction.atomic
def report_resolve(*, report_id: uuid.UUID, resolution: str, note: str, actor: User) -> Report:
    report = Report.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise NotFound("No report with this id.")
    if report.status == ReportStatus.RESOLVED:
        raise Conflict("This report is already resolved.")
    _refuse_own_content(report.content_type, report.content_id, actor)
    report.status = ReportStatus.RESOLVED
    report.resolution = resolution
    report.resolution_note = note
    report.resolved_by = actor
    report.resolved_at = timezone.now()
    report.save(update_fields=["status", "resolution", "resolution_note", "resolved_by", "resolved_at"])
    audit_record(
        actor=actor,
        action=AuditAction.REPORT_RESOLVED,
        target_type="report",
        target_id=report.pk,
        reason=note,
        resolution=resolution,
    )
    return report


def _would_remove_last_admin(user: User) -> bool:
    if user.role != Role.ADMIN or not user.is_active:
        return False
    others = User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk)
    return not others.exists()


def _lock_user(user_id) -> User:
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound("No user with this id.")
    return user


def moderators_group() -> Group:
    """The Moderators group with exactly its permissions (re-created if someone deleted it)."""
    group, created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    if created:
        wanted = Q()
        for app_label, codename in MODERATOR_PERMISSIONS:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(wanted))
    return group


def sync_moderator_group(user: User) -> None:
    """Moderators (and only they) belong to the Moderators group of the Django admin."""
    group = moderators_group()
    if user.role == Role.MODERATOR:
        user.groups.add(group)
    else:
        user.groups.remove(group)


@transaction.atomic
def user_set_role(*, user_id, role: str, actor: User | None, reason: str = "") -> User:
    user = _lock_user(user_id)
    if role not in Role.values:
        raise ApplicationError(
            "Unknown role.",
            error="validation_error",
            details=[{"field": "role", "message": f"'{role}' is not a role."}],
        )
    if role != Role.ADMIN and _would_remove_last_admin(user):
        raise ApplicationError("The last active admin cannot be demoted.", error="bad_request")
    previous = user.role
    user.role = role
    user.save(update_fields=["role", "updated_at"])
    sync_moderator_group(user)
    if Role.CRITIC in (previous, role) and previous != role:
        # The critic score counts reviews by critics: move this author's reviews in or out of it.
        # Through the outbox: committed with the role change, run even if the broker is down now.
        outbox_enqueue(task="reviews.tasks.review_author_role_sync", kwargs={"user_id": str(user.pk)})
    if previous != role:
        audit_record(
            actor=actor,
            action=AuditAction.ROLE_CHANGED,
            target_type="user",
            target_id=user.pk,
            reason=reason,
            previous=previous,
            role=role,
        )
    return user


@transaction.atomic
def user_suspend(*, user_id, reason: str, actor: User | None) -> User:
    """Deactivate: every refresh token dies now, and any access token fails on its next request."""
    user = _lock_user(user_id)
    if _would_remove_last_admin(user):
        raise ApplicationError("The last active admin cannot be suspended.", error="bad_request")
    if actor is not None and actor.pk == user.pk:
        raise ApplicationError("You cannot suspend yourself.", error="bad_request")
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active", "updated_at"])
    user_revoke_refresh_tokens(user=user)
    audit_record(actor=actor, action=AuditAction.USER_SUSPENDED, target_type="user", target_id=user.pk, reason=reason)
    return user


@transaction.atomic
def user_unsuspend(*, user_id, reason: str, actor: User | None) -> User:
    user = _lock_user(user_id)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action=AuditAction.USER_UNSUSPENDED, target_type="user", target_id=user.pk, reason=reason)
    return user
