"""Cache keys for catalogue reads and their invalidation.

Movie detail lives under `movie:{id}`. Lists, featured and search results are stored under keys
that embed a catalogue-wide version number; bumping the version orphans them all at once (they
expire by TTL), so any change to any movie is visible on the next read.
"""

from django.core.cache import cache

DETAIL_TTL = 60 * 60
FEATURED_TTL = 30 * 60
SEARCH_TTL = 30 * 60
_VERSION_KEY = "catalog:version"


def movie_detail_key(movie_id) -> str:
    return f"movie:{movie_id}"


def catalog_version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, 1, None)
        version = cache.get(_VERSION_KEY) or 1
    return int(version)


def versioned_key(name: str) -> str:
    """A key for a list/search/featured result that dies with the next catalogue change."""
    return f"catalog:v{catalog_version()}:{name}"


def movie_invalidate(movie_id) -> None:
    """Forget the cached detail of one movie and every cached list that might include it."""
    cache.delete(movie_detail_key(movie_id))
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, None)
