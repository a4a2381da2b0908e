"""Refresh, logout, suspension-ready authentication and the four simplejwt traps."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import checks
from accounts.models import Role, User
from accounts.services import user_revoke_refresh_tokens
from accounts.tests.conftest import assert_envelope, bearer, claims, sign_in
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PROFILE = "/api/v1/users/profile"


def refresh(token: str):
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


# --- refresh ----------------------------------------------------------------------------------


def test_refresh_rotates_and_the_old_token_is_dead(user):
    session = sign_in(user)
    first = refresh(session["refresh"])
    assert first.status_code == 200, first.content
    assert set(first.json()) == {"access", "refresh", "access_expires_at", "refresh_expires_at", "user"}

    assert_envelope(refresh(session["refresh"]), 401, "authentication_failed")
    assert refresh(first.json()["refresh"]).status_code == 200
    assert bearer(first.json()["access"]).get(PROFILE).status_code == 200


def test_refresh_answers_the_user_and_when_each_token_expires(user):
    session = sign_in(user)
    body = refresh(session["refresh"]).json()
    assert body["user"]["id"] == str(user.pk) and body["user"]["email"] == user.email
    for kind in ("access", "refresh"):
        expires = datetime.fromisoformat(body[f"{kind}_expires_at"].replace("Z", "+00:00"))
        assert int(expires.timestamp()) == claims(body[kind])["exp"]
    assert body["access_expires_at"].endswith("Z")


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register"])
def test_sign_in_answers_say_when_each_token_expires(path):
    body = {"email": "expiry@example.com", "password": "Lemon-n-pie-2026!", "name": "Ada Expiry"}
    if path.endswith("login"):
        UserFactory(email=body["email"], password=body["password"])
    answer = APIClient().post(path, body, format="json").json()
    access_exp = datetime.fromisoformat(answer["access_expires_at"].replace("Z", "+00:00"))
    refresh_exp = datetime.fromisoformat(answer["refresh_expires_at"].replace("Z", "+00:00"))
    assert int(access_exp.timestamp()) == claims(answer["access"])["exp"]
    assert int(refresh_exp.timestamp()) == claims(answer["refresh"])["exp"]
    assert timedelta(minutes=14) < access_exp - datetime.now(UTC) <= timedelta(minutes=15)


def test_rotation_keeps_the_session_and_refreshes_the_claims_from_the_row(user):
    session = sign_in(user)
    User.objects.filter(pk=user.pk).update(role=Role.CRITIC)
    rotated = refresh(session["refresh"]).json()

    old, new = claims(session["refresh"]), claims(rotated["refresh"])
    assert new["sid"] == old["sid"] and new["auth_time"] == old["auth_time"] and new["jti"] != old["jti"]
    assert claims(rotated["access"])["role"] == "critic"


def test_bad_refresh_tokens_are_401(user):
    session = sign_in(user)
    assert_envelope(refresh("not.a.jwt"), 401, "authentication_failed")
    assert_envelope(refresh(session["access"]), 401, "authentication_failed")  # wrong type
    tampered = session["refresh"][:-3] + ("abc" if not session["refresh"].endswith("abc") else "xyz")
    assert_envelope(refresh(tampered), 401, "authentication_failed")
    body = assert_envelope(APIClient().post(REFRESH, {}, format="json"), 400, "validation_error")
    assert body["details"][0]["field"] == "refresh"


def test_refresh_of_a_deleted_user_is_401_not_500(user):
    session = sign_in(user)
    user.delete()
    assert_envelope(refresh(session["refresh"]), 401, "authentication_failed")


def test_refresh_of_a_suspended_user_is_401(user):
    session = sign_in(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_envelope(refresh(session["refresh"]), 401, "authentication_failed")


def test_refresh_token_expires_after_seven_days(user, clock):
    session = sign_in(user)
    clock.shift(timedelta(days=7, seconds=1))
    assert refresh(session["refresh"]).status_code == 401


def test_rotation_cannot_keep_a_session_alive_past_its_absolute_lifetime(user, clock, settings):
    settings.AUTH_SESSION_MAX_AGE = timedelta(days=10)
    token = sign_in(user)["refresh"]
    clock.shift(timedelta(days=6))
    token = refresh(token).json()["refresh"]
    assert claims(token)["exp"] == claims(token)["auth_time"] + 10 * 86400  # capped, not 6 + 7 days
    clock.shift(timedelta(days=4, seconds=1))
    assert refresh(token).status_code == 401


def test_access_token_expires_after_fifteen_minutes(user, clock):
    client = bearer(sign_in(user)["access"])
    clock.shift(timedelta(minutes=14, seconds=59))
    assert client.get(PROFILE).status_code == 200
    clock.shift(timedelta(seconds=2))
    assert_envelope(client.get(PROFILE), 401, "authentication_failed")


def test_a_refresh_token_is_not_an_access_token(user):
    assert_envelope(bearer(sign_in(user)["refresh"]).get(PROFILE), 401, "authentication_failed")


PARALLEL_REFRESHES = 10  # OWASP abuse case of issue 10: ten at once yield one new pair


@pytest.mark.django_db(transaction=True)
def test_the_same_refresh_token_sent_in_parallel_yields_one_new_pair():
    user = UserFactory()
    token = sign_in(user)["refresh"]
    before = OutstandingToken.objects.count()
    barrier = threading.Barrier(PARALLEL_REFRESHES)
    results: list[int] = []

    def attempt():
        try:
            barrier.wait()
            results.append(refresh(token).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(PARALLEL_REFRESHES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [200] + [401] * (PARALLEL_REFRESHES - 1)
    assert OutstandingToken.objects.count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_refresh_racing_a_revocation_never_leaves_a_live_token():
    for _ in range(5):
        user = UserFactory()
        token = sign_in(user)["refresh"]
        barrier = threading.Barrier(2)
        answers: list = []

        def rotate(token=token, answers=answers, barrier=barrier):
            try:
                barrier.wait()
                answers.append(refresh(token))
            finally:
                connection.close()

        def revoke(user=user, barrier=barrier):
            try:
                barrier.wait()
                user_revoke_refresh_tokens(user=User.objects.get(pk=user.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=rotate), threading.Thread(target=revoke)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
        assert not live.exists()
        if answers[0].status_code == 200:
            assert refresh(answers[0].json()["refresh"]).status_code == 401
            assert bearer(answers[0].json()["access"]).get(PROFILE).status_code == 401


# --- logout -----------------------------------------------------------------------------------


def test_logout_revokes_the_refresh_token_and_the_sessions_access_tokens(user):
    session, other = sign_in(user), sign_in(user)
    client = bearer(session["access"])

    response = client.post(LOGOUT, {"refresh": session["refresh"]}, format="json")

    assert response.status_code == 204
    assert_envelope(refresh(session["refresh"]), 401, "authentication_failed")
    assert_envelope(client.get(PROFILE), 401, "authentication_failed")
    # Another session of the same user is untouched.
    assert bearer(other["access"]).get(PROFILE).status_code == 200
    assert refresh(other["refresh"]).status_code == 200


def test_logout_with_an_older_token_of_the_session_ends_its_newest_token_too(user):
    session = sign_in(user)
    rotated = refresh(session["refresh"]).json()
    client = bearer(rotated["access"])

    # The client sends the token it started with (already rotated away): the session still ends.
    assert client.post(LOGOUT, {"refresh": session["refresh"]}, format="json").status_code == 204
    assert_envelope(refresh(rotated["refresh"]), 401, "authentication_failed")
    assert_envelope(client.get(PROFILE), 401, "authentication_failed")


def test_logout_is_idempotent(user):
    session = sign_in(user)
    other_client = bearer(sign_in(user)["access"])
    assert other_client.post(LOGOUT, {"refresh": session["refresh"]}, format="json").status_code == 204
    assert other_client.post(LOGOUT, {"refresh": session["refresh"]}, format="json").status_code == 204


def test_logout_needs_a_signed_in_caller(user):
    session = sign_in(user)
    assert_envelope(APIClient().post(LOGOUT, {"refresh": session["refresh"]}, format="json"), 401, "not_authenticated")


def test_logout_with_another_users_refresh_token_is_403(user, other_user):
    theirs = sign_in(other_user)
    client = bearer(sign_in(user)["access"])
    assert_envelope(client.post(LOGOUT, {"refresh": theirs["refresh"]}, format="json"), 403, "permission_denied")
    assert refresh(theirs["refresh"]).status_code == 200


def test_logout_with_a_bad_token_is_401_or_400(user):
    session = sign_in(user)
    client = bearer(session["access"])
    assert_envelope(client.post(LOGOUT, {"refresh": "nope"}, format="json"), 401, "authentication_failed")
    assert_envelope(client.post(LOGOUT, {"refresh": session["access"]}, format="json"), 401, "authentication_failed")
    assert_envelope(client.post(LOGOUT, {}, format="json"), 400, "validation_error")


# --- authentication reads the row -------------------------------------------------------------


def test_a_deactivated_users_live_access_token_is_refused_on_the_next_request(user):
    client = bearer(sign_in(user)["access"])
    assert client.get(PROFILE).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_envelope(client.get(PROFILE), 401, "authentication_failed")


def test_a_deleted_users_access_token_is_401(user):
    client = bearer(sign_in(user)["access"])
    user.delete()
    assert_envelope(client.get(PROFILE), 401, "authentication_failed")


def test_authentication_is_one_query(user, django_assert_num_queries):
    client = bearer(sign_in(user)["access"])
    with django_assert_num_queries(1):
        assert client.get(PROFILE).status_code == 200


def test_tokens_minted_by_simplejwt_directly_still_authenticate(user, auth_client):
    assert auth_client.get(PROFILE).status_code == 200


# --- user_revoke_refresh_tokens (used by reset, change-password and suspension) ---------------


def test_revoke_blacklists_every_live_refresh_token_and_ends_access_tokens(user, other_user):
    sessions = [sign_in(user) for _ in range(3)]
    legacy = RefreshToken.for_user(user)  # minted without our claims
    spent = sign_in(user)
    refresh(spent["refresh"])  # the rotated-away token is blacklisted already
    theirs = sign_in(other_user)

    revoked = user_revoke_refresh_tokens(user=user)

    assert revoked == 5  # three sessions, the legacy token, the rotated token of `spent`
    for session in sessions:
        assert refresh(session["refresh"]).status_code == 401
        assert bearer(session["access"]).get(PROFILE).status_code == 401
    assert refresh(str(legacy)).status_code == 401
    assert bearer(str(legacy.access_token)).get(PROFILE).status_code == 401
    assert refresh(theirs["refresh"]).status_code == 200
    assert user_revoke_refresh_tokens(user=user) == 0
    assert sign_in(user)  # a new sign-in works


def test_revoke_keeping_one_session(user):
    kept, gone = sign_in(user), sign_in(user)
    sid = claims(kept["access"])["sid"]

    assert user_revoke_refresh_tokens(user=user, keep_session=sid) == 1

    assert bearer(kept["access"]).get(PROFILE).status_code == 200
    assert refresh(kept["refresh"]).status_code == 200
    assert bearer(gone["access"]).get(PROFILE).status_code == 401
    assert refresh(gone["refresh"]).status_code == 401


def test_revoke_skips_expired_tokens(user, clock):
    sign_in(user)
    clock.shift(timedelta(days=8))
    assert user_revoke_refresh_tokens(user=user) == 0


def test_a_suspended_and_revoked_user_can_sign_in_again_once_reactivated(user):
    old = sign_in(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    user_revoke_refresh_tokens(user=user)
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert bearer(old["access"]).get(PROFILE).status_code == 401
    assert refresh(old["refresh"]).status_code == 401
    assert bearer(sign_in(user)["access"]).get(PROFILE).status_code == 200


# --- the blacklist app is really installed and migrated ----------------------------------------


def test_token_blacklist_is_installed_concrete_and_migrated():
    assert apps.is_installed("rest_framework_simplejwt.token_blacklist")
    assert not BlacklistedToken._meta.abstract and not OutstandingToken._meta.abstract
    tables = set(connection.introspection.table_names())
    assert {"token_blacklist_outstandingtoken", "token_blacklist_blacklistedtoken"} <= tables
    call_command("check", fail_level="ERROR")
    with connection.cursor() as cursor:  # the migrations really ran: the blacklist is queryable
        cursor.execute("SELECT count(*) FROM token_blacklist_blacklistedtoken")


def test_checks_flag_a_missing_blacklist_app_and_wrong_settings(monkeypatch):
    class Fake:
        INSTALLED_APPS = ["rest_framework_simplejwt"]
        SIMPLE_JWT = {"ROTATE_REFRESH_TOKENS": True, "BLACKLIST_AFTER_ROTATION": False}
        REST_FRAMEWORK = {
            "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"]
        }

    monkeypatch.setattr(checks, "settings", Fake)
    assert {error.id for error in checks.check_token_revocation()} == {
        "accounts.E001",
        "accounts.E002",
        "accounts.E003",
    }


@pytest.mark.parametrize(
    ("key", "flagged"),
    [
        ("short-key", True),
        ("a" * 64, True),  # long but one character over and over
        ("Zx8-pQ2_mN7rT4vW9yB1cD6fG3hJ5kL0", False),  # 32 varied characters
    ],
)
def test_deploy_check_flags_a_weak_jwt_signing_key(monkeypatch, key, flagged):
    class Fake:
        SIMPLE_JWT = {"ALGORITHM": "HS256", "SIGNING_KEY": key}

    monkeypatch.setattr(checks, "settings", Fake)
    assert [w.id for w in checks.check_signing_key_strength()] == (["accounts.W001"] if flagged else [])


def test_the_signing_key_check_runs_with_check_deploy():
    from django.core.checks import registry

    assert checks.check_signing_key_strength in registry.registry.get_checks(include_deployment_checks=True)
    assert checks.check_signing_key_strength not in registry.registry.get_checks(include_deployment_checks=False)
