"""A transactional outbox: a background job is a row written in the same transaction as the change
that calls for it, so the job exists exactly when the change does, whatever the broker is doing."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """One job: the Celery task `task` run with `kwargs` (JSON) by `outbox.tasks.deliver`.

    Published after commit; while `delivered_at` is empty the relay publishes it again, and the
    delivery claims the row under a lock, so however often it is published it runs once."""

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, help_text="Last time the broker took it.")
    publish_attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        db_table = "outbox_messages"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=Q(delivered_at__isnull=True), name="outbox_pending_idx"),
            models.Index(fields=["delivered_at"], condition=Q(delivered_at__isnull=False), name="outbox_delivered_idx"),
        ]

    def __str__(self) -> str:
        state = "delivered" if self.delivered_at else "pending"
        return f"#{self.pk} {self.task} ({state})"
