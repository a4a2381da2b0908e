import os
import re
import uuid

import pytest
from django.core import mail
from django.test import RequestFactory

from accounts.tasks import send_templated_email
from lemonnpie.middleware import _request_id_of

pytestmark = [pytest.mark.django_db, pytest.mark.urls("lemonnpie.tests.urls")]

ENVELOPE_KEYS = {"error", "message", "details", "timestamp", "path"}


def assert_envelope(response, status: int, error: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["error"] == error
    assert body["path"] == response.wsgi_request.path
    assert body["timestamp"].endswith("Z")
    return body


def test_validation_error_lists_every_bad_field(api_client):
    response = api_client.post("/api/v1/test/echo", {"title": "far too long", "year": 1800}, format="json")
    body = assert_envelope(response, 400, "validation_error")
    assert {d["field"] for d in body["details"]} == {"title", "year"}


def test_malformed_json_is_parse_error(api_client):
    response = api_client.post("/api/v1/test/echo", data="{not json", content_type="application/json")
    assert_envelope(response, 400, "parse_error")


def test_missing_token_is_401_not_authenticated(api_client):
    response = api_client.get("/api/v1/test/admin-only")
    assert_envelope(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_401_authentication_failed(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert_envelope(api_client.get("/api/v1/test/admin-only"), 401, "authentication_failed")


def test_wrong_role_is_403(auth_client):
    assert_envelope(auth_client.get("/api/v1/test/admin-only"), 403, "permission_denied")


def test_admin_passes_role_check(admin_client_api):
    assert admin_client_api.get("/api/v1/test/admin-only").status_code == 200


def test_unknown_api_path_is_404_envelope(api_client):
    assert_envelope(api_client.get(f"/api/v1/nothing-here/{uuid.uuid4()}"), 404, "not_found")


def test_wrong_method_is_405_with_allow_header(api_client):
    response = api_client.delete("/api/v1/test/echo")
    assert_envelope(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_throttled_is_429_with_retry_after(api_client):
    response = api_client.get("/api/v1/test/throttled")
    assert_envelope(response, 429, "throttled")
    assert response["Retry-After"] == "42"


def test_unhandled_error_is_500_without_traceback(api_client):
    response = api_client.get("/api/v1/test/boom")
    body = assert_envelope(response, 500, "server_error")
    assert "secret internal detail" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["details"] is None


@pytest.mark.parametrize("path", ["/api/v1/test/echo", "/api/v1/test/echo/"])
def test_trailing_slash_parity_get_and_post(api_client, path):
    assert api_client.get(path).status_code == 200
    response = api_client.post(path, {"title": "Ok", "year": 2020}, format="json")
    assert response.status_code == 201
    assert response.json() == {"title": "Ok", "year": 2020}


def test_request_id_is_echoed_when_given(api_client):
    response = api_client.get("/api/v1/test/echo", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"


def test_request_id_is_made_when_missing_or_unsafe(api_client):
    first = api_client.get("/api/v1/test/echo")["X-Request-ID"]
    second = api_client.get("/api/v1/test/echo", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert len(first) == 32 and len(second) == 32 and first != second


def test_made_request_ids_are_128_random_bits_distinct_across_forked_workers():
    made = {_request_id_of(RequestFactory().get("/")) for _ in range(10_000)}
    assert len(made) == 10_000 and all(re.fullmatch(r"[0-9a-f]{32}", made_id) for made_id in made)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a worker forked from a parent that already made ids: its own sequence
        try:
            os.write(write, "".join(_request_id_of(RequestFactory().get("/")) for _ in range(100)).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    child = {text[i : i + 32] for i in range(0, len(text), 32)}
    parent = {_request_id_of(RequestFactory().get("/")) for _ in range(100)}
    assert len(child) == 100 and not child & parent


def test_request_id_on_error_responses_too(api_client):
    assert api_client.get("/api/v1/test/boom")["X-Request-ID"]


def test_celery_mail_task_sends_text_and_html():
    send_templated_email.delay(to="ada@example.ng", subject="Welcome", template="welcome", context={"name": "Ada"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.ng"] and "Hello Ada" in message.body
    assert "text/html" in message.alternatives[0][1]
