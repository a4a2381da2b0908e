"""What the endpoints and the sockets read."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from notifications.kinds import Kind
from notifications.models import PREFERENCE_DEFAULTS, Notification, NotificationPreference


def _shown(user_id):
    return Notification.objects.for_user(user_id).visible().select_related("actor", "review__movie")


def notification_list(*, user_id, unread: bool | None = None):
    """The user's visible notifications, newest change first."""
    queryset = _shown(user_id)
    if unread is True:
        queryset = queryset.unread()
    elif unread is False:
        queryset = queryset.filter(read_at__isnull=False)
    return queryset.order_by("-seq")


def notification_get(*, user_id, notification_id) -> Notification | None:
    return _shown(user_id).filter(pk=notification_id).first()


def notification_unread_count(*, user_id) -> int:
    return Notification.objects.for_user(user_id).visible().unread().count()


def notifications_by_ids(*, user_id, ids) -> list[Notification]:
    """The rows a live push named, as the receiver may see them now, oldest change first; kinds the
    receiver muted for live delivery are left out."""
    return list(_shown(user_id).pushed_live().filter(pk__in=list(ids)).order_by("seq"))


def notifications_since(*, user_id, last_id, limit: int | None = None) -> tuple[list[Notification], bool, bool]:
    """What a socket that last saw `last_id` missed: rows changed after it (by the change counter),
    plus rows with a smaller counter changed up to `NOTIFICATIONS_REPLAY_SLACK_SECONDS` before it (a
    transaction that took its number earlier but committed later). Oldest first; a client keeps
    notifications by id, so one it already has is simply replaced.

    Returns (rows, known, truncated): `known` is False when `last_id` is not one of the user's
    notifications; `truncated` when more than `limit` rows were missed (the client should re-read
    the list over REST)."""
    limit = limit or settings.NOTIFICATIONS_REPLAY_MAX
    last = Notification.objects.for_user(user_id).filter(pk=last_id).values("seq", "updated_at").first()
    if last is None:
        return [], False, False
    slack = timedelta(seconds=settings.NOTIFICATIONS_REPLAY_SLACK_SECONDS)
    late = Q(seq__lt=last["seq"], updated_at__gte=last["updated_at"] - slack)
    missed = _shown(user_id).pushed_live().exclude(pk=last_id).filter(Q(seq__gt=last["seq"]) | late)
    newest = list(missed.order_by("-seq")[: limit + 1])
    truncated = len(newest) > limit
    return newest[:limit][::-1], True, truncated


def preferences_get(*, user_id) -> list[dict]:
    """Every kind with the user's choice, defaults filled in (one query)."""
    stored = {
        row["kind"]: row
        for row in NotificationPreference.objects.filter(user_id=user_id).values(
            "kind", "in_app", "live", "email_digest"
        )
    }
    return [{**PREFERENCE_DEFAULTS, **stored.get(kind, {}), "kind": kind} for kind in Kind.values]
