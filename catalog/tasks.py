"""Thin Celery wrappers of catalogue services."""

from celery import shared_task
from django.db import OperationalError

from catalog import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def trending_refresh() -> int:
    """Beat job: recompute the trending ranking and cache it again (before its 15 minutes run out)."""
    return len(services.trending_refresh())
