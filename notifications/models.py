"""Notifications: one row per thing a user is told about, written in the transaction of its cause.

What a row may show is decided when it is read (`querysets.NotificationQuerySet.visible`): a row
whose review was hidden since, or whose actor was suspended since, is not shown at all."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Func, Q, Value
from django.utils import timezone

from notifications.kinds import REVIEW_PUBLISHED_KINDS, Kind
from notifications.querysets import NotificationQuerySet

SEQUENCE = "notifications_seq"


class NextVal(Func):
    """`nextval('<sequence>')`: the change counter every insert and every aggregation takes."""

    function = "nextval"
    output_field = models.BigIntegerField()

    def __init__(self, sequence: str = SEQUENCE):
        super().__init__(Value(sequence))


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    # The user who caused it (the follower, the latest voter, the reviewer); never the moderator.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+")
    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, null=True, related_name="+")
    count = models.PositiveIntegerField(default=1, help_text="Events folded into this row (helpful votes).")
    # Facts fixed when it was written: a moderation's status and public reason, a report's resolution.
    data = models.JSONField(default=dict, blank=True)
    # Taken from one sequence on insert and again on every aggregation: the replay cursor and the order.
    seq = models.BigIntegerField(db_default=NextVal(), editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "notifications"
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["recipient", "-seq"], name="notifications_recipient_idx"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notifications_unread_idx"),
        ]
        constraints = [
            # Helpful votes fold into the one unread row per review ("12 people found ...").
            models.UniqueConstraint(
                fields=["recipient", "review"],
                condition=Q(kind=Kind.REVIEW_VOTED, read_at__isnull=True),
                name="notifications_one_unread_vote_row",
            ),
            # A follow, unfollow, follow again while unread is one notification, not three.
            models.UniqueConstraint(
                fields=["recipient", "actor"],
                condition=Q(kind=Kind.NEW_FOLLOWER, read_at__isnull=True),
                name="notifications_one_unread_follow_row",
            ),
            # A new review reaches each recipient once (as a follower or as a watch-lister).
            models.UniqueConstraint(
                fields=["recipient", "review"],
                condition=Q(kind__in=REVIEW_PUBLISHED_KINDS),
                name="notifications_one_per_new_review",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}"


class NotificationPreference(models.Model):
    """A user's choice for one kind; a kind without a row has the defaults below."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    in_app = models.BooleanField(default=True, help_text="Keep it in the notification list (off: not written).")
    live = models.BooleanField(default=True, help_text="Push it over the WebSocket.")
    email_digest = models.BooleanField(default=False, help_text="Include it in the daily e-mail digest.")

    class Meta:
        db_table = "notification_preferences"
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preferences_unique")]
        indexes = [models.Index(fields=["user"], condition=Q(email_digest=True), name="notification_prefs_digest_idx")]

    def __str__(self):
        return f"{self.user_id} {self.kind}"


PREFERENCE_DEFAULTS = {"in_app": True, "live": True, "email_digest": False}


class DigestState(models.Model):
    """Until when a user's e-mail digest has covered their notifications."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    sent_until = models.DateTimeField()

    class Meta:
        db_table = "notification_digests"

    def __str__(self):
        return f"{self.user_id} until {self.sent_until:%Y-%m-%d %H:%M}"
