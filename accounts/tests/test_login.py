import threading
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.conftest import assert_envelope, claims, login
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "definitely-not-it-77"


def wipe(cache):
    """Empty one cache alias only (with Redis both aliases share a database: no FLUSHDB)."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


def fail(client, user, times: int, **extra):
    for _ in range(times):
        assert login(client, user.email, WRONG, **extra).status_code == 401


def test_login_answers_tokens_and_the_private_user(api_client, user):
    response = login(api_client, user.email)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh", "access_expires_at", "refresh_expires_at", "user"}
    assert body["user"]["id"] == str(user.pk) and body["user"]["email"] == user.email
    user.refresh_from_db()
    assert user.last_login is not None


def test_access_token_carries_the_documented_claims(api_client, user):
    body = login(api_client, user.email).json()
    access, refresh = claims(body["access"]), claims(body["refresh"])

    assert {"sub", "email", "role", "exp", "iat", "jti", "token_type"} <= set(access)
    assert access["sub"] == str(user.pk)
    assert (access["email"], access["role"], access["token_type"]) == (user.email, "user", "access")
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["token_type"] == "refresh" and refresh["exp"] - refresh["iat"] == 7 * 86400
    assert access["jti"] != refresh["jti"] and access["sid"] == refresh["sid"]


def test_login_email_is_case_insensitive(api_client, user):
    assert login(api_client, user.email.upper()).status_code == 200


def test_wrong_password_and_unknown_email_answer_alike(api_client, user):
    wrong = assert_envelope(login(api_client, user.email, WRONG), 401, "authentication_failed")
    unknown = assert_envelope(login(api_client, "nobody@example.ng", WRONG), 401, "authentication_failed")
    assert wrong["message"] == unknown["message"] == "Invalid email or password."


def test_malformed_login_body_is_400(api_client):
    body = assert_envelope(
        api_client.post("/api/v1/auth/login", {"email": "x"}, format="json"), 400, "validation_error"
    )
    assert {d["field"] for d in body["details"]} == {"email", "password"}


def test_five_failures_lock_the_account_whatever_the_password(api_client, user):
    fail(api_client, user, 5)

    user.refresh_from_db()
    assert user.login_attempts == 5 and user.locked_until is not None
    for password in (WRONG, DEFAULT_PASSWORD):
        response = login(api_client, user.email, password)
        assert_envelope(response, 403, "account_locked")
        assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60


def test_lockout_ends_after_fifteen_minutes(api_client, user, clock):
    fail(api_client, user, 5)
    clock.shift(timedelta(minutes=14, seconds=59))
    assert login(api_client, user.email).status_code == 403
    clock.shift(timedelta(seconds=2))

    assert login(api_client, user.email).status_code == 200
    user.refresh_from_db()
    assert (user.login_attempts, user.locked_until) == (0, None)


def test_after_a_lock_runs_out_the_count_starts_afresh(api_client, user, clock):
    fail(api_client, user, 5)
    clock.shift(timedelta(minutes=16))
    fail(api_client, user, 1)

    user.refresh_from_db()
    assert (user.login_attempts, user.locked_until) == (1, None)
    assert login(api_client, user.email).status_code == 200


def test_a_success_resets_the_failure_counter(api_client, user):
    fail(api_client, user, 4)
    assert login(api_client, user.email).status_code == 200
    fail(api_client, user, 4)

    user.refresh_from_db()
    assert user.login_attempts == 4 and user.locked_until is None
    assert login(api_client, user.email).status_code == 200


def test_lockout_is_per_account(api_client, user, other_user):
    fail(api_client, user, 5)
    assert login(api_client, other_user.email).status_code == 200


def test_suspended_account_with_the_right_password_is_403_account_suspended(api_client, user):
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_envelope(login(api_client, user.email), 403, "account_suspended")
    # Without the password nobody learns that the account is suspended.
    assert_envelope(login(api_client, user.email, WRONG), 401, "authentication_failed")


def test_stale_authorization_header_does_not_break_login(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert login(api_client, user.email).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/login/"])
def test_login_with_and_without_trailing_slash(api_client, user, path):
    response = api_client.post(path, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 200


def test_password_hash_is_upgraded_to_argon2_on_sign_in(api_client, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    from django.contrib.auth.hashers import make_password

    user = UserFactory()
    User.objects.filter(pk=user.pk).update(password=make_password(DEFAULT_PASSWORD, hasher="md5"))
    assert login(api_client, user.email).status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2$") and user.check_password(DEFAULT_PASSWORD)


def test_argon2_is_the_configured_hasher():
    from django.conf import settings as django_settings

    # The suite itself runs with MD5 for speed (root conftest); production hashes with Argon2.
    from lemonnpie import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert django_settings.AUTH_PASSWORD_VALIDATORS == project_settings.AUTH_PASSWORD_VALIDATORS


@pytest.mark.django_db(transaction=True)
def test_parallel_failures_are_all_counted_and_lock_exactly_once():
    user = UserFactory()
    barrier = threading.Barrier(5)
    statuses: list[int] = []

    def attempt():
        try:
            barrier.wait()
            statuses.append(login(APIClient(), user.email, WRONG).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    user.refresh_from_db()
    assert statuses == [401] * 5
    assert user.login_attempts == 5 and user.locked_until is not None


# --- the per-address login_failures throttle -------------------------------------------------


def test_failed_logins_from_one_address_are_throttled_with_retry_after(api_client, user, throttle_rates, clock):
    throttle_rates(login_failures="3/5min")
    for index in range(3):  # spraying different accounts: no account lock is involved
        assert login(api_client, f"spray{index}@example.ng", WRONG).status_code == 401

    response = login(api_client, user.email)  # even the right password
    assert_envelope(response, 429, "throttled")
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 5 * 60

    clock.shift(timedelta(seconds=wait - 2))
    assert login(api_client, user.email).status_code == 429
    clock.shift(timedelta(seconds=3))
    assert login(api_client, user.email).status_code == 200


def test_default_login_failures_rate_is_twenty_per_five_minutes(api_client, user, clock):
    for index in range(20):
        assert login(api_client, f"spray{index}@example.ng", WRONG).status_code == 401
    assert login(api_client, user.email).status_code == 429


def test_successful_logins_do_not_count_towards_the_throttle(api_client, user, throttle_rates):
    throttle_rates(login_failures="2/5min")
    for _ in range(5):
        assert login(api_client, user.email).status_code == 200


def test_locked_and_invalid_requests_do_not_count_as_failures(api_client, user, other_user, throttle_rates):
    throttle_rates(login_failures="6/5min")
    fail(api_client, user, 5)
    for _ in range(3):
        assert login(api_client, user.email).status_code == 403
        assert api_client.post("/api/v1/auth/login", {"email": "bad"}, format="json").status_code == 400
    assert login(api_client, other_user.email).status_code == 200


def test_spoofed_x_forwarded_for_cannot_dodge_the_throttle(api_client, user, throttle_rates, settings):
    throttle_rates(login_failures="3/5min")
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    for index in range(3):
        response = login(api_client, f"spray{index}@example.ng", WRONG, HTTP_X_FORWARDED_FOR=f"10.0.0.{index}")
        assert response.status_code == 401
    assert login(api_client, user.email, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_behind_one_proxy_each_client_address_has_its_own_budget(api_client, user, throttle_rates, settings):
    throttle_rates(login_failures="3/5min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for index in range(3):
        login(api_client, f"spray{index}@example.ng", WRONG, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert login(api_client, user.email, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert login(api_client, user.email, HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 200
    # A client cannot prepend addresses: the proxy's own (last) entry is the one that counts.
    assert login(api_client, user.email, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7").status_code == 429


def test_throttle_state_lives_in_the_security_cache(api_client, user, throttle_rates):
    throttle_rates(login_failures="2/5min")
    for index in range(2):
        login(api_client, f"spray{index}@example.ng", WRONG)
    wipe(caches["default"])
    assert login(api_client, user.email).status_code == 429
    wipe(caches["security"])
    assert login(api_client, user.email).status_code == 200


def test_unreachable_security_cache_fails_closed_with_503(api_client, user, settings):
    settings.CACHES = {
        **settings.CACHES,
        "security": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
    }
    response = login(api_client, user.email)
    assert_envelope(response, 503, "service_unavailable")
    assert response["Retry-After"] == "5"
