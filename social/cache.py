"""Feed cache keys (seed: `feed:{user_id}`, 5 minutes).

`feed:{user_id}` holds a random generation token; each cached page lives under
`feed:{user_id}:{token}:p{page}:s{page_size}`. Invalidating a feed deletes the token, so every
page of that feed is orphaned in one `DEL`, and a reader that computed a page from data older
than the invalidation writes it under the dead token, where nobody will read it again.
"""

import uuid
from collections.abc import Iterable

from django.core.cache import cache

FEED_TTL = 5 * 60
_DELETE_CHUNK = 1000


def feed_key(user_id) -> str:
    return f"feed:{user_id}"


def feed_generation(user_id) -> str | None:
    """The current generation token of a user's feed (made on first use); None when the cache is down."""
    key = feed_key(user_id)
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, FEED_TTL)
        token = cache.get(key)
    return token


def feed_page_key(user_id, token: str, *, page: int, page_size: int) -> str:
    return f"{feed_key(user_id)}:{token}:p{page}:s{page_size}"


def feed_cache_invalidate(*, user_ids: Iterable) -> None:
    """Forget every cached page of these users' feeds."""
    chunk: list[str] = []
    for user_id in user_ids:
        chunk.append(feed_key(user_id))
        if len(chunk) >= _DELETE_CHUNK:
            cache.delete_many(chunk)
            chunk = []
    if chunk:
        cache.delete_many(chunk)
