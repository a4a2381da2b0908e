"""Forged, altered and misused JWTs (OWASP API2, ASVS V3): every one answers 401 in the envelope,
never 200 and never 500. Also: reset links never trust the request's Host header.

Covered elsewhere (not repeated here):
- expired access token → 401: accounts/tests/test_sessions.py::test_access_token_expires_after_fifteen_minutes
- refresh token used as an access token → 401: test_sessions.py::test_a_refresh_token_is_not_an_access_token
- deleted user's access/refresh token → 401: test_sessions.py::test_a_deleted_users_access_token_is_401,
  ::test_refresh_of_a_deleted_user_is_401_not_500
- the same refresh token in 10 parallel requests → one new pair:
  test_sessions.py::test_the_same_refresh_token_sent_in_parallel_yields_one_new_pair
- password reset / change revoke every refresh token: accounts/tests/test_passwords.py::
  test_reset_revokes_every_session, ::test_change_password_keeps_this_session_and_ends_the_others
- X-Forwarded-For cannot dodge the failed-login throttle (NUM_PROXIES=0 and =1): accounts/tests/
  test_login.py::test_spoofed_x_forwarded_for_cannot_dodge_the_throttle,
  ::test_behind_one_proxy_each_client_address_has_its_own_budget
- the verification link ignores a forged Host: accounts/tests/test_register.py::
  test_register_mails_a_verification_link_after_commit_built_from_frontend_url
"""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import AdminFactory
from lemonnpie.tests.security.conftest import assert_envelope

PROFILE = "/api/v1/users/profile"
ADMIN_ONLY = "/api/v1/admin/users"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims_of(user, **overrides) -> dict:
    """The claims of a real access token of `user`, with `overrides` applied."""
    token = RefreshToken.for_user(user).access_token
    return {**token.payload, **overrides}


def _get(path: str, token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(path)


def _key() -> str:
    return django_settings.SIMPLE_JWT["SIGNING_KEY"]


def test_a_genuine_token_works(user):
    assert _get(PROFILE, jwt.encode(_claims_of(user), _key(), algorithm="HS256")).status_code == 200


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_tokens_are_refused(user, alg):
    token = f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(_claims_of(user))}."
    assert_envelope(_get(PROFILE, token), 401, "authentication_failed")


def test_alg_none_with_a_copied_signature_is_refused(user):
    genuine = jwt.encode(_claims_of(user), _key(), algorithm="HS256")
    signature = genuine.rsplit(".", 1)[1]
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims_of(user))}.{signature}"
    assert_envelope(_get(PROFILE, token), 401, "authentication_failed")


@pytest.mark.parametrize("variant", ["guessed", "reversed", "one-character-off", "prefix"])
def test_tokens_signed_with_another_key_are_refused(user, variant):
    real = _key()
    key = {
        "guessed": "lemonnpie-secret-" * 3,
        "reversed": real[::-1],
        "one-character-off": real[:-1] + ("x" if real[-1] != "x" else "y"),
        "prefix": real[:32],
    }[variant]
    token = jwt.encode(_claims_of(user), key, algorithm="HS256")
    assert_envelope(_get(PROFILE, token), 401, "authentication_failed")


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_other_algorithms_are_refused_even_with_the_right_key(user, alg):
    token = jwt.encode(_claims_of(user), _key(), algorithm=alg)
    assert_envelope(_get(PROFILE, token), 401, "authentication_failed")


def test_a_signed_in_user_cannot_promote_themselves_by_editing_claims(user):
    """Claims edited after signing (role: admin, another `sub`) break the signature."""
    genuine = jwt.encode(_claims_of(user), _key(), algorithm="HS256")
    header, _, signature = genuine.split(".")
    admin = AdminFactory()
    for claims in (_claims_of(user, role="admin"), _claims_of(user, sub=str(admin.pk))):
        assert_envelope(_get(ADMIN_ONLY, f"{header}.{_b64(claims)}.{signature}"), 401, "authentication_failed")


