from datetime import timedelta

import pytest
from django.core import mail

from accounts.models import User
from accounts.tests.conftest import TOKEN_SEGMENT, assert_envelope, bearer, link_token, sign_in
from accounts.tests.factories import UserFactory
from accounts.tokens import email_verification_token, password_reset_token

pytestmark = pytest.mark.django_db

RESEND = "/api/v1/auth/resend-verification"


def verify(client, token):
    return client.get(f"/api/v1/auth/verify-email/{token}")


@pytest.fixture
def registered(api_client, django_capture_on_commit_callbacks):
    """A fresh sign-up through the API; its verification mail is in the outbox."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/register",
            {"email": "funke@example.ng", "password": "Ofada-rice-and-stew", "name": "Funke Akindele"},
            format="json",
        )
    assert response.status_code == 201
    return User.objects.get(email="funke@example.ng")


def test_the_link_from_the_mail_verifies_once(api_client, registered):
    token = link_token("verify-email")
    assert TOKEN_SEGMENT.match(token) and "/" not in token

    response = verify(api_client, token)
    assert response.status_code == 200 and response.json() == {"detail": "Your email address is verified."}
    registered.refresh_from_db()
    assert registered.is_verified

    body = assert_envelope(verify(api_client, token), 400, "validation_error")
    assert body["details"][0]["field"] == "token"


def test_the_link_expires_after_48_hours(api_client, registered, clock):
    token = link_token("verify-email")
    clock.shift(timedelta(hours=48, seconds=1))
    assert_envelope(verify(api_client, token), 400, "validation_error")
    registered.refresh_from_db()
    assert not registered.is_verified


def test_the_link_still_works_just_before_48_hours(api_client, registered, clock):
    token = link_token("verify-email")
    clock.shift(timedelta(hours=47, minutes=59))
    assert verify(api_client, token).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["garbage", "a" * 400, "00000000000000000000000000000000.abc:1xVh4A:sig", "..::..", "%00", "é"],
)
def test_bad_tokens_are_400(api_client, registered, token):
    assert_envelope(verify(api_client, token), 400, "validation_error")


def test_a_tampered_token_is_400(api_client, registered):
    token = link_token("verify-email")
    _, rest = token.split(".", 1)
    other = UserFactory(is_verified=False)
    assert_envelope(verify(api_client, f"{other.pk.hex}.{rest}"), 400, "validation_error")
    assert_envelope(verify(api_client, token[:-2] + "xx"), 400, "validation_error")
    other.refresh_from_db()
    assert not other.is_verified


def test_a_password_reset_token_is_no_verification_token(api_client):
    user = UserFactory(is_verified=False)
    assert_envelope(verify(api_client, password_reset_token.make(user)), 400, "validation_error")
    assert email_verification_token.matches(user, email_verification_token.make(user))


def test_a_token_dies_when_the_email_it_was_made_for_changes(api_client):
    user = UserFactory(is_verified=False)
    token = email_verification_token.make(user)
    User.objects.filter(pk=user.pk).update(email="new-address@example.ng")
    assert_envelope(verify(api_client, token), 400, "validation_error")


def test_verify_works_with_a_trailing_slash(api_client, registered):
    assert api_client.get(f"/api/v1/auth/verify-email/{link_token('verify-email')}/").status_code == 200


def test_verify_uses_the_auth_throttle(api_client, throttle_rates):
    throttle_rates(auth="2/min")
    assert verify(api_client, "x").status_code == 400
    assert verify(api_client, "y").status_code == 400
    assert_envelope(verify(api_client, "z"), 429, "throttled")


# --- resend ------------------------------------------------------------------------------------


def test_resend_mails_a_new_link_to_an_unverified_user(django_capture_on_commit_callbacks):
    user = UserFactory(is_verified=False)
    client = bearer(sign_in(user)["access"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESEND)
    assert response.status_code == 202 and "detail" in response.json()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]

    assert verify(client, link_token("verify-email")).status_code == 200
    user.refresh_from_db()
    assert user.is_verified


def test_resend_for_a_verified_user_is_400(auth_client):
    assert_envelope(auth_client.post(RESEND), 400, "bad_request")
    assert mail.outbox == []


def test_resend_needs_a_signed_in_caller(api_client):
    assert_envelope(api_client.post(RESEND), 401, "not_authenticated")


def test_resend_is_throttled_per_user(throttle_rates, django_capture_on_commit_callbacks):
    throttle_rates(auth="2/min")
    client = bearer(sign_in(UserFactory(is_verified=False))["access"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(RESEND).status_code == 202
        assert client.post(RESEND).status_code == 202
        response = client.post(RESEND)
    assert_envelope(response, 429, "throttled")
    assert len(mail.outbox) == 2
    # Another user on the same address has a budget of their own.
    assert bearer(sign_in(UserFactory(is_verified=False))["access"]).post(RESEND).status_code == 202
