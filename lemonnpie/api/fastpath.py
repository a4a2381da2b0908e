"""Anonymous reads answered from stored bytes, before the rest of the API chain, URL resolution and
DRF: `StoredReadMiddleware`.

A DRF request costs its framework work whatever the view does: every layer of `API_MIDDLEWARE`,
URL resolution, the `Request` wrapper, content negotiation, authentication, permissions,
throttles, then the renderer. For an anonymous GET of an answer kept in the cache (a title's
detail, a search page, suggestions) or of a fixed one (ping) none of that decides anything: there
is no caller to authenticate, the permission is "anyone may read", and the bytes are made.

A view says how it is answered that way with `stored_read(view, read)` (or, on a viewset, the
`FastReads` mixin): `read(request, **url_kwargs)` returns a `StoredRead`, the cache key of the
answer (or a fixed answer), or None to leave the request to the view. The middleware, second in
`API_MIDDLEWARE` (after the request id, access log and metrics layer), then:

1. matches the path against the routes of such views only, taken from the URLconf (a test holds
   each to what Django's resolver picks);
2. leaves the request to the chain when it must answer otherwise: a redirect to HTTPS, a host
   not in `ALLOWED_HOSTS`, an `Authorization` header (credentials are always checked: 401 on a
   bad token; signed-in answers carry the caller's own state);
3. counts the request against the `anon` limit (`RequestRateThrottle`'s counter) and reads the
   answer, both in ONE Redis round trip when the counters and the cache share a Redis
   (`lemonnpie.ratelimit.reads_alongside`), else one after the other;
4. answers with the stored bytes (`stored_response`: ETag, 304, gzip) plus the headers the layers
   it skipped would add (the conditional-GET check, `SecurityMiddleware`'s and
   `CorsMiddleware`'s own response methods).

A read may also say how to make a missing answer (`StoredRead.fill`: a title's detail, one
compiled query): it is rendered and stored there and then, and answered the same way.

On a miss that is not filled, or when the caller is over the limit, the request goes on down the chain unchanged:
DRF's throttle reuses the decision (429 and its envelope come from DRF as always), and the view
does not read again the key found missing a moment ago (`http_cache.known_misses`).
"""

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from corsheaders.middleware import CorsMiddleware
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.http.cookie import SimpleCookie
from django.http.response import ResponseHeaders
from django.middleware.security import SecurityMiddleware
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import ResolverMatch
from django.utils.cache import patch_vary_headers
from django_prometheus.cache.metrics import django_cache_get_total, django_cache_hits_total, django_cache_misses_total

from lemonnpie import ratelimit
from lemonnpie.api.http_cache import (
    NO_MISS,
    Miss,
    StoredAnswer,
    accepts_gzip,
    conditional,
    counted,
    has_conditions,
    known_misses,
    stored,
    stored_response,
)
from lemonnpie.api.throttles import RequestRateThrottle
from lemonnpie.cache import VersionedKey, is_dirty
from lemonnpie.middleware import APIRequestMiddleware, _request_id
from lemonnpie.replicas import replica_aliases

logger = logging.getLogger("lemonnpie.api")


@dataclass(frozen=True, slots=True)
class StoredRead:
    """How an anonymous GET is answered: the answer kept under `key` (counted in the `area` of
    `lemonnpie_cache_lookups_total`) when `accept` takes it, or the fixed `answer`."""

    key: str | VersionedKey | None = None
    area: str = ""
    accept: Callable[[StoredAnswer], bool] | None = None
    answer: StoredAnswer | None = None
    # On a miss: the answer rendered and stored now (as the view would), or None to leave the
    # request to the view (e.g. a 404). Only without read replicas: the chain routes those reads.
    fill: Callable[[], StoredAnswer | None] | None = None


Read = Callable[..., StoredRead | None]


def stored_read(view, read: Read):
    """Mark `view` (a view function made by `as_view()`) as answerable by `read` for anonymous GETs."""
    view.stored_read = read
    return view


