"""The social app's side of the reviews boundary: a followed user's review changed, so the feeds
of that user's followers are stale."""

import logging

from social.services import feed_invalidate_after_review

logger = logging.getLogger(__name__)


def review_changed_receiver(sender, *, user_id=None, **kwargs):
    """Runs after the review's transaction committed: a failure here must not fail that request
    (a missed invalidation is bounded by the 5-minute feed TTL), so it is logged, not raised."""
    if user_id is None:
        return
    try:
        feed_invalidate_after_review(author_id=user_id)
    except Exception:
        logger.exception("feed invalidation failed for the followers of %s", user_id)
