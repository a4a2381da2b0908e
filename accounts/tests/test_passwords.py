import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from accounts.tests.conftest import TOKEN_SEGMENT, assert_envelope, bearer, claims, link_token, login, sign_in
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tokens import password_reset_token

pytestmark = pytest.mark.django_db

FORGOT = "/api/v1/auth/forgot-password"
RESET = "/api/v1/auth/reset-password"
CHANGE = "/api/v1/auth/change-password"
PROFILE = "/api/v1/users/profile"
NEW = "Egusi-with-pounded-yam-7"


def forgot(client, email, capture):
    """POST forgot-password; returns the answer and the after-commit jobs the request itself queued
    (then runs them, and whatever they queue in turn, as a commit would)."""
    with capture(execute=False) as queued:
        response = client.post(FORGOT, {"email": email}, format="json")
    jobs = list(queued)
    with capture(execute=True):
        for job in jobs:
            job()
    return response, jobs


def reset(client, token, password=NEW):
    return client.post(RESET, {"token": token, "password": password}, format="json")


@pytest.fixture
def reset_link(api_client, user, django_capture_on_commit_callbacks):
    """The token of a reset mail requested for `user` through the API."""
    response, _ = forgot(api_client, user.email, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    return link_token("reset-password")


# --- forgot-password ---------------------------------------------------------------------------


def test_forgot_password_answers_alike_for_known_and_unknown_addresses(
    api_client, user, django_capture_on_commit_callbacks, settings
):
    settings.FRONTEND_URL = "https://lemonnpie.ng"
    known, known_jobs = forgot(api_client, user.email, django_capture_on_commit_callbacks)
    unknown, unknown_jobs = forgot(api_client, "nobody@example.ng", django_capture_on_commit_callbacks)

    assert known.status_code == unknown.status_code == 202
    strip = lambda body: {k: v for k, v in body.items() if k != "timestamp"}  # noqa: E731
    assert strip(known.json()) == strip(unknown.json())
    # The request does the same work either way: one queued job; the job decides who gets mail.
    assert len(known_jobs) == len(unknown_jobs) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert mail.outbox[0].body.count("https://lemonnpie.ng/reset-password/") == 1
    assert TOKEN_SEGMENT.match(link_token("reset-password"))


def test_forgot_password_with_a_differently_cased_address_mails_the_account(
    api_client, user, django_capture_on_commit_callbacks
):
    forgot(api_client, user.email.upper(), django_capture_on_commit_callbacks)
    assert mail.outbox[0].to == [user.email]


def test_forgot_password_mails_nobody_for_a_suspended_account(api_client, django_capture_on_commit_callbacks):
    user = UserFactory(is_active=False)
    response, _ = forgot(api_client, user.email, django_capture_on_commit_callbacks)
    assert response.status_code == 202 and mail.outbox == []


def test_forgot_password_validates_the_address(api_client):
    body = assert_envelope(api_client.post(FORGOT, {"email": "nope"}, format="json"), 400, "validation_error")
    assert body["details"][0]["field"] == "email"


def test_one_address_gets_at_most_five_reset_mails_an_hour(
    api_client, user, throttle_rates, django_capture_on_commit_callbacks, clock
):
    throttle_rates(auth="100/min")
    for _ in range(7):
        forgot(api_client, user.email, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 5
    clock.shift(timedelta(hours=2))
    forgot(api_client, user.email, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 6


def test_forgot_password_uses_the_auth_throttle(api_client, throttle_rates):
    throttle_rates(auth="1/min")
    assert api_client.post(FORGOT, {"email": "a@example.ng"}, format="json").status_code == 202
    assert_envelope(api_client.post(FORGOT, {"email": "b@example.ng"}, format="json"), 429, "throttled")


# --- reset-password ----------------------------------------------------------------------------


def test_the_reset_link_from_the_mail_sets_the_password_once(api_client, user, reset_link):
    assert reset(api_client, reset_link).status_code == 204

    assert login(APIClient(), user.email, NEW).status_code == 200
    assert login(APIClient(), user.email, DEFAULT_PASSWORD).status_code == 401
    body = assert_envelope(reset(api_client, reset_link, "Another-fine-password-8"), 400, "validation_error")
    assert body["details"][0]["field"] == "token"


def test_reset_revokes_every_session(api_client, user, django_capture_on_commit_callbacks):
    sessions = [sign_in(user), sign_in(user)]
    forgot(api_client, user.email, django_capture_on_commit_callbacks)
    # Signing in again (above) happened before the request, so the link is fresh.
    assert reset(api_client, link_token("reset-password")).status_code == 204

    for session in sessions:
        assert_envelope(
            api_client.post("/api/v1/auth/refresh", {"refresh": session["refresh"]}, format="json"),
            401,
            "authentication_failed",
        )
        assert bearer(session["access"]).get(PROFILE).status_code == 401


def test_reset_link_expires_after_one_hour(api_client, user, reset_link, clock):
    clock.shift(timedelta(minutes=60, seconds=1))
    assert_envelope(reset(api_client, reset_link), 400, "validation_error")
    assert login(api_client, user.email).status_code == 200


def test_reset_link_dies_after_a_password_change(api_client, user, reset_link):
    # Through the service, not a sign-in: a sign-in alone would already invalidate the link.
    services.user_change_password(
        user=user, old_password=DEFAULT_PASSWORD, new_password="Zobo-and-chin-chin-3", keep_session=None
    )
    assert_envelope(reset(api_client, reset_link), 400, "validation_error")


def test_reset_link_dies_after_a_new_sign_in(api_client, user, reset_link):
    sign_in(user)
    assert_envelope(reset(api_client, reset_link), 400, "validation_error")


def test_reset_link_dies_after_a_password_set_elsewhere(api_client, user):
    token = password_reset_token.make(user)
    user.set_password("Set-by-an-admin-123")
    user.save(update_fields=["password"])
    assert_envelope(reset(api_client, token), 400, "validation_error")


def test_reset_lifts_a_lockout_and_marks_the_address_verified(api_client, django_capture_on_commit_callbacks):
    user = UserFactory(is_verified=False)
    for _ in range(5):
        login(api_client, user.email, "wrong-password-1")
    assert login(api_client, user.email, DEFAULT_PASSWORD).status_code == 403
    forgot(api_client, user.email, django_capture_on_commit_callbacks)

    assert reset(api_client, link_token("reset-password")).status_code == 204
    user.refresh_from_db()
    assert (user.login_attempts, user.locked_until, user.is_verified) == (0, None, True)
    assert login(api_client, user.email, NEW).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_reset_token_sent_in_parallel_sets_one_password():
    user = UserFactory()
    token = password_reset_token.make(user)
    barrier = threading.Barrier(4)
    results: dict[str, int] = {}

    def attempt(index):
        try:
            barrier.wait()
            password = f"Parallel-password-{index}-x"
            results[password] = reset(APIClient(), token, password).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [password for password, status in results.items() if status == 204]
    assert len(winners) == 1 and sorted(results.values()) == [204, 400, 400, 400]
    user.refresh_from_db()
    assert user.check_password(winners[0])


def test_a_weak_new_password_is_400_and_the_link_stays_usable(api_client, user, reset_link):
    body = assert_envelope(reset(api_client, reset_link, "password123"), 400, "validation_error")
    assert body["details"][0]["field"] == "password"
    body = assert_envelope(reset(api_client, reset_link, user.email), 400, "validation_error")
    assert any("similar" in d["message"] for d in body["details"])
    assert reset(api_client, reset_link).status_code == 204


def test_bad_reset_tokens_are_400(api_client, user):
    good = password_reset_token.make(user)
    tampered = good[:-1] + ("B" if good.endswith("A") else "A")  # a token one character off
    for token in ["nope", "a" * 512, tampered]:
        assert_envelope(reset(api_client, token), 400, "validation_error")
    body = assert_envelope(api_client.post(RESET, {}, format="json"), 400, "validation_error")
    assert {d["field"] for d in body["details"]} == {"token", "password"}


def test_reset_for_a_suspended_account_is_refused(api_client, user):
    token = password_reset_token.make(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_envelope(reset(api_client, token), 400, "validation_error")


def test_reset_mails_a_password_changed_notice(api_client, user, reset_link, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reset(api_client, reset_link)
    assert mail.outbox[-1].subject == "Your LemonNPie password was changed"
    assert mail.outbox[-1].to == [user.email]


def test_the_reset_mail_job_reports_whether_it_mailed(user):
    assert services.password_reset_send(email=user.email.upper()) is True
    assert services.password_reset_send(email="ghost@example.ng") is False


# --- change-password ---------------------------------------------------------------------------


def test_change_password_keeps_this_session_and_ends_the_others(user, django_capture_on_commit_callbacks):
    mine, other = sign_in(user), sign_in(user)
    client = bearer(mine["access"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW}, format="json")

    assert response.status_code == 204, response.content
    assert client.get(PROFILE).status_code == 200
    refreshed = APIClient().post("/api/v1/auth/refresh", {"refresh": mine["refresh"]}, format="json")
    assert refreshed.status_code == 200 and claims(refreshed.json()["access"])["sid"] == claims(mine["access"])["sid"]
    assert bearer(other["access"]).get(PROFILE).status_code == 401
    assert APIClient().post("/api/v1/auth/refresh", {"refresh": other["refresh"]}, format="json").status_code == 401
    assert login(APIClient(), user.email, NEW).status_code == 200
    assert mail.outbox[-1].subject == "Your LemonNPie password was changed"


def test_change_password_with_a_wrong_current_password_is_400_and_counts_towards_the_lockout(user):
    client = bearer(sign_in(user)["access"])
    for _ in range(5):
        response = client.post(CHANGE, {"old_password": "wrong-password-1", "new_password": NEW}, format="json")
        body = assert_envelope(response, 400, "validation_error")
        assert body["details"] == [{"field": "old_password", "message": "Your current password is incorrect."}]

    response = client.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW}, format="json")
    assert_envelope(response, 403, "account_locked")
    assert int(response["Retry-After"]) > 0
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(
    ("new_password", "fragment"),
    [("short", "too short"), ("password123", "too common"), ("12345678901234", "numeric")],
)
def test_change_password_validates_the_new_password(auth_client, new_password, fragment):
    response = auth_client.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": new_password}, format="json")
    body = assert_envelope(response, 400, "validation_error")
    assert any(d["field"] == "new_password" and fragment in d["message"] for d in body["details"])


def test_change_password_to_the_same_password_is_400(auth_client):
    body = assert_envelope(
        auth_client.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": DEFAULT_PASSWORD}, format="json"),
        400,
        "validation_error",
    )
    assert body["details"][0]["field"] == "new_password"


def test_change_password_needs_a_signed_in_caller(api_client):
    response = api_client.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW}, format="json")
    assert_envelope(response, 401, "not_authenticated")


def test_change_password_uses_the_auth_throttle(auth_client, throttle_rates):
    throttle_rates(auth="1/min")
    auth_client.post(CHANGE, {"old_password": "wrong-password-1", "new_password": NEW}, format="json")
    response = auth_client.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW}, format="json")
    assert_envelope(response, 429, "throttled")
