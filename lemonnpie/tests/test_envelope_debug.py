"""Every answer under /api/ is the envelope with DEBUG on too (bin/run): Django's debug 404 page
(`technical_404_response`, which never calls handler404), its technical 500 page and a plain
view's empty 405 are all turned into the envelope; pages outside /api/ keep Django's own."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.urls("lemonnpie.tests.urls")]

ENVELOPE_KEYS = {"error", "message", "details", "timestamp", "path"}


def envelope(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json", response.content[:300]
    body = response.json()
    assert set(body) == ENVELOPE_KEYS and body["error"] == error
    assert b"secret internal detail" not in response.content and b"Traceback" not in response.content
    assert response["X-Request-ID"]
    return body


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def client(request, settings):
    settings.DEBUG = request.param
    return APIClient(raise_request_exception=False)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no-such-route",
        "/api/v1/no-such-route/",
        "/api/nothing-here",
        "/api/v1/movies/not-a-uuid",
        "/api/v1/movies/not-a-uuid/reviews",
        "/api/v1/reviews/123/vote",
        "/api/v1/users/not-a-uuid/follow",
        "/api/v1/admin/moderation/not-a-uuid",
        "/api/v1/test/plain-missing",
    ],
)
def test_unknown_routes_and_bad_ids_are_404_envelopes(client, path):
    body = envelope(client.get(path), 404, "not_found")
    assert body["path"] == path


def test_the_debug_404_is_replaced_for_every_method(client):
    for method in ("post", "put", "patch", "delete"):
        envelope(getattr(client, method)("/api/v1/nowhere", {}, format="json"), 404, "not_found")


def test_wrong_methods_are_405_envelopes_with_allow(client):
    drf = envelope(client.delete("/api/v1/test/echo"), 405, "method_not_allowed")
    assert drf["message"]
    plain = client.get("/api/v1/test/plain-post-only")
    envelope(plain, 405, "method_not_allowed")
    assert plain["Allow"] == "POST"
    envelope(client.post("/api/schema/"), 405, "method_not_allowed")


def test_an_error_outside_drf_is_a_500_envelope_without_the_debug_page(client):
    envelope(client.get("/api/v1/test/plain-boom"), 500, "server_error")
    envelope(client.get("/api/v1/test/boom"), 500, "server_error")


@override_settings(DEBUG=True, ALLOWED_HOSTS=["testserver"])
def test_a_refused_host_is_a_400_envelope_with_debug_on():
    response = APIClient(raise_request_exception=False).get("/api/v1/movies", HTTP_HOST="evil.example")
    envelope(response, 400, "bad_request")


@override_settings(DEBUG=True)
def test_pages_outside_the_api_keep_djangos_debug_pages():
    response = APIClient(raise_request_exception=False).get("/no-such-page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
