"""Caching of detail (1 h), featured (30 min) and search (30 min): hits, invalidation, no Redis."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from catalog import cache as catalog_cache
from catalog.cache import movie_detail_key, movie_invalidate, versioned_key
from catalog.tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def test_detail_is_served_from_the_cache_for_an_hour(api_client, django_assert_num_queries, monkeypatch):
    movie = MovieFactory(title="Sugar Rush")
    ttls = []
    real_set = cache.set
    monkeypatch.setattr(
        cache, "set", lambda key, value, timeout=None: ttls.append(timeout) or real_set(key, value, timeout)
    )
    first = api_client.get(f"/api/v1/movies/{movie.pk}").json()
    assert ttls == [60 * 60]
    with django_assert_num_queries(0):
        assert api_client.get(f"/api/v1/movies/{movie.pk}").json() == first


def test_detail_follows_aggregate_changes_through_movie_invalidate(api_client, rate):
    """The reviews services change the aggregates, then call movie_invalidate(movie_id)."""
    movie = MovieFactory()
    assert api_client.get(f"/api/v1/movies/{movie.pk}").json()["review_count"] == 0
    rate(movie, [8, 9])
    assert api_client.get(f"/api/v1/movies/{movie.pk}").json()["review_count"] == 0  # still cached
    movie_invalidate(movie.pk)
    body = api_client.get(f"/api/v1/movies/{movie.pk}").json()
    assert body["review_count"] == 2 and body["stats"]["average_rating"] == 8.5


def test_writes_drop_the_cached_detail_and_results_on_commit(
    api_client, admin_client_api, django_capture_on_commit_callbacks
):
    movie = MovieFactory(title="Merry Men")
    api_client.get(f"/api/v1/movies/{movie.pk}")
    assert api_client.get("/api/v1/movies/search", {"q": "merry"}).json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_client_api.patch(f"/api/v1/movies/{movie.pk}", {"title": "Merry Men 2"}, format="json")
    assert len(callbacks) == 1
    assert api_client.get(f"/api/v1/movies/{movie.pk}").json()["title"] == "Merry Men 2"
    assert api_client.get("/api/v1/movies/search", {"q": "merry"}).json()["results"][0]["title"] == "Merry Men 2"

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_api.delete(f"/api/v1/movies/{movie.pk}")
    assert api_client.get(f"/api/v1/movies/{movie.pk}").status_code == 404
    assert api_client.get("/api/v1/movies/search", {"q": "merry"}).json()["count"] == 0


def test_a_new_title_shows_up_in_cached_searches(api_client, admin_client_api, django_capture_on_commit_callbacks):
    MovieFactory(title="Isoken")
    assert api_client.get("/api/v1/movies/search", {"q": "isoken"}).json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_api.post(
            "/api/v1/movies", {"title": "Isoken Returns", "release_date": "2024-02-02"}, format="json"
        )
    assert response.status_code == 201
    assert api_client.get("/api/v1/movies/search", {"q": "isoken"}).json()["count"] == 2


def test_a_lost_version_key_never_revives_an_older_generation():
    stale_key = versioned_key("search:abc")
    cache.set(stale_key, "stale", 600)
    movie_invalidate("00000000-0000-0000-0000-000000000000")
    cache.delete(catalog_cache._VERSION_KEY)  # evicted, or Redis flushed the key only
    assert versioned_key("search:abc") != stale_key


def test_movie_invalidate_forgets_the_detail_key():
    cache.set(movie_detail_key("m1"), {"title": "x"}, 60)
    movie_invalidate("m1")
    assert cache.get(movie_detail_key("m1")) is None


DEAD_REDIS = {
    alias: {
        "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
    for alias in ("default",)
} | {"security": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dead-redis-security"}}


@pytest.fixture
def no_redis():
    # Changing CACHES makes Django drop its cache connections, so `cache` now points at the dead one.
    with override_settings(CACHES=DEAD_REDIS):
        yield


def test_answers_stay_correct_without_redis(no_redis, api_client, admin_client_api, rate):
    cache.set("probe", 1)
    assert cache.get("probe") is None  # really unreachable, and quietly so
    movie = MovieFactory(title="Òfin Mósè", is_featured=True)
    rate(movie, [9])
    assert api_client.get(f"/api/v1/movies/{movie.pk}").json()["lemon_pie_rating"] == 9.0
    assert api_client.get("/api/v1/movies/search", {"q": "ofin"}).json()["count"] == 1
    assert api_client.get("/api/v1/movies/featured").json()["results"][0]["title"] == "Òfin Mósè"
    assert api_client.get("/api/v1/movies/suggestions", {"q": "ofn mose"}).json()["results"]
    assert api_client.get("/api/v1/movies/trending").status_code == 200
    response = admin_client_api.patch(f"/api/v1/movies/{movie.pk}", {"title": "Ofin Mose 2"}, format="json")
    assert response.status_code == 200
    assert api_client.get(f"/api/v1/movies/{movie.pk}").json()["title"] == "Ofin Mose 2"


def test_search_cache_is_keyed_by_validated_parameters(api_client, django_assert_num_queries):
    MovieFactory(title="Lagos Heat")
    first = api_client.get("/api/v1/movies/search", {"q": "Lagos  Heat"}).json()
    with django_assert_num_queries(0):
        # Same search in other words: case, spacing, an unknown parameter, the optional slash.
        assert api_client.get("/api/v1/movies/search/", {"q": "lagos heat", "utm": "x"}).json()["count"] == 1
    with django_assert_num_queries(1):  # another page size is another answer: the count and the page, in one statement
        api_client.get("/api/v1/movies/search", {"q": "lagos heat", "page_size": 5})
    assert first["count"] == 1


def test_invalid_search_parameters_never_touch_the_cache(api_client, monkeypatch):
    calls = []
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: calls.append(args))
    assert api_client.get("/api/v1/movies/search", {"q": ""}).status_code == 400
    assert calls == []
