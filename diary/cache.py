"""Year-in-review cache: `diary:year:{user_id}` holds a generation token; each year's answer lives
under `diary:year:{user_id}:{token}:{yyyy}`. Any change to the user's diary deletes the token,
orphaning every cached year of that user in one `DEL`; an answer computed from older rows is
written under the dead token and never read again.
Film metadata (runtime, genres, cast) edited later shows within `YEAR_IN_REVIEW_CACHE_SECONDS`."""

import uuid

from django.conf import settings
from django.core.cache import cache


def _token_key(user_id) -> str:
    return f"diary:year:{user_id}"


def year_key(user_id, year: int) -> str | None:
    """The key of one cached year, or None when the cache is unreachable."""
    key = _token_key(user_id)
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, settings.YEAR_IN_REVIEW_CACHE_SECONDS)
        token = cache.get(key)
    return f"{key}:{token}:{year}" if token else None


def year_invalidate(user_id) -> None:
    cache.delete(_token_key(user_id))
