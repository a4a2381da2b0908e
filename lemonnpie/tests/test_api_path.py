"""The lean API request path: /api/v1/ runs API_MIDDLEWARE only; the admin keeps the full stack."""

import logging

import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client
from django_prometheus.middleware import PrometheusAfterMiddleware, PrometheusBeforeMiddleware
from whitenoise.middleware import WhiteNoiseMiddleware

from lemonnpie.tests.test_operations import changed, scrape

pytestmark = pytest.mark.django_db

PAGE_MIDDLEWARE = {
    SessionMiddleware: "process_request",
    CsrfViewMiddleware: "process_view",
    AuthenticationMiddleware: "process_request",
    MessageMiddleware: "process_request",
    WhiteNoiseMiddleware: "__call__",
    PrometheusBeforeMiddleware: "process_request",
    PrometheusAfterMiddleware: "process_request",
}


@pytest.fixture
def page_middleware_calls(monkeypatch):
    """Counts the calls of every page-only middleware (still doing its work)."""
    calls = []
    for cls, name in PAGE_MIDDLEWARE.items():
        original = getattr(cls, name)

        def spy(self, *args, _original=original, _name=cls.__name__, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, spy)
    return calls


def test_api_calls_skip_sessions_csrf_messages_auth_middleware_and_whitenoise(page_middleware_calls, auth_client):
    assert auth_client.get("/api/v1/ping").status_code == 200
    assert auth_client.get("/api/v1/users/profile").status_code == 200
    # A POST without a CSRF token from a client holding a session cookie is a JWT API call.
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = "whatever"
    assert client.post("/api/v1/auth/login", {"email": "x@example.ng", "password": "nope"}).status_code in (400, 401)
    assert page_middleware_calls == []


def test_the_admin_keeps_its_full_stack(page_middleware_calls):
    page = Client().get("/admin/login/")
    assert page.status_code == 200 and "csrftoken" in page.cookies
    assert {"SessionMiddleware", "CsrfViewMiddleware", "MessageMiddleware"} <= set(page_middleware_calls)


def test_api_answers_keep_request_ids_access_log_security_headers_and_metrics(caplog, api_client, client):
    before = scrape(client)
    with caplog.at_level(logging.INFO, logger="lemonnpie.access"):
        answer = api_client.get("/api/v1/ping", HTTP_X_REQUEST_ID="trace-123")
    assert answer["X-Request-ID"] == "trace-123"
    assert answer["X-Content-Type-Options"] == "nosniff" and answer["Content-Length"] == str(len(answer.content))
    record = next(r for r in caplog.records if r.name == "lemonnpie.access" and r.path == "/api/v1/ping")
    assert (record.method, record.path, record.status, record.request_id) == ("GET", "/api/v1/ping", 200, "trace-123")
    assert isinstance(record.duration_ms, float)
    after = scrape(client)
    view = {"view": "ping", "method": "GET"}
    for name, labels in [
        ("django_http_requests_total_by_view_transport_method_total", {**view, "transport": "http"}),
        ("django_http_responses_total_by_status_view_method_total", {**view, "status": "200"}),
        ("django_http_requests_latency_seconds_by_view_method_count", view),
    ]:
        assert changed(before, after, name, **labels) == 1, name


def test_cors_still_answers_the_frontend(api_client, settings):
    origin = settings.CORS_ALLOWED_ORIGINS[0]
    answer = api_client.get("/api/v1/ping", HTTP_ORIGIN=origin)
    assert answer["Access-Control-Allow-Origin"] == origin
    preflight = api_client.options("/api/v1/reviews", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 200 and preflight["Access-Control-Allow-Origin"] == origin


def test_unknown_api_routes_are_the_envelope(api_client):
    answer = api_client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"


def _sample_paths():
    """One path per API route (and per optional part of it), with sample values for its groups."""
    from django.utils.regex_helper import normalize

    from lemonnpie import api_router

    samples = {"year": "2024", "token": "abc", "format": "json"}
    for pattern in api_router.extra_urlpatterns + api_router.router.urls:
        for template, params in normalize(pattern.pattern.regex.pattern):
            yield template % {name: samples.get(name, "0f0e0c1e-7b6a-4d3c-9e8f-1a2b3c4d5e6f") for name in params}


def test_routes_grouped_by_first_segment_resolve_exactly_as_the_flat_list():
    from django.urls import Resolver404
    from django.urls.resolvers import RegexPattern, URLResolver

    from lemonnpie import api_router

    flat = URLResolver(RegexPattern(r"^"), api_router.extra_urlpatterns + api_router.router.urls)
    grouped = URLResolver(RegexPattern(r"^"), api_router.urlpatterns)
    assert len(grouped.url_patterns) < 20 < len(flat.url_patterns)

    def resolved(resolver, path):
        try:
            match = resolver.resolve(path)
        except Resolver404:
            return None
        return match.view_name, match.kwargs

    paths = [*_sample_paths(), "moviesx", "movies/x", "pingx", "users/me", "", "movies.json"]
    assert sum(resolved(flat, path) is not None for path in paths) > 100
    for path in paths:
        assert resolved(grouped, path) == resolved(flat, path), path
