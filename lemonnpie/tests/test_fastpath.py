"""Anonymous reads answered before DRF (lemonnpie.api.fastpath): the same bytes and headers as the
DRF path, one throttle count per request whichever path answers, credentials always checked, and an
invalid request never answered from the cache."""

import pytest
from rest_framework.views import APIView

from catalog.models import MovieType
from catalog.tests.factories import MovieFactory
from conftest import client_for

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
    first = api_client.get(path)  # a miss: DRF renders and stores it
    assert first.status_code == 200 and drf_calls == [path]
    again = api_client.get(path)
    assert drf_calls == [path]  # answered before DRF
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
