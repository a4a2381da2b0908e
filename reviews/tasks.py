"""Celery tasks of the reviews app: thin wrappers that take ids and call services."""

import logging

from celery import shared_task
from django.db import OperationalError

from accounts.models import User
from lemonnpie.db.locking import LockTimeout
from lemonnpie.db.reconcile import run_recomputers
from reviews import services

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OperationalError, LockTimeout), retry_backoff=True, max_retries=3)
def recompute_stats() -> list[dict]:
    """Periodic repair: recount every stored aggregate, log drift, fix it (see lemonnpie.db.reconcile)."""
    reports = run_recomputers(fix=True)
    for report in reports:
        if report.drifted or report.columns:
            logger.warning(
                "recompute_stats: %s drifted in %s of %s rows (%s); fixed %s. e.g. %s",
                report.label,
                report.drifted,
                report.checked,
                dict(report.columns),
                report.fixed,
                "; ".join(report.examples),
            )
        else:
            logger.info("recompute_stats: %s: %s rows, no drift", report.label, report.checked)
    return [report.as_dict() for report in reports]


@shared_task(autoretry_for=(OperationalError, LockTimeout), retry_backoff=True, max_retries=5)
def review_author_role_sync(user_id) -> int:
    """After a user's role changed (to or from critic): move their reviews' critic contributions."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return 0
    return services.review_author_role_sync(user=user)
