"""Every write of notifications. The `notify_*` functions are the hooks other apps' services call
inside their own transaction: the notification row commits (or rolls back) with its cause, and the
live push runs after the commit (`notifications.live`). Follower-wide kinds go through the outbox
and Celery instead (`notifications.fanout`), so a write never waits for thousands of inserts.

A kind the receiver switched `in_app` off for is not written at all; the check is part of the one
INSERT statement, so a hook costs one round trip."""

import uuid

from django.db import connection, transaction
from django.utils import timezone

from lemonnpie.api.exceptions import ApplicationError, NotFound
from notifications import live
from notifications.kinds import Kind
from notifications.models import PREFERENCE_DEFAULTS, Notification, NotificationPreference
from notifications.selectors import notification_get

_INSERT = """
INSERT INTO notifications (id, recipient_id, kind, actor_id, review_id, count, data, created_at, updated_at)
SELECT %(id)s, %(recipient)s, %(kind)s, %(actor)s, %(review)s, 1, %(data)s, now(), now()
WHERE NOT EXISTS (
    SELECT 1 FROM notification_preferences p WHERE p.user_id = %(recipient)s AND p.kind = %(kind)s AND NOT p.in_app
)
"""
# The arbiter of each ON CONFLICT is a partial unique index of `Notification.Meta.constraints`.
_ON_CONFLICT = {
    # Another helpful vote folds into the unread row: one more, this voter shown, and it moves to
    # the top with a new change number (so it is pushed and replayed again).
    Kind.REVIEW_VOTED: """
ON CONFLICT (recipient_id, review_id) WHERE kind = 'review_voted' AND read_at IS NULL
DO UPDATE SET count = notifications.count + 1, actor_id = EXCLUDED.actor_id,
              updated_at = EXCLUDED.updated_at, seq = nextval('notifications_seq')
""",
    # Follow, unfollow, follow again while unread: still the one notification.
    Kind.NEW_FOLLOWER: """
ON CONFLICT (recipient_id, actor_id) WHERE kind = 'new_follower' AND read_at IS NULL DO NOTHING
""",
}


def _notify(*, kind: str, recipient_id, actor_id=None, review_id=None, data: dict | None = None):
    """Write (or fold) one notification in the current transaction; push it after commit."""
    from psycopg.types.json import Jsonb

    sql = _INSERT + _ON_CONFLICT.get(kind, "") + " RETURNING id"
    params = {
        "id": uuid.uuid4(),
        "recipient": recipient_id,
        "kind": str(kind),
        "actor": actor_id,
        "review": review_id,
        "data": Jsonb(data or {}),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # muted, or folded into nothing
        return None
    live.push_new_on_commit([(recipient_id, row[0])])
    return row[0]


def notify_new_follower(*, follower_id, followed_id):
    """`followed_id` has a new follower (call it when the follow row was really inserted)."""
    return _notify(kind=Kind.NEW_FOLLOWER, recipient_id=followed_id, actor_id=follower_id)


def notify_review_voted(*, review_id, author_id, voter_id):
    """A helpful vote on `author_id`'s review: folded into one unread row per review."""
    return _notify(kind=Kind.REVIEW_VOTED, recipient_id=author_id, actor_id=voter_id, review_id=review_id)


def notify_review_moderated(*, review_id, author_id, status: str, public_reason: str = ""):
    """The author's review changed moderation status (hidden, rejected, approved again), with the
    reason the author may read (never the moderator's internal note, never who decided)."""
    return _notify(
        kind=Kind.REVIEW_MODERATED,
        recipient_id=author_id,
        review_id=review_id,
        data={"status": str(status), "reason": public_reason},
    )


def notify_report_decided(*, report_id, reporter_id, content_type: str, resolution: str):
    """The reporter's report was resolved (actioned or dismissed); the moderator's note stays internal."""
    return _notify(
        kind=Kind.REPORT_DECIDED,
        recipient_id=reporter_id,
        data={"report_id": str(report_id), "content_type": str(content_type), "resolution": str(resolution)},
    )


# --- the receiver's own writes -----------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, user, notification_id) -> Notification:
    """Mark one of the user's visible notifications read (idempotent); 404 for anything else."""
    notification = notification_get(user_id=user.pk, notification_id=notification_id)
    if notification is None:
        raise NotFound("Notification not found.")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
        live.push_count_on_commit(user_id=user.pk)
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    changed = Notification.objects.for_user(user.pk).visible().unread().update(read_at=timezone.now())
    if changed:
        live.push_count_on_commit(user_id=user.pk)
    return changed


@transaction.atomic
def preferences_update(*, user, changes: list[dict]) -> None:
    """Apply `[{kind, in_app?, live?, email_digest?}, ...]`; a field left out keeps its value."""
    kinds = [change["kind"] for change in changes]
    if len(set(kinds)) != len(kinds):
        raise ApplicationError(
            "Each kind may appear once.",
            error="validation_error",
            details=[{"field": "preferences", "message": "A kind appears more than once."}],
        )
    stored = {row.kind: row for row in NotificationPreference.objects.select_for_update().filter(user_id=user.pk)}
    for change in changes:
        row = stored.get(change["kind"]) or NotificationPreference(
            user_id=user.pk, kind=change["kind"], **PREFERENCE_DEFAULTS
        )
        for field in PREFERENCE_DEFAULTS:
            if field in change:
                setattr(row, field, change[field])
        if row.pk is None:
            with transaction.atomic():  # savepoint: a concurrent first save of the same kind
                NotificationPreference.objects.bulk_create([row], ignore_conflicts=True)
            NotificationPreference.objects.filter(user_id=user.pk, kind=row.kind).update(
                **{field: getattr(row, field) for field in PREFERENCE_DEFAULTS}
            )
        else:
            row.save(update_fields=list(PREFERENCE_DEFAULTS))
