"""HTTP caching and compression of API reads: `ETag`, `Cache-Control`, `304 Not Modified`, gzip.

Hot reads (cached movie detail, featured, trending, cached search and suggestion answers) are kept
in the cache as a `StoredAnswer`: the JSON bytes, their ETag and, for bodies over
`GZIP_MIN_BYTES`, the gzip-compressed bytes, all made once when the answer is stored. Serving one
is a cache read and a response around bytes that already exist: no serializer, no re-encoding, no
hashing and no compression per request (`stored_response`). A repeat with a matching
`If-None-Match` answers 304 without a body.

Every other successful GET under /api/v1/ gets the same headers from `APICachingMiddleware` (a
weak ETag hashed from the body, `Cache-Control`, 304 on a match) and is compressed by
`GzipMiddleware` when it is over `GZIP_MIN_BYTES` and the client accepts gzip (level 6 when stored
once, Django's per-request compression otherwise). Writes (POST, PATCH, ...) are never
compressed: their answers can carry tokens next to what the client sent (BREACH).

`Cache-Control: public, no-cache` means "any cache may keep it but must revalidate each use":
clients and CDNs send `If-None-Match` and get a bodiless 304 until the answer changes, and a
change is seen at once (no stale window). Answers to signed-in callers that are not stored
public answers are `private, no-cache`.
"""

import contextvars
import gzip
import hashlib
from typing import NamedTuple

from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import get_conditional_response, patch_vary_headers

GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6
PUBLIC = "public, no-cache"
PRIVATE = "private, no-cache"


class StoredAnswer(NamedTuple):
    """A JSON answer kept in the cache, ready to send."""

    body: bytes
    etag: str
    gzipped: bytes | None
    tag: str = ""  # the caller's own note (e.g. a title's type)


def body_etag(body: bytes) -> str:
    return f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def stored_answer(body: bytes, *, tag: str = "") -> StoredAnswer:
    gzipped = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
    return StoredAnswer(body, body_etag(body), gzipped, tag)


def _opaque(etag: str) -> str:
    etag = etag.strip()
    return etag[2:] if etag.startswith("W/") else etag


def etag_matches(header: str, etag: str) -> bool:
    """`If-None-Match` against one ETag, by weak comparison (RFC 9110 §13.1.2)."""
    if header.strip() == "*":
        return True
    wanted = _opaque(etag)
    return any(_opaque(candidate) == wanted for candidate in header.split(","))


def accepts_gzip(header: str) -> bool:
    """`Accept-Encoding` names gzip (or `*`) without `q=0`."""
    for coding in header.split(","):
        name, _, params = coding.partition(";")
        if name.strip().lower() in ("gzip", "*"):
            quality = params.strip().lower()
            if not quality.startswith("q="):
                return True
            try:
                return float(quality[2:]) > 0
            except ValueError:
                return False
    return False


class Miss(NamedTuple):
    """What the fast path (`lemonnpie.api.fastpath`) learnt while answering this request and
    handed on to the view that goes on to render the answer: the keys it found missing (not read
    again) and the versions it read them under, by version key (not read again either)."""

    keys: frozenset[str]
    versions: dict = {}  # never changed: a new Miss per request


NO_MISS = Miss(frozenset())
known_misses: contextvars.ContextVar[Miss] = contextvars.ContextVar("known_misses", default=NO_MISS)


def known_version(version_key: str):
    """The version kept under `version_key` as the fast path read it for this request, or None."""
    return known_misses.get().versions.get(version_key)


def stored(key: str, *, area: str, count_miss: bool = True) -> StoredAnswer | None:
    """The answer stored under `key`, counted as a hit or miss of `area` (`count_miss=False`: a
    miss is left for the view that goes on to render it, e.g. after `lemonnpie.api.fastpath`)."""
    from django.core.cache import cache

    return counted(None if key in known_misses.get().keys else cache.get(key), area=area, count_miss=count_miss)


def counted(value, *, area: str, count_miss: bool = True) -> StoredAnswer | None:
    """`value`, read from the cache, as a stored answer (None when it is not one), counted as `stored` counts."""
    from lemonnpie.metrics import cache_lookup

    if not isinstance(value, StoredAnswer) and not count_miss:
        return None
    return cache_lookup(area, value, expect=StoredAnswer)


def cached_answer(key: str, *, area: str, ttl: int, render) -> StoredAnswer:
    """The answer stored under `key`, or `render()` (bytes, or `(bytes, tag)`) stored now."""
    from django.core.cache import cache

    answer = stored(key, area=area)
    if answer is None:
        rendered = render()
        body, tag = rendered if isinstance(rendered, tuple) else (rendered, "")
        answer = stored_answer(body, tag=tag)
        cache.set(key, answer, ttl)
    return answer


def stored_response(request, answer: StoredAnswer) -> HttpResponse:
    """The response for a stored answer: 304 on a matching `If-None-Match`, the gzip bytes when
    the client takes them, else the plain bytes."""
    meta = request.META
    if_none_match = meta.get("HTTP_IF_NONE_MATCH")
    if if_none_match and etag_matches(if_none_match, answer.etag):
        response = HttpResponseNotModified()
    elif answer.gzipped is not None and accepts_gzip(meta.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(answer.gzipped, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(answer.body, content_type="application/json")
    response["ETag"] = answer.etag
    response["Cache-Control"] = PUBLIC
    response["Vary"] = "Accept-Encoding, Authorization"  # a signed-in caller gets an answer of its own
    return response


def _signed_in(request) -> bool:
    user = request.__dict__.get("user")  # set by DRF's authentication; never loaded from here
    return user is not None and getattr(user, "is_authenticated", False)


class APICachingMiddleware:
    """ETag, Cache-Control and 304 for the successful GETs of API_MIDDLEWARE that do not carry
    them already (Django's `ConditionalGetMiddleware`, plus `Cache-Control`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "GET" or response.status_code != 200 or response.streaming:
            return response
        if "ETag" not in response:
            response["ETag"] = body_etag(response.content)
        if "Cache-Control" not in response:
            if _signed_in(request):
                response["Cache-Control"] = PRIVATE
            else:
                response["Cache-Control"] = PUBLIC
                patch_vary_headers(response, ("Authorization",))
        return conditional(request, response)


_CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")


def has_conditions(meta) -> bool:
    """The request (its META) carries a conditional header."""
    return not meta.keys().isdisjoint(_CONDITIONS)


def conditional(request, response):
    """`response`, or the 304 (or 412) its ETag and the request's conditional headers call for."""
    if not has_conditions(request.META):  # nothing to check (most requests)
        return response
    return get_conditional_response(request, etag=response["ETag"], response=response)


class GzipMiddleware(GZipMiddleware):
    """Django's gzip (with its BREACH length padding) for GET answers over `GZIP_MIN_BYTES`;
    stored answers arrive compressed already and are left alone."""

    def process_response(self, request, response):
        if (
            request.method not in ("GET", "HEAD")
            or (not response.streaming and len(response.content) < GZIP_MIN_BYTES)
            or not accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        ):
            if response.status_code == 200 and not response.has_header("Content-Encoding"):
                patch_vary_headers(response, ("Accept-Encoding",))  # the answer depends on it all the same
            return response
        return super().process_response(request, response)
