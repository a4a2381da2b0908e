"""Reads of notifications, with the one rule of what a receiver may see."""

from django.db import models
from django.db.models import Exists, OuterRef, Q

from notifications.kinds import Kind
from reviews.models import ModerationStatus


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user_id):
        return self.filter(recipient_id=user_id)

    def visible(self):
        """What a receiver may see, decided now, not when the row was written: a row about a review
        that is no longer public, or caused by a user who is suspended now, is not shown. Two kinds
        are exceptions: a moderation notice is about the receiver's own review (shown whatever the
        review's status), and a vote row outlives its latest voter (the actor is shown as null)."""
        actor_ok = Q(actor__isnull=True) | Q(actor__is_active=True) | Q(kind=Kind.REVIEW_VOTED)
        review_ok = (
            Q(review__isnull=True)
            | Q(review__moderation_status=ModerationStatus.APPROVED)
            | Q(kind=Kind.REVIEW_MODERATED)
        )
        return self.filter(actor_ok, review_ok)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def pushed_live(self):
        """Without the kinds the receiver switched `live` off for."""
        from notifications.models import NotificationPreference

        muted = NotificationPreference.objects.filter(
            user_id=OuterRef("recipient_id"), kind=OuterRef("kind"), live=False
        )
        return self.filter(~Exists(muted))
