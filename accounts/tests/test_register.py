import threading

import pytest
from django.core import mail
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.tests.conftest import TOKEN_SEGMENT, assert_envelope, bearer, claims, link_token
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/register"
GOOD = {"email": "Chioma.Okafor@Example.NG", "password": "Suya-at-midnight-42", "name": "Chioma Okafor"}


def register(client, **overrides):
    return client.post(URL, {**GOOD, **overrides}, format="json")


def test_register_answers_the_private_user_and_a_working_token_pair(api_client):
    response = register(api_client)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"user", "access", "refresh", "access_expires_at", "refresh_expires_at"}
    assert body["user"]["email"] == "chioma.okafor@example.ng"
    assert body["user"]["name"] == "Chioma Okafor"
    assert body["user"]["role"] == "user" and body["user"]["is_verified"] is False
    user = User.objects.get(email="chioma.okafor@example.ng")
    assert user.check_password(GOOD["password"]) and not user.password.startswith(GOOD["password"])
    access = claims(body["access"])
    assert access["sub"] == str(user.pk) and access["token_type"] == "access"
    assert bearer(body["access"]).get("/api/v1/users/profile").json()["id"] == str(user.pk)


def test_register_mails_a_verification_link_after_commit_built_from_frontend_url(
    api_client, settings, django_capture_on_commit_callbacks
):
    settings.FRONTEND_URL = "https://lemonnpie.ng"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = register(api_client, HTTP_HOST="evil.example")
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert response.status_code == 201
    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["chioma.okafor@example.ng"]
    assert "https://lemonnpie.ng/verify-email/" in message.body
    assert "evil.example" not in message.body and "evil.example" not in message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert TOKEN_SEGMENT.match(link_token("verify-email"))


@pytest.mark.parametrize(
    "email", ["chioma.okafor@example.ng", "CHIOMA.OKAFOR@EXAMPLE.NG", " Chioma.Okafor@example.ng "]
)
def test_duplicate_email_in_any_case_is_409(api_client, email):
    assert register(api_client).status_code == 201
    response = register(api_client, email=email)
    assert_envelope(response, 409, "conflict")
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short-1", "too short"),
        ("password123", "too common"),
        ("80923456712345", "entirely numeric"),
        ("chioma.okafor@example", "too similar"),
    ],
)
def test_weak_password_is_400_with_details(api_client, password, fragment):
    response = register(api_client, password=password)
    body = assert_envelope(response, 400, "validation_error")
    messages = [d["message"] for d in body["details"] if d["field"] == "password"]
    assert any(fragment in message for message in messages), body
    assert not User.objects.exists()


@pytest.mark.parametrize("email", ["not-an-email", "ada@", "@example.ng", "ada@example..ng", "a" * 250 + "@x.ng", ""])
def test_malformed_email_is_400_with_details(api_client, email):
    body = assert_envelope(register(api_client, email=email), 400, "validation_error")
    assert [d["field"] for d in body["details"]] == ["email"]


def test_every_bad_field_is_reported_at_once(api_client):
    response = api_client.post(URL, {"email": "nope", "password": "123", "name": "  "}, format="json")
    body = assert_envelope(response, 400, "validation_error")
    assert {d["field"] for d in body["details"]} == {"email", "password", "name"}


def test_missing_body_and_malformed_json_are_400(api_client):
    body = assert_envelope(api_client.post(URL, {}, format="json"), 400, "validation_error")
    assert {d["field"] for d in body["details"]} == {"email", "password", "name"}
    assert_envelope(api_client.post(URL, "{nope", content_type="application/json"), 400, "parse_error")


def test_privileged_fields_in_the_body_are_ignored(api_client):
    response = register(api_client, role="admin", is_verified=True, is_active=False, review_count=99)
    assert response.status_code == 201
    user = User.objects.get()
    assert (user.role, user.is_verified, user.is_active, user.review_count) == (Role.USER, False, True, 0)


def test_name_is_stripped_of_control_characters(api_client):
    response = register(api_client, name="  Chi\x00oma\u202e \x07Okafor\n")
    assert response.status_code == 201
    assert response.json()["user"]["name"] == "Chioma Okafor"


def test_name_of_only_control_characters_is_400(api_client):
    body = assert_envelope(register(api_client, name="\x00\x01 \x1b"), 400, "validation_error")
    assert [d["field"] for d in body["details"]] == ["name"]


def test_name_over_255_characters_is_400(api_client):
    body = assert_envelope(register(api_client, name="N" * 256), 400, "validation_error")
    assert [d["field"] for d in body["details"]] == ["name"]


def test_password_is_not_trimmed_and_long_passphrases_work(api_client):
    passphrase = "  " + "ògbó ati atọ́ " * 8
    assert register(api_client, password=passphrase).status_code == 201
    assert User.objects.get().check_password(passphrase)
    assert register(api_client, email="x@example.ng", password="p" * 129).status_code == 400


@pytest.mark.parametrize("path", [URL, URL + "/"])
def test_register_works_with_and_without_trailing_slash(api_client, path):
    assert api_client.post(path, GOOD, format="json").status_code == 201


def test_stale_authorization_header_does_not_break_register(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")
    assert register(api_client).status_code == 201


def test_register_uses_the_auth_throttle_scope(api_client, throttle_rates):
    throttle_rates(auth="2/min")
    assert register(api_client, email="a1@example.ng").status_code == 201
    assert register(api_client, email="a2@example.ng").status_code == 201
    response = register(api_client, email="a3@example.ng")
    assert_envelope(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.django_db(transaction=True)
def test_parallel_sign_ups_with_one_address_make_one_account():
    UserFactory(email="someone@example.ng")  # warm the connection setup; unrelated row
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def attempt(index):
        try:
            barrier.wait()
            client = APIClient()
            email = "Twins@Example.ng" if index % 2 else "twins@example.ng"
            statuses.append(register(client, email=email).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
    assert User.objects.filter(email="twins@example.ng").count() == 1