class FastReads:
    """A viewset mixin: `fast_reads = {"retrieve": "method name"}` names, per GET action, the
    classmethod `(request, **url_kwargs) -> StoredRead | None` of `stored_read`."""

    fast_reads: dict[str, str] = {}

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        view = super().as_view(actions, **initkwargs)  # type: ignore[misc]
        name = cls.fast_reads.get((actions or {}).get("get", ""))
        return view if name is None else stored_read(view, getattr(cls, name))


class Kept(dict):
    """Answers worked out once and kept, at most `size` of them: when full, all are dropped (keys
    that clients choose can only churn it, never grow it)."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def keep(self, key, value) -> None:
        if len(self) >= self.size:
            self.clear()
        self[key] = value


class Route(NamedTuple):
    """A URL pattern of a `stored_read` view with the patterns of the includes above it."""

    patterns: tuple  # RegexPattern/RoutePattern, outermost first, the view's own last
    endpoint: URLPattern
    default_kwargs: dict
    allow: str  # the `Allow` header DRF puts on the view's answers


def allowed_methods(view) -> str:
    """The `Allow` header of a DRF view function (DRF's `default_response_headers`): for a viewset
    route, the methods of its actions, bound the way `ViewSetMixin.as_view` binds them."""
    instance = view.cls(**getattr(view, "initkwargs", {}))
    for method, action in (getattr(view, "actions", None) or {}).items():
        setattr(instance, method, getattr(instance, action))
    instance.setup(None)  # Django's: HEAD answered as GET
    return ", ".join(instance.allowed_methods)


def stored_routes(resolver=None) -> list[Route]:
    """Every route of the URLconf whose view has a `stored_read`, in the URLconf's order."""
    resolver = resolver or get_resolver()

    def walk(patterns, above, defaults):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, (*above, entry.pattern), {**defaults, **entry.default_kwargs})
            elif getattr(entry.callback, "stored_read", None) is not None:
                kwargs = {**defaults, **entry.default_args}
                yield Route((*above, entry.pattern), entry, kwargs, allowed_methods(entry.callback))

    return list(walk(resolver.url_patterns, (resolver.pattern,), {}))


class RouteTree:
    """`stored_routes` as a tree of their patterns (the includes they share matched once per
    request): `match(path)` is the first route matching `path` whole, with its keyword arguments,
    found as Django's resolver finds it (each pattern on what the one above left, converters applied,
    siblings in the URLconf's order)."""

    KEPT = 4096  # matched paths kept (ping's, the hot titles', the hot searches')

    def __init__(self, routes: list[Route]):
        self.root: dict = {}  # pattern -> (subtree, route or None), in insertion (URLconf) order
        for route in routes:
            level = self.root
            *above, own = route.patterns
            for pattern in above:
                level = level.setdefault(pattern, ({}, None))[0]
            level[own] = ({}, route)
        # The match of a path never changes while the tree lives (the URLconf is fixed). Only
        # matches are kept: their paths are short (a UUID at most), whatever paths clients send.
        self._kept = Kept(self.KEPT)  # path -> (route, kwargs)

    def match(self, path: str) -> tuple[Route, dict] | None:
        found = self._kept.get(path)
        if found is None:
            found = self._match(self.root, path, {})
            if found is None:
                return None
            self._kept.keep(path, found)
        return found[0], dict(found[1])  # a dict of the caller's own

    def _match(self, level: dict, path: str, kwargs: dict):
        for pattern, (below, route) in level.items():
            found = pattern.match(path)
            if found is None:
                continue
            rest, _args, captured = found
            if route is not None:
                return route, {**kwargs, **captured, **route.default_kwargs}
            matched = self._match(below, rest, {**kwargs, **captured})
            if matched is not None:
                return matched
        return None


