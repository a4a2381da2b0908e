"""Outages seen from inside one process: whatever raises a database or cache connection error, and
wherever it is raised (a DRF view, a plain view, a middleware), the answer is a clean 503."""

import logging

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD
from lemonnpie.metrics import THROTTLE_DEGRADED

pytestmark = [pytest.mark.django_db, pytest.mark.urls("lemonnpie.tests.outage_urls")]

DEAD = {"LOCATION": "redis://127.0.0.1:1/0", "BACKEND": "django_prometheus.cache.backends.redis.RedisCache"}
FAST = {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}
REDIS_DOWN = {
    "default": {**DEAD, "OPTIONS": {"IGNORE_EXCEPTIONS": True, **FAST}},
    "security": {**DEAD, "KEY_PREFIX": "sec", "OPTIONS": FAST},
}


def assert_503_envelope(response):
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["error"] == "service_unavailable" and set(body) == {"error", "message", "details", "timestamp", "path"}
    assert response["Retry-After"] == "5"
    assert b"Traceback" not in response.content and b"127.0.0.1" not in response.content


def test_database_error_in_a_plain_view_under_api_is_the_envelope(api_client):
    assert_503_envelope(api_client.get("/api/v1/test/plain-db-down"))


def test_cache_connection_error_in_a_drf_view_is_503_not_500(api_client):
    assert_503_envelope(api_client.get("/api/v1/test/cache-down"))


def test_database_error_in_a_middleware_is_the_envelope_under_api_and_plain_elsewhere(settings):
    # In both chains: the full stack (pages) and the lean one of /api/v1/ (API_MIDDLEWARE).
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "lemonnpie.tests.outage_urls.DatabaseDownMiddleware"]
    settings.API_MIDDLEWARE = [*settings.API_MIDDLEWARE, "lemonnpie.tests.outage_urls.DatabaseDownMiddleware"]
    client = Client(raise_request_exception=False)
    assert_503_envelope(client.get("/api/v1/test/ok", HTTP_X_BREAK="database"))
    page = client.get("/plain/ok", HTTP_X_BREAK="database")
    assert page.status_code == 503 and page["Retry-After"] == "5" and b"Traceback" not in page.content
    assert client.get("/api/v1/test/ok").status_code == 200


def test_the_access_log_never_loads_a_session_user(client, django_assert_num_queries, caplog, user):
    """A browser signed in to the admin calls the API: logging the request must not touch the
    database (it could be down, and it would cost a query per request)."""
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="lemonnpie.access"), django_assert_num_queries(0):
        assert client.get("/api/v1/test/ok").status_code == 200
    record = next(r for r in caplog.records if r.name == "lemonnpie.access")
    assert record.user_id is None and record.status == 200


@override_settings(CACHES=REDIS_DOWN)
def test_general_throttles_degrade_open_while_login_fails_closed(user):
    before = THROTTLE_DEGRADED.labels(scope="anon")._value.get()
    client = APIClient()
    assert client.get("/api/v1/movies").status_code == 200
    assert THROTTLE_DEGRADED.labels(scope="anon")._value.get() == before + 1
    answer = client.post("/api/v1/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert_503_envelope(answer)
    assert caches["security"]._server == "redis://127.0.0.1:1/0"


def test_a_cache_that_lost_writes_is_emptied_once_redis_answers_again(settings):
    """A Redis restarted from its snapshot must not serve entries whose invalidation was lost; the
    security cache's state (other key prefix) survives the clean-up."""
    from lemonnpie import cache as recovering
    from lemonnpie.tests.faultkit import ThrowawayRedis

    redis = ThrowawayRedis("unit")
    redis.start()
    try:
        location = redis.url(0)
        settings.CACHES = {
            "default": {
                "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
                "LOCATION": location,
                "KEY_PREFIX": "unit",
                "OPTIONS": {"CLIENT_CLASS": "lemonnpie.cache.RecoveringClient", "IGNORE_EXCEPTIONS": True, **FAST},
            },
            "security": {**DEAD, "LOCATION": location, "KEY_PREFIX": "unit:sec", "OPTIONS": FAST},
        }
        default, security = caches["default"], caches["security"]
        default.set("movie:1", {"review_count": 0})
        default.set("movie:2", {"review_count": 5})
        security.set("throttle:login_failures:1.2.3.4:1", 3)
        redis.stop(keep_data=True)
        default.delete("movie:1")  # the invalidation of a review written during the outage: lost
        assert recovering.is_dirty(default.client)
        redis.start()  # back with the snapshot, movie:1 included
        assert default.get("movie:1") is None and default.get("movie:2") is None  # emptied first
        assert not recovering.is_dirty(default.client)
        assert security.get("throttle:login_failures:1.2.3.4:1") == 3
        default.set("movie:1", {"review_count": 1})
        assert default.get("movie:1") == {"review_count": 1}  # and used normally afterwards
    finally:
        redis.destroy()


@override_settings(CACHES=REDIS_DOWN)
def test_admin_sign_in_while_redis_is_down_shows_its_page_with_a_message_not_a_500(admin_user):
    """The admin's sign-in shares the API's failed-login throttle, which fails closed without Redis."""
    client = Client(raise_request_exception=False)
    page = client.post("/admin/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert page.status_code == 503 and page["Retry-After"] == "5"
    text = page.content.decode()
    assert "Sign-in is temporarily unavailable" in text and 'name="password"' in text
    assert "Traceback" not in text and "_auth_user_id" not in client.session
    assert client.get("/admin/login/").status_code == 200  # the page itself needs no Redis
