"""Cache keys for catalogue reads and their invalidation.

Movie detail lives under `movie:{id}` (the rendered JSON). Lists' counts, featured, search results
and suggestions are stored under keys
that embed a catalogue-wide version number; bumping the version orphans them all at once (they
expire by TTL), so any change to any movie is visible on the next read.

The cache is an accelerator only: with Redis down every read is a miss (the `default` alias
ignores connection errors) and answers come straight from the database.
"""

import hashlib
import time

from django.core.cache import cache

from lemonnpie.api.http_cache import known_version
from lemonnpie.cache import VersionedKey

DETAIL_TTL = 60 * 60
COUNT_TTL = 30 * 60
FEATURED_TTL = 30 * 60
SEARCH_TTL = 30 * 60
SUGGESTIONS_TTL = 60 * 60
SUGGESTIONS_PARTIAL_TTL = 60  # an answer cut short by the time budget (catalog.selectors)
TRENDING_TTL = 15 * 60
REFERENCE_TTL = 60 * 60
HOME_TTL = 10 * 60
_VERSION_KEY = "catalog:version"
# The trending ranking (every title's id, in order) is deliberately not versioned: it may be up to
# TRENDING_TTL old, and the beat job `catalog.tasks.trending_refresh` recomputes it before that.
TRENDING_KEY = "catalog:trending"


def movie_detail_key(movie_id) -> str:
    return f"movie:{movie_id}"


def _fresh_version() -> int:
    # Time-based, so a version key lost to eviction or a restart never comes back as a number
    # an older (still cached) generation of results was stored under.
    return time.time_ns() // 1000


def catalog_version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, _fresh_version(), None)
        version = cache.get(_VERSION_KEY)
    return int(version or 0)


def catalog_key(name: str) -> VersionedKey:
    """A key for a list/search/featured result that dies with the next catalogue change, before
    the version is read (`lemonnpie.api.fastpath` reads both in one round trip)."""
    return VersionedKey(_VERSION_KEY, "catalog:v", f":{name}")


def current_key(key: VersionedKey) -> str:
    """`key` under the current catalogue version (the one read a moment ago with the key, when
    `lemonnpie.api.fastpath` found the answer missing)."""
    version = known_version(key.version_key)
    return key.at(catalog_version() if version is None else version)


def versioned_key(name: str) -> str:
    """`catalog_key(name)` under the current catalogue version."""
    return current_key(catalog_key(name))


def request_key(prefix: str, request, params: dict | None = None) -> str:
    """A versioned key for one GET answer: host and scheme (pagination links embed them), the page,
    and `params`, the validated parameters. Unknown parameters never make a new entry."""
    known = {name: request.query_params[name] for name in ("page", "page_size") if name in request.query_params}
    known.update({name: str(value) for name, value in (params or {}).items() if value not in (None, "")})
    raw = "|".join([request.scheme, request.get_host(), request.path.rstrip("/"), repr(sorted(known.items()))])
    return versioned_key(f"{prefix}:{hashlib.sha256(raw.encode()).hexdigest()}")


def fold(q: str) -> str:
    """Search words as search reads them: case and spacing do not matter."""
    return " ".join(q.casefold().split())


def query_key(prefix: str, request, names) -> VersionedKey:
    """The key of one GET answer read from its query string as sent: the parameters in
    `names` (the view's filters and paging; any other is ignored, so it never makes a new entry),
    `q` folded, plus host and scheme (pagination links embed them).

    Only an answer to a valid request is ever stored, so the key can be looked up before the
    parameters are validated (`lemonnpie.api.fastpath`): an invalid request finds nothing and goes
    on to be validated (and refused). A `q` folds onto another only when both are valid as sent
    (the caller checks `q_valid_as_sent` first)."""
    query = request.GET
    sent = [
        (name, [fold(v) for v in query.getlist(name)] if name == "q" else query.getlist(name))
        for name in sorted(names)
        if name in query
    ]
    raw = "|".join([request.scheme, request.get_host(), request.path.rstrip("/"), repr(sent)])
    return catalog_key(f"{prefix}:{hashlib.sha256(raw.encode()).hexdigest()}")


def suggestions_key(q: str) -> VersionedKey:
    """Suggestions for `q`, case and spacing folded."""
    return catalog_key(f"suggest:{hashlib.sha256(fold(q).encode()).hexdigest()}")


def _bump_version() -> None:
    try:
        if cache.incr(_VERSION_KEY) is not None:
            return
    except ValueError:  # the key is gone (evicted, flushed): start a new, never-used generation
        pass
    cache.set(_VERSION_KEY, _fresh_version(), None)


def movie_invalidate(movie_id) -> None:
    """Forget the cached detail of one movie and every cached list that might include it."""
    cache.delete(movie_detail_key(movie_id))
    _bump_version()


def catalog_invalidate(movie_ids=()) -> None:
    """`movie_invalidate` for many movies at once (bulk import, admin actions)."""
    keys = [movie_detail_key(movie_id) for movie_id in movie_ids]
    if keys:
        cache.delete_many(keys)
    _bump_version()


# Changes with every new ranking: stored pages of trending embed it in their key.
TRENDING_GENERATION_KEY = "catalog:trending:generation"


def trending_ids_get() -> list[str] | None:
    return cache.get(TRENDING_KEY)


def trending_ids_set(ids: list[str]) -> None:
    cache.set_many({TRENDING_KEY: ids, TRENDING_GENERATION_KEY: time.time_ns()}, TRENDING_TTL)


def trending_generation() -> int:
    return int(cache.get(TRENDING_GENERATION_KEY) or 0)
