"""Anonymous reads answered from stored bytes (lemonnpie.api.fastpath): the same bytes and headers
as the whole chain and DRF give, one throttle count per request whichever path answers, the count
and the read in one Redis round trip, credentials always checked, and an invalid request never
answered from the cache."""

import gzip
import json

import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve
from rest_framework.views import APIView

from catalog.cache import _VERSION_KEY, catalog_version
from catalog.models import MovieType
from catalog.tests.factories import MovieFactory
from conftest import client_for
from lemonnpie import ratelimit
from lemonnpie.api.fastpath import RouteTree, StoredReadsFirst, _wsgi_headers, stored_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def drf_calls(monkeypatch):
    """The requests that reached DRF (`APIView.initial`), by path."""
    seen = []
    original = APIView.initial

    def initial(self, request, *args, **kwargs):
        seen.append(request.path)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(APIView, "initial", initial)
    return seen


def _rates() -> dict:
    from rest_framework.settings import api_settings

    return api_settings.DEFAULT_THROTTLE_RATES


def test_a_stored_detail_is_answered_before_drf_with_the_same_bytes_and_headers(api_client, drf_calls):
    movie = MovieFactory()
    path = f"/api/v1/movies/{movie.pk}"
    first = api_client.get(path)  # a miss: made and stored by the fast path too (StoredRead.fill)
    assert first.status_code == 200 and drf_calls == []
    assert caches["default"].get(f"movie:{movie.pk}").body == first.content
    again = api_client.get(path)
    assert drf_calls == []  # answered before DRF
    assert again.status_code == 200 and again.content == first.content
    for header in ("ETag", "Cache-Control", "Vary", "Content-Type", "X-Content-Type-Options"):
        assert again[header] == first[header], header
    assert again["X-Request-ID"] != first["X-Request-ID"]
    assert api_client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_each_request_is_counted_once_whichever_path_answers_it(api_client, monkeypatch):
    monkeypatch.setitem(_rates(), "anon", "3/min")
    movie = MovieFactory()
    path = f"/api/v1/movies/{movie.pk}"
    # A miss is counted by the fast path and its decision reused by DRF: not twice.
    statuses = [api_client.get(path).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api_client.get(path)
    assert limited.status_code == 429 and limited.json()["error"] == "throttled"
    assert int(limited["Retry-After"]) >= 1
    assert api_client.get("/api/v1/ping").status_code == 429  # one counter per address, every path


def test_ping_is_the_fixed_answer_through_the_api_middleware(api_client, drf_calls):
    response = api_client.get("/api/v1/ping")
    assert response.status_code == 200 and response.content == b'{"status":"ok"}'
    assert response["Content-Type"] == "application/json" and response["X-Request-ID"]
    assert drf_calls == []
    assert api_client.get("/api/v1/ping/").json() == {"status": "ok"}


def test_credentials_are_always_checked_even_for_a_stored_answer(api_client, user):
    movie = MovieFactory()
    path = f"/api/v1/movies/{movie.pk}"
    assert api_client.get(path).status_code == 200  # stored now
    bad = api_client.get(path, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.status_code == 401 and bad.json()["error"] == "authentication_failed"
    assert api_client.get("/api/v1/ping", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    mine = client_for(user).get(path)
    assert mine.status_code == 200 and mine["Cache-Control"] == "private, no-cache"
    assert mine.json()["in_watchlist"] is False  # the caller's own state, added by the DRF path


def test_a_stored_title_of_another_type_is_not_found_under_series(api_client):
    movie = MovieFactory(type=MovieType.MOVIE)
    assert api_client.get(f"/api/v1/movies/{movie.pk}").status_code == 200  # stored, tagged "movie"
    assert api_client.get(f"/api/v1/series/{movie.pk}").status_code == 404
    assert api_client.get("/api/v1/movies/not-a-uuid").status_code == 404


def test_a_stored_search_page_is_served_only_to_the_same_valid_request(api_client, drf_calls):
    MovieFactory(title="Lionheart", plot_summary="A woman runs her father's bus company.")
    path = "/api/v1/movies/search"
    first = api_client.get(path, {"q": "lionheart"})
    assert first.status_code == 200 and first.json()["count"] == 1
    calls = len(drf_calls)
    # Parameters the view does not take never make a new entry.
    assert api_client.get(path, {"q": "lionheart", "utm_source": "x"}).content == first.content
    assert len(drf_calls) == calls
    # Invalid requests are validated (and refused) whatever is stored.
    assert api_client.get(path, {"q": "lionheart", "page": "0"}).status_code == 404
    assert api_client.get(path, {"q": "lionheart", "year": "abc"}).status_code == 400
    assert api_client.get(path, {"q": ""}).status_code == 400


def test_stored_suggestions_answer_only_a_valid_q(api_client, drf_calls):
    MovieFactory(title="Lionheart")
    path = "/api/v1/movies/suggestions"
    first = api_client.get(path, {"q": "Lionheart"})
    assert first.status_code == 200 and first.json()["results"][0]["title"] == "Lionheart"
    calls = len(drf_calls)
    assert api_client.get(path, {"q": "  LIONHEART "}).content == first.content  # folded: the same answer
    assert len(drf_calls) == calls
    # Folds to a stored `q`, but is over 200 characters as sent: refused, not answered.
    padded = "Lion" + " " * 250 + "heart"
    assert api_client.get(path, {"q": "lion heart"}).status_code == 200
    assert api_client.get(path, {"q": padded}).status_code == 400
    assert api_client.get(path, {"q": "   "}).status_code == 400


@pytest.mark.parametrize("num_proxies", [None, 0, 1, 2])
@pytest.mark.parametrize("xff", [None, "203.0.113.9", "203.0.113.9, 10.0.0.1", " 1.1.1.1 ,2.2.2.2, 3.3.3.3"])
def test_the_client_address_is_drfs(monkeypatch, num_proxies, xff):
    from django.test import RequestFactory
    from rest_framework.settings import api_settings
    from rest_framework.throttling import BaseThrottle

    from lemonnpie.api.throttles import RequestRateThrottle

    monkeypatch.setattr(api_settings, "NUM_PROXIES", num_proxies)
    request = RequestFactory().get("/api/v1/ping", **({"HTTP_X_FORWARDED_FOR": xff} if xff else {}))
    assert RequestRateThrottle().get_ident(request) == BaseThrottle().get_ident(request)


LANE = "lemonnpie.api.fastpath.StoredReadMiddleware"


def test_the_fast_path_takes_only_routes_django_resolves_to_the_same_view():
    from lemonnpie.tests.test_api_path import _sample_paths

    tree = RouteTree(stored_routes())
    paths = [f"/api/v1/{path}" for path in _sample_paths()] + ["/api/v1/movies/x", "/api/v1/pingx", "/api/v1/"]
    taken = 0
    for path in paths:
        found = tree.match(path)
        if found is None:
            continue
        taken += 1
        route, kwargs = found
        match = resolve(path)
        assert (match.func, match.kwargs) == (route.endpoint.callback, kwargs), path
        again = tree.match(path)  # kept from the first match: the same answer, in a dict of its own
        assert again == found and again[1] is not kwargs, path
    assert taken >= 8  # ping, detail and search of films and series, suggestions, with and without "/"
    assert "/api/v1/pingx" not in tree._kept  # paths that match nothing are not kept: clients choose them
    with pytest.raises(Resolver404):
        resolve("/api/v1/movies/x")


def _stored_requests(movie, series) -> list[tuple[str, dict]]:
    return [
        ("/api/v1/ping", {}),
        (f"/api/v1/movies/{movie.pk}", {}),
        (f"/api/v1/movies/{movie.pk}/", {"HTTP_ACCEPT_ENCODING": "gzip"}),
        (f"/api/v1/series/{series.pk}", {"HTTP_ACCEPT_ENCODING": "br;q=1, gzip;q=0"}),
        ("/api/v1/movies/search?q=lionheart&page_size=5", {"HTTP_ACCEPT_ENCODING": "gzip"}),
        ("/api/v1/series/search?q=lionheart", {}),
        ("/api/v1/movies/suggestions?q=Lionhe", {}),
    ]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"HTTP_ORIGIN": "http://localhost:5173"},  # an allowed origin
        {"HTTP_ORIGIN": "https://elsewhere.example"},
        {"HTTP_X_FORWARDED_PROTO": "https"},  # HSTS
        {"HTTP_IF_MATCH": '"something-else"'},
    ],
)
def test_stored_answers_have_the_bytes_and_headers_of_the_whole_chain(settings, drf_calls, extra):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    movie = MovieFactory(title="Lionheart", type=MovieType.MOVIE, plot_summary="A family bus company in Enugu.")
    series = MovieFactory(title="Lionheart Stories", type=MovieType.SERIES, plot_summary="Lionheart, the series.")
    requests = _stored_requests(movie, series)
    scheme = {k: v for k, v in extra.items() if k == "HTTP_X_FORWARDED_PROTO"}  # in the stored key
    for path, headers in requests:  # stored now (rendered by DRF on a miss)
        assert Client().get(path, **headers, **scheme).status_code == 200, path
    lane = Client()
    lane.get("/api/v1/ping")  # a client's middleware is built on its first request: with the fast path
    front = StoredReadsFirst(WSGIHandler())  # the WSGI application, before Django's handler
    settings.API_MIDDLEWARE = [name for name in settings.API_MIDDLEWARE if name != LANE]
    chain = Client()
    for path, headers in requests:
        drf_calls.clear()
        whole = chain.get(path, **headers, **extra)
        assert drf_calls == [path.split("?")[0]]  # answered by DRF, from the same stored answer
        theirs = dict(whole.items())
        theirs.pop("X-Request-ID")
        for _ in range(2):  # made, then copied from the response kept for its shape
            drf_calls.clear()
            fast = lane.get(path, **headers, **extra)
            # answered by the fast path (a failed precondition is left to the chain: its envelope)
            assert drf_calls == ([path.split("?")[0]] if fast.status_code == 412 else [])
            assert (fast.status_code, comparable(fast.content)) == (whole.status_code, comparable(whole.content))
            ours = dict(fast.items())
            assert ours.pop("X-Request-ID") != whole["X-Request-ID"]
            assert ours == theirs, path
            drf_calls.clear()
            status, first, body = wsgi_get(front, path, **headers, **extra)
            assert drf_calls == ([path.split("?")[0]] if status == 412 else [])  # before Django's handler
            assert (status, comparable(body)) == (whole.status_code, comparable(whole.content)), path
            assert first.pop("X-Request-ID") and first == theirs, path
        kept = not {"HTTP_ORIGIN", "HTTP_IF_MATCH"} & extra.keys()  # else made each time
        assert bool(front.reads._made) is kept  # the second answer of each shape was a copy
        if fast.status_code == 200:
            revalidated = lane.get(path, **headers, **extra, HTTP_IF_NONE_MATCH=fast["ETag"])
            assert revalidated.status_code == 304 and revalidated.content == b""


