"""Celery tasks of the social app: thin wrappers that take ids and call services."""

from celery import shared_task

from social import services


@shared_task(ignore_result=True)
def feed_invalidate_followers_task(*, author_id: str) -> None:
    """The feed invalidation of an author with a large audience (`services.feed_invalidate_after_review`)."""
    services.feed_invalidate_followers(author_id=author_id)
