"""Thin Celery wrappers of the outbox services."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from outbox import services


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def deliver(*, message_id: int) -> str:
    """Run one outbox message (at most once, see `outbox_deliver`); transient failures retry."""
    return services.outbox_deliver(message_id=message_id)


@shared_task
def relay() -> dict:
    """Beat job: publish what never reached the broker, purge old delivered rows."""
    return services.outbox_relay()
