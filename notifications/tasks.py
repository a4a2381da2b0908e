"""Thin Celery wrappers (run through the outbox: see `notifications.fanout`)."""

from celery import shared_task

from notifications import digest, fanout


@shared_task
def review_fan_out(*, review_id: str) -> dict:
    return fanout.review_fan_out(review_id=review_id)


@shared_task
def review_fan_out_batch(*, review_id: str, kind: str, after: str | None, upto: str) -> int:
    return fanout.review_fan_out_batch(review_id=review_id, kind=kind, after=after, upto=upto)


@shared_task
def email_digests() -> dict:
    """Beat job: mail each opted-in user the unread notifications of their digest kinds."""
    return digest.email_digests_send()
