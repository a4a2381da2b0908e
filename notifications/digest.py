"""The e-mail digest: unread notifications of the kinds a user opted in to (`email_digest`, off by
default), since the previous digest, at most one mail per user per run of the beat job."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import DigestState, Notification, NotificationPreference
from notifications.representation import notification_message
from outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

DIGEST_LIMIT = 50  # notifications listed in one mail (the rest are counted)


def _digest_user_ids():
    return (
        NotificationPreference.objects.filter(email_digest=True, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def email_digest_send(*, user_id, now=None) -> int:
    """Mail one user their digest if anything is new; returns how many notifications it covered."""
    now = now or timezone.now()
    kinds = list(
        NotificationPreference.objects.filter(user_id=user_id, email_digest=True).values_list("kind", flat=True)
    )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not kinds:
        return 0
    with transaction.atomic():
        state = DigestState.objects.select_for_update().filter(user_id=user_id).first()
        since = state.sent_until if state else None
        rows = (
            Notification.objects.for_user(user_id)
            .visible()
            .unread()
            .filter(kind__in=kinds, updated_at__lte=now)
            .select_related("actor", "review__movie")
            .order_by("-seq")
        )
        if since is not None:
            rows = rows.filter(updated_at__gt=since)
        total = rows.count()
        DigestState.objects.update_or_create(user_id=user_id, defaults={"sent_until": now})
        if not total:
            return 0
        lines = [notification_message(row) for row in rows[:DIGEST_LIMIT]]
        # Through the outbox: the mail job commits with the new `sent_until`, so none is lost or doubled.
        outbox_enqueue(
            task="accounts.tasks.send_templated_email",
            kwargs={
                "to": user.email,
                "subject": f"LemonNPie: {total} new notification{'s' if total != 1 else ''}",
                "template": "notification_digest",
                "context": {
                    "name": user.name,
                    "lines": lines,
                    "more": max(total - len(lines), 0),
                    "frontend_url": settings.FRONTEND_URL,
                },
            },
        )
    return total


def email_digests_send(*, now=None) -> dict:
    """Run the digest for every user who opted in to it for any kind; a summary for the log."""
    now = now or timezone.now()
    users = mailed = covered = 0
    for user_id in _digest_user_ids().iterator(chunk_size=500):
        users += 1
        count = email_digest_send(user_id=user_id, now=now)
        mailed += bool(count)
        covered += count
    summary = {"users": users, "mailed": mailed, "notifications": covered}
    logger.info("notifications: e-mail digest %s", summary)
    return summary