class _CacheGets:
    """django-prometheus' cache counters, for the reads made inside the rate-limit script."""

    def __init__(self):
        self.gets = django_cache_get_total.labels(backend="redis")
        self.hits = django_cache_hits_total.labels(backend="redis")
        self.misses = django_cache_misses_total.labels(backend="redis")

    def count(self, found: bool) -> None:
        self.gets.inc()
        (self.hits if found else self.misses).inc()


# The environ key (request.META is the WSGI environ) of a stored-read lookup already made for this
# request: (the throttle's `counted_by`, the key found missing), so the chain does not make it again.
TRIED = "lemonnpie.stored_read"


class StoredReadMiddleware:
    """Anonymous GETs of `stored_read` views answered from stored bytes (see the module's doc)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.security = SecurityMiddleware(get_response)
        self.cors = CorsMiddleware(get_response)
        self.cache_gets = _CacheGets()
        self._routes: tuple[object, RouteTree] = (None, RouteTree([]))
        # Responses made for a shape (`_shape`), without their body: later ones are copies.
        self._made = Kept(1024)

    def routes(self) -> RouteTree:
        resolver = get_resolver()  # memoised by Django; a new one when ROOT_URLCONF changes
        if self._routes[0] is not resolver:
            self._routes = (resolver, RouteTree(stored_routes(resolver)))
        return self._routes[1]

    def __call__(self, request):
        tried = request.META.get(TRIED)  # by `StoredReadsFirst`, before Django's handler
        response = None if tried else self.answer(request)
        if response is not None:
            return response
        counted_by, missed = request.META.get(TRIED, (None, None))
        if counted_by is not None:
            request.counted_by = counted_by  # DRF's throttle reuses the decision
        token = known_misses.set(missed or NO_MISS)
        try:
            return self.get_response(request)
        finally:
            known_misses.reset(token)

    def answer(self, request):
        """The response from stored bytes, or None: the request goes on down the chain, with what
        this lookup learnt kept in `request.META[TRIED]` (its throttle decision, the key missed)."""
        if request.method != "GET" or "HTTP_AUTHORIZATION" in request.META:
            return None
        found = self.routes().match(request.path_info)
        if found is None or self.security.process_request(request) is not None or not _host_allowed(request):
            return None
        route, kwargs = found
        read = route.endpoint.callback.stored_read(request, **kwargs)
        answer, missed = (None, None) if read is None else self.lookup(request, read)
        request.META[TRIED] = (request.__dict__.get("counted_by"), missed)
        if answer is None:
            return None
        shape = self._shape(request, route, answer)
        made = self._made.get(shape) if shape is not None else None
        if made is not None:
            _route, _etag, gzipped, *_ = shape
            response = _copied(made, answer.gzipped if gzipped else answer.body)
        else:
            response = self._respond(request, route, answer)
            if response is None:
                return None
            if shape is not None:
                self._made.keep(shape, _copied(response, b""))
        request.resolver_match = ResolverMatch(
            route.endpoint.callback, (), kwargs, url_name=route.endpoint.name, route=str(route.endpoint.pattern)
        )
        return response

    def _respond(self, request, route: Route, answer: StoredAnswer):
        """The response to `answer`, with the headers of the layers skipped (None: a failed
        precondition, left to the chain for its envelope)."""
        response = conditional(request, stored_response(request, answer))
        if response.status_code not in (200, 304):  # a failed precondition (If-Match)
            return None
        response["Allow"] = route.allow
        self._cors(request, response)
        return self.security.process_response(request, response)

    def _shape(self, request, route: Route, answer: StoredAnswer) -> tuple | None:
        """What `_respond` reads from the request and answer besides the body, when a response of
        that shape can be kept and copied (not for conditional requests, nor an `Origin`, whose
        headers depend on more of the request): route, ETag, whether gzip bytes are sent,
        HTTPS (HSTS) and whether CORS applies to the path."""
        meta = request.META
        if "HTTP_ORIGIN" in meta or has_conditions(meta):
            return None
        gzipped = answer.gzipped is not None and accepts_gzip(meta.get("HTTP_ACCEPT_ENCODING", ""))
        return (route.endpoint, answer.etag, gzipped, request.is_secure(), self.cors.is_enabled(request))

    def _cors(self, request, response) -> None:
        """`CorsMiddleware.add_response_headers`; without an `Origin` only its `Vary: origin`
        (the rest reads `request.headers`, a copy of every header made on first use)."""
        if "HTTP_ORIGIN" in request.META:
            self.cors.add_response_headers(request, response)
        elif self.cors.is_enabled(request):
            response["Vary"] = _vary_with_origin(response.get("Vary"))

    def lookup(self, request, read: StoredRead) -> tuple[StoredAnswer | None, Miss | None]:
        """Count the request; when it is allowed, the stored answer (or None) and the key found
        missing with the version it was read under (for `known_misses`)."""
        throttle = RequestRateThrottle()
        if read.answer is not None or read.key is None:
            allowed = throttle.allow_request(request, None)
            request.counted_by = (throttle, allowed)
            return (read.answer if allowed else None), None
        cache = caches["default"]
        together = ratelimit.reads_alongside(cache) and not is_dirty(cache.client)
        spec = _script_read(cache, read.key) if together else None
        allowed = throttle.allow_request(request, None, read=spec) if spec else throttle.allow_request(request, None)
        request.counted_by = (throttle, allowed)
        if not allowed:
            return None, None
        decision = throttle.decision
        if spec and decision is not None and decision.read is not None:
            value, version = decision.read
            version = _usable_version(version)
            key = read.key if isinstance(read.key, str) else (None if version is None else read.key.at(version))
            if isinstance(read.key, VersionedKey):
                self.cache_gets.count(version is not None)
            if key is None:
                return None, None
            self.cache_gets.count(value is not None)
            answer = counted(None if value is None else cache.client.decode(value), area=read.area, count_miss=False)
        else:  # counters elsewhere (or unreachable): read on its own
            key, version = _current(cache, read.key)
            answer = None if key is None else stored(key, area=read.area, count_miss=False)
        if answer is None and key is not None and read.fill is not None and not replica_aliases():
            answer = _filled(read.fill, Miss(frozenset((key,))))
        if answer is not None and read.accept is not None and not read.accept(answer):
            return None, None
        if answer is not None or key is None:
            return answer, None
        versions = {read.key.version_key: version} if isinstance(read.key, VersionedKey) else {}
        return None, Miss(frozenset((key,)), versions)


def _copied(template: HttpResponse, body: bytes) -> HttpResponse:
    """A response with `template`'s class, status and headers and `body`: what the constructor and
    the header setters made for the template, without making and checking it all again."""
    response = template.__class__.__new__(template.__class__)
    response.__dict__.update(template.__dict__)
    response.headers = headers = ResponseHeaders.__new__(ResponseHeaders)
    headers._store = template.headers._store.copy()
    response.cookies = SimpleCookie()
    response._resource_closers = []
    response._container = [body]
    return response


def _wsgi_headers(response: HttpResponse) -> list[tuple[str, str]]:
    """The header list Django's `WSGIHandler` gives the server for `response`, read straight from
    its store (`response.items()` goes through the case-insensitive mapping's lookups)."""
    headers = [*response.headers._store.values()]
    headers.extend(("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values())
    return headers


def _filled(fill: Callable[[], StoredAnswer | None], missed: Miss) -> StoredAnswer | None:
    """`fill()`, knowing `missed` is not in the cache (it is not read again)."""
    token = known_misses.set(missed)
    try:
        return fill()
    finally:
        known_misses.reset(token)


_MARK = "\x00"


def _script_read(cache, key: str | VersionedKey) -> tuple[str, ...] | None:
    """The Redis keys of `key` for the rate-limit script: `(key,)` or `(version key, head, tail)`."""
    if isinstance(key, str):
        return (cache.make_key(key),)
    head, *tail = cache.make_key(key.at(_MARK)).split(_MARK)
    return (cache.make_key(key.version_key), head, tail[0]) if len(tail) == 1 else None


def _usable_version(version: bytes | None) -> str | None:
    """The version the script read, when it is one a key can be made under."""
    version_text = version.decode() if version is not None else ""
    return version_text if version_text.isdigit() else None


def _current(cache, key: str | VersionedKey) -> tuple[str | None, object]:
    """`key` under its current version, and that version (None while it has none: nothing was
    stored under one)."""
    if isinstance(key, str):
        return key, None
    version = cache.get(key.version_key)
    return (None if version is None else key.at(version)), version


@functools.lru_cache(maxsize=64)
def _vary_with_origin(vary: str | None) -> str:
    """Django's `patch_vary_headers(response, ("origin",))` on a response whose `Vary` is `vary`
    (stored answers carry one of a few), kept: it parses and rebuilds the header each time."""
    scratch = HttpResponse()
    if vary is not None:
        scratch["Vary"] = vary
    patch_vary_headers(scratch, ("origin",))
    return scratch["Vary"]


_host_verdicts = Kept(256)  # a handful of real hosts; made-up ones only churn it


def _host_allowed(request) -> bool:
    """`request.get_host()` does not raise `DisallowedHost`: its verdict, kept per host as sent and
    `ALLOWED_HOSTS` (the check splits the host and walks the allowed patterns each time)."""
    key = (request._get_raw_host(), tuple(settings.ALLOWED_HOSTS), settings.DEBUG)
    verdict = _host_verdicts.get(key)
    if verdict is None:
        try:
            request.get_host()
            verdict = True
        except DisallowedHost:
            verdict = False
        _host_verdicts.keep(key, verdict)
    return verdict


class StoredReadsFirst:
    """The WSGI application (`lemonnpie.wsgi`): Django's, with anonymous GETs of stored answers
    answered before Django's handler runs.

    Django's handler costs each request its `request_started` and `request_finished` signals
    (database connections and caches checked), its middleware chain and the conversion of the
    response: as much CPU as the rest of a stored answer. Here such a request gets exactly what the
    API chain gives it (`APIRequestMiddleware`'s request id, access log and metrics around
    `StoredReadMiddleware.answer`; a test holds the two header for header). A stored answer touches
    neither the database nor anything the signals look after; a filled miss (`StoredRead.fill`)
    runs its one query on the thread's connection, and a failure there hands the request to Django,
    whose signals close a broken connection. Anything else, a miss that is not filled included, is
    Django's request as always (with the lookup already made kept in `TRIED`)."""

    def __init__(self, application):
        self.application = application
        self.outer = APIRequestMiddleware(None)  # begin/finish only
        self.reads = StoredReadMiddleware(lambda request: None)  # answer() only: never goes on
        self.prefix = settings.API_PATH_PREFIX

    def __call__(self, environ, start_response):
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or "HTTP_AUTHORIZATION" in environ
            or not environ.get("PATH_INFO", "").startswith(self.prefix)
        ):
            return self.application(environ, start_response)
        response = self.stored(environ)
        if response is None:
            return self.application(environ, start_response)
        start_response(f"{response.status_code} {response.reason_phrase}", _wsgi_headers(response))
        return [response.content]

    def stored(self, environ):
        # A copy: WSGIRequest writes the decoded path into its environ, which Django's own request,
        # made from the environ on a miss, must find as the server gave it.
        request = WSGIRequest(dict(environ))
        token, started = self.outer.begin(request)
        try:
            response = self.reads.answer(request)
            if response is None:
                if TRIED in request.META:
                    environ[TRIED] = request.META[TRIED]
                return None
            return self.outer.finish(request, response, started)
        except Exception:  # left to Django's handler, which answers (and logs) it the usual way
            logger.exception("stored read failed before Django's handler; handing the request on")
            environ.pop(TRIED, None)
            return None
        finally:
            _request_id.reset(token)