def test_the_header_list_given_to_the_server_is_the_one_djangos_handler_gives():
    """`_wsgi_headers` reads the header store directly; Django's `WSGIHandler` builds the same list
    from `response.items()` and the cookies (none on a stored answer, but the list must not drop them)."""
    response = HttpResponse(b"{}", content_type="application/json")
    response["ETag"] = 'W/"1"'
    response["Vary"] = "Accept-Encoding"
    response.set_cookie("seen", "1", httponly=True)
    django_list = [*response.items(), *(("Set-Cookie", c.output(header="")) for c in response.cookies.values())]
    assert _wsgi_headers(response) == django_list
    assert ("Set-Cookie", response.cookies["seen"].output(header="")) in _wsgi_headers(response)


def test_a_kept_response_is_copied_for_its_shape_only(settings, api_client):
    """Responses are kept per route, ETag, gzip, HTTPS and CORS (`_shape`): each copy has its own
    headers and the body of the answer it is for; another shape or a new answer is made afresh."""
    from catalog.cache import catalog_invalidate

    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    movie = MovieFactory(title="Lionheart", plot_summary="A family bus company in Enugu. " * 40)
    path = f"/api/v1/movies/{movie.pk}"
    first = api_client.get(path)  # made and stored
    plain, again = api_client.get(path), api_client.get(path)  # made for the shape, then copied
    assert plain.content == again.content == first.content and plain["ETag"] == again["ETag"]
    plain["X-Extra"] = "mine"
    assert "X-Extra" not in api_client.get(path)  # a copy of its own
    secure = api_client.get(path, HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" in secure and "Strict-Transport-Security" not in again
    zipped = api_client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip" and gzip.decompress(zipped.content) == first.content
    assert "Content-Encoding" not in api_client.get(path)
    movie.title = "Lionheart (2018)"
    movie.save()
    catalog_invalidate([movie.pk])  # what every catalogue write does
    changed = api_client.get(path)  # a new answer: its own ETag and body
    assert changed.json()["title"] == "Lionheart (2018)" and changed["ETag"] != first["ETag"]
    assert changed["ETag"] == api_client.get(path)["ETag"]


def comparable(body: bytes) -> bytes | dict:
    """A body to compare: an error envelope without its timestamp, else the bytes."""
    if body.startswith(b'{"error"'):
        envelope = json.loads(body)
        envelope.pop("timestamp")
        return envelope
    return body


def wsgi_get(application, path: str, method: str = "get", **headers) -> tuple[int, dict, bytes]:
    """GET (or `method`) `path` from a WSGI application: (status, headers, body)."""
    request = getattr(RequestFactory(), method)(path, **headers)
    environ = request.environ  # as a server gives it: the path's UTF-8 bytes read as ISO-8859-1
    environ["PATH_INFO"] = request.path_info.encode().decode("iso-8859-1")
    started = {}

    def start_response(status, response_headers):
        started.update(status=int(status.split()[0]), headers=dict(response_headers))

    result = application(environ, start_response)
    body = b"".join(result)
    getattr(result, "close", lambda: None)()
    return started["status"], started["headers"], body


@pytest.fixture
def cache_gets(monkeypatch):
    """The keys read with `cache.get` (the default cache) during the test."""
    keys = []
    default = caches["default"]
    original = default.get

    def get(key, *args, **kwargs):
        keys.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(default, "get", get)
    return keys


def test_the_count_and_the_read_share_one_round_trip(api_client, drf_calls, cache_gets):
    assert ratelimit.reads_alongside(caches["default"])
    movie = MovieFactory(title="Lionheart")
    paths = [f"/api/v1/movies/{movie.pk}", "/api/v1/movies/search?q=lionheart", "/api/v1/movies/suggestions?q=Lion"]
    catalog_version()  # the catalogue has a version (it is made on first use)
    cache_gets.clear()
    for path in paths:
        assert api_client.get(path).status_code == 200  # misses: rendered and stored by the view
    calls, gets = len(drf_calls), len(cache_gets)
    # A miss is not read again by the view: the detail key was read once, inside the script, and
    # the search and suggestions keys with the catalogue version they are kept under.
    assert f"movie:{movie.pk}" not in cache_gets and _VERSION_KEY not in cache_gets
    for path in paths:
        assert api_client.get(path).status_code == 200
    assert (len(drf_calls), len(cache_gets)) == (calls, gets)  # hits: no DRF, no read but the script's


def test_counters_kept_elsewhere_are_read_one_after_the_other(api_client, drf_calls, cache_gets, monkeypatch):
    monkeypatch.setattr(ratelimit, "reads_alongside", lambda cache: False)
    movie = MovieFactory(title="Lionheart")
    paths = [f"/api/v1/movies/{movie.pk}", "/api/v1/movies/search?q=lionheart"]
    first = [api_client.get(path) for path in paths]
    calls = len(drf_calls)
    again = [api_client.get(path) for path in paths]
    assert len(drf_calls) == calls  # still answered before DRF
    assert [r.content for r in again] == [r.content for r in first]
    assert f"movie:{movie.pk}" in cache_gets


def test_a_catalogue_change_is_seen_at_once_by_stored_reads(api_client):
    from catalog.cache import catalog_invalidate

    movie = MovieFactory(title="Lionheart")
    path = "/api/v1/movies/search?q=lionheart"
    assert api_client.get(path).json()["count"] == 1
    MovieFactory(title="Lionheart Returns")
    catalog_invalidate()  # what every catalogue write does
    assert api_client.get(path).json()["count"] == 2
    assert api_client.get(f"/api/v1/movies/{movie.pk}").status_code == 200


@pytest.fixture
def django_handler():
    """Django's WSGI handler, keeping the test's database connection (as the test client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_wsgi_front_counts_each_request_once_and_hands_misses_on(
    monkeypatch, drf_calls, cache_gets, django_handler
):
    monkeypatch.setitem(_rates(), "anon", "3/min")
    front = StoredReadsFirst(django_handler)
    movie = MovieFactory()
    path = f"/api/v1/movies/{movie.pk}"
    assert [wsgi_get(front, path)[0] for _ in range(4)] == [200, 200, 200, 429]
    assert drf_calls == [path]  # the 429 only (its envelope is DRF's); the miss was filled before it
    assert f"movie:{movie.pk}" not in cache_gets  # the miss was not read again to fill it
    status, headers, body = wsgi_get(front, "/api/v1/movies/00000000-0000-0000-0000-000000000001")
    assert status == 429  # over the limit: counted once, refused by DRF
    status, headers, body = wsgi_get(front, path)
    assert status == 429 and "Retry-After" in headers and b'"throttled"' in body


def test_the_front_judges_a_host_by_allowed_hosts_as_they_are_now(settings, drf_calls, django_handler):
    front = StoredReadsFirst(django_handler)
    for allowed, status in ((["films.example"], 200), (["other.example"], 400), (["films.example"], 200)):
        settings.ALLOWED_HOSTS = allowed
        drf_calls.clear()
        answered, _headers, body = wsgi_get(front, "/api/v1/ping", HTTP_HOST="films.example")
        assert answered == status, allowed
        assert drf_calls == []  # answered by the front, or refused by Django's chain before DRF
        if status == 400:
            assert json.loads(body)["error"] == "bad_request"


@pytest.mark.parametrize("extra", [{}, {"HTTP_ACCEPT_ENCODING": "gzip"}, {"HTTP_ORIGIN": "http://localhost:5173"}])
def test_a_cold_detail_filled_before_drf_is_what_drf_makes(settings, drf_calls, django_handler, extra):
    movie = MovieFactory(title="Lionheart", plot_summary="A family bus company in Enugu. " * 20)
    series = MovieFactory(type=MovieType.SERIES)
    paths = [f"/api/v1/movies/{movie.pk}", f"/api/v1/series/{series.pk}"]
    front = StoredReadsFirst(django_handler)
    filled = [wsgi_get(front, path, **extra) for path in paths]
    assert drf_calls == []  # made and answered before Django's handler
    settings.API_MIDDLEWARE = [name for name in settings.API_MIDDLEWARE if name != LANE]
    caches["default"].clear()
    for path, (status, headers, body) in zip(paths, filled, strict=True):
        whole = Client().get(path, **extra)  # a miss rendered by DRF
        assert drf_calls[-1] == path
        assert (status, body) == (whole.status_code, whole.content)
        theirs = dict(whole.items())
        assert headers.pop("X-Request-ID") != theirs.pop("X-Request-ID")
        assert headers == theirs, path


def test_titles_not_found_or_of_another_type_are_left_to_drf(api_client, drf_calls):
    missing = "/api/v1/movies/00000000-0000-0000-0000-000000000001"
    response = api_client.get(missing)
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert drf_calls == [missing]
    movie_under_series = f"/api/v1/series/{MovieFactory(type=MovieType.MOVIE).pk}"
    assert api_client.get(movie_under_series).status_code == 404
    assert drf_calls == [missing, movie_under_series]


def test_with_read_replicas_a_miss_is_left_to_the_chain(api_client, drf_calls, monkeypatch):
    from lemonnpie.api import fastpath

    monkeypatch.setattr(fastpath, "replica_aliases", lambda: ["replica"])  # the chain routes the read
    path = f"/api/v1/movies/{MovieFactory().pk}"
    assert api_client.get(path).status_code == 200 and drf_calls == [path]
    assert api_client.get(path).status_code == 200 and drf_calls == [path]  # stored: a hit


def test_a_lookup_that_fails_before_djangos_handler_is_handed_to_it(monkeypatch, caplog, django_handler):
    front = StoredReadsFirst(django_handler)

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(front.reads, "answer", broken)
    status, _headers, body = wsgi_get(front, "/api/v1/ping")
    assert (status, body) == (200, b'{"status":"ok"}')  # the chain's own fast path answered it
    assert "stored read failed" in caplog.text
    assert wsgi_get(front, "/api/v1/ping", method="post")[0] == 405  # not a GET: Django's


@pytest.mark.parametrize("path", ["/api/v1/movies/%C4%80", "/api/v1/movies/caf%C3%A9/", "/api/v1/pingé"])
def test_a_path_the_front_leaves_to_django_reaches_it_as_the_server_sent_it(path, django_handler):
    front = StoredReadsFirst(django_handler)
    status, _headers, body = wsgi_get(front, path)
    assert status == 404 and json.loads(body)["error"] == "not_found"