def test_the_role_claim_never_grants_anything(user):
    """Even a validly signed token saying `role: admin` is judged by the user's row (API.md §3)."""
    token = jwt.encode(_claims_of(user, role="admin"), _key(), algorithm="HS256")
    assert_envelope(_get(ADMIN_ONLY, token), 403, "permission_denied")


def test_expired_tokens_are_refused_even_by_a_second(user):
    claims = _claims_of(user, exp=int((timezone.now() - timedelta(seconds=1)).timestamp()))
    assert_envelope(_get(PROFILE, jwt.encode(claims, _key(), algorithm="HS256")), 401, "authentication_failed")


def test_tokens_without_expiry_are_refused(user):
    claims = _claims_of(user)
    del claims["exp"]
    assert_envelope(_get(PROFILE, jwt.encode(claims, _key(), algorithm="HS256")), 401, "authentication_failed")


def test_a_refresh_token_signed_correctly_is_still_not_an_access_token(user):
    refresh = RefreshToken.for_user(user)
    assert_envelope(_get(PROFILE, str(refresh)), 401, "authentication_failed")
    claims = _claims_of(user, token_type="refresh")
    assert_envelope(_get(PROFILE, jwt.encode(claims, _key(), algorithm="HS256")), 401, "authentication_failed")


@pytest.mark.parametrize(
    "sub", [None, "", "not-a-uuid", "1 OR 1=1", 12345, ["a"], {"id": 1}, "00000000-0000-0000-0000-000000000000"]
)
def test_odd_or_unknown_subjects_are_401_not_500(user, sub):
    """Validly signed (as after a key leak or a bug elsewhere) but naming nobody: 401, never a 500."""
    claims = _claims_of(user, sub=sub)
    assert_envelope(_get(PROFILE, jwt.encode(claims, _key(), algorithm="HS256")), 401, "authentication_failed")


def test_a_token_without_subject_is_401(user):
    claims = _claims_of(user)
    del claims["sub"]
    assert_envelope(_get(PROFILE, jwt.encode(claims, _key(), algorithm="HS256")), 401, "authentication_failed")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer not.a.jwt",
        "Bearer " + "A" * 10_000,
        "Bearer ....",
        "Bearer e30.e30.e30",
        "Token abc",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_malformed_authorization_headers_are_401_or_ignored_never_500(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(PROFILE)
    # Other schemes are not ours: the caller is anonymous (401 not_authenticated on a private route).
    assert_envelope(response, 401)


def test_tokens_of_a_deleted_user_answer_401_everywhere(user):
    token = str(RefreshToken.for_user(user).access_token)
    user.delete()
    for path in (PROFILE, "/api/v1/movies", "/api/v1/reviews", ADMIN_ONLY):
        assert_envelope(_get(path, token), 401, "authentication_failed")


def test_the_reset_link_ignores_a_forged_host_header(api_client, user, settings, django_capture_on_commit_callbacks):
    settings.FRONTEND_URL = "https://lemonnpie.ng"
    settings.ALLOWED_HOSTS = ["*"]  # even where a proxy lets any Host through
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/forgot-password",
            {"email": user.email},
            format="json",
            HTTP_HOST="evil.example",
            HTTP_X_FORWARDED_HOST="evil.example",
            HTTP_ORIGIN="https://evil.example",
            HTTP_REFERER="https://evil.example/steal",
        )
    assert response.status_code == 202
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "https://lemonnpie.ng/reset-password/" in message.body
    html = message.alternatives[0][0]
    assert "https://lemonnpie.ng/reset-password/" in html
    assert "evil.example" not in message.body and "evil.example" not in html


def test_tokens_are_not_accepted_from_the_query_string_or_cookies(user):
    token = str(RefreshToken.for_user(user).access_token)
    client = APIClient()
    assert_envelope(client.get(f"{PROFILE}?token={token}&access_token={token}"), 401, "not_authenticated")
    client.cookies["access"] = token
    client.cookies["Authorization"] = f"Bearer {token}"
    assert_envelope(client.get(PROFILE), 401, "not_authenticated")
