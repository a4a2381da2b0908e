"""The social app's side of the reviews boundary: a followed user's review changed, so the feeds
of that user's followers are stale."""

from social.services import feed_invalidate_followers


def review_changed_receiver(sender, *, user_id=None, **kwargs):
    if user_id is not None:
        feed_invalidate_followers(author_id=user_id)
