"""Fixtures and helpers of the accounts tests."""

import re
from datetime import UTC, datetime

import jwt
import pytest
import time_machine
from django.core import mail
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD

TOKEN_SEGMENT = re.compile(r"^[A-Za-z0-9_\-:.]+$")
ENVELOPE_KEYS = {"error", "message", "details", "timestamp", "path"}


def assert_envelope(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["error"] == error
    return body


def claims(token: str) -> dict:
    """The payload of a JWT, without checking it (tests read what the server put in)."""
    return jwt.decode(token, options={"verify_signature": False})


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def login(client: APIClient, email: str, password: str = DEFAULT_PASSWORD, **extra):
    return client.post("/api/v1/auth/login", {"email": email, "password": password}, format="json", **extra)


def sign_in(user, password: str = DEFAULT_PASSWORD) -> dict:
    """A fresh session of `user` through the API: {access, refresh, user}."""
    response = login(APIClient(), user.email, password)
    assert response.status_code == 200, response.content
    return response.json()


def link_token(kind: str, message=None) -> str:
    """The token of the `{FRONTEND_URL}/<kind>/<token>` link in a sent mail (the last one by default)."""
    message = message or mail.outbox[-1]
    match = re.search(rf"/{kind}/(\S+)", message.body)
    assert match, message.body
    token = match.group(1)
    html = message.alternatives[0][0]
    assert f"/{kind}/{token}" in html
    return token


@pytest.fixture
def clock():
    """Time travel: `clock.shift(seconds)` moves every clock the code reads (never sleep)."""
    with time_machine.travel(datetime.now(tz=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def throttle_rates(settings, clock):
    """`throttle_rates(auth="2/min", login_failures="3/5min")` sets rates for this test. The clock
    stands still (move it with `clock`), so no request of the test straddles a window boundary."""

    def apply(**rates):
        rest = dict(settings.REST_FRAMEWORK)
        rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = rest

    return apply
