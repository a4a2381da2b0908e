from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.tests.conftest import bearer, sign_in
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_user_changelist")


@pytest.fixture
def admin_web(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_changelist_lists_users_and_searches_email_and_name(admin_web):
    UserFactory(email="kunle.afolayan@example.ng", name="Kunle Afolayan")
    UserFactory(email="someone@example.ng", name="Omoni Oboli")

    response = admin_web.get(CHANGELIST, {"q": "afolayan"})
    assert response.status_code == 200
    assert "kunle.afolayan@example.ng" in response.text and "someone@example.ng" not in response.text

    response = admin_web.get(CHANGELIST, {"q": "Oboli"})
    assert "someone@example.ng" in response.text and "kunle.afolayan@example.ng" not in response.text


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"role__exact": "critic"}, "critic@example.ng", "plain@example.ng"),
        ({"is_active__exact": "0"}, "gone@example.ng", "plain@example.ng"),
        ({"is_verified__exact": "0"}, "unverified@example.ng", "plain@example.ng"),
        ({"locked": "yes"}, "locked@example.ng", "plain@example.ng"),
    ],
)
def test_changelist_filters(admin_web, params, shown, hidden):
    UserFactory(email="plain@example.ng")
    UserFactory(email="critic@example.ng", role=Role.CRITIC)
    UserFactory(email="gone@example.ng", is_active=False)
    UserFactory(email="unverified@example.ng", is_verified=False)
    UserFactory(email="locked@example.ng", locked_until=timezone.now() + timedelta(minutes=5))

    response = admin_web.get(CHANGELIST, params)
    assert response.status_code == 200
    assert shown in response.text and hidden not in response.text


def test_change_page_and_add_page_render(admin_web, user):
    assert admin_web.get(reverse("admin:accounts_user_change", args=[user.pk])).status_code == 200
    assert admin_web.get(reverse("admin:accounts_user_add")).status_code == 200


def test_adding_a_user_hashes_the_password_and_lowercases_the_email(admin_web):
    response = admin_web.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Critic@Example.NG",
            "name": "New Critic",
            "role": "critic",
            "password1": "Amala-ewedu-gbegiri-1",
            "password2": "Amala-ewedu-gbegiri-1",
        },
    )
    assert response.status_code == 302, response.content
    created = User.objects.get(email="new.critic@example.ng")
    assert created.role == Role.CRITIC and created.check_password("Amala-ewedu-gbegiri-1")


def test_adding_a_duplicate_email_in_another_case_is_refused(admin_web, user):
    response = admin_web.post(
        reverse("admin:accounts_user_add"),
        {
            "email": user.email.upper(),
            "name": "Dup",
            "role": "user",
            "password1": "Amala-ewedu-gbegiri-1",
            "password2": "Amala-ewedu-gbegiri-1",
        },
    )
    assert response.status_code == 200  # the form again, with an error
    assert User.objects.filter(email__iexact=user.email).count() == 1


def _change_form_data(user, **overrides):
    data = {
        "email": user.email,
        "name": user.name,
        "bio": user.bio,
        "location": user.location,
        "avatar_url": user.avatar_url,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        "is_verified": "on" if user.is_verified else "",
        "locked_until_0": "",
        "locked_until_1": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != "" or key.startswith("locked") or key == "bio"}


def test_deactivating_in_the_admin_ends_every_session_at_once(admin_web, user):
    session = sign_in(user)
    response = admin_web.post(
        reverse("admin:accounts_user_change", args=[user.pk]), _change_form_data(user, is_active="")
    )
    assert response.status_code == 302, response.content
    user.refresh_from_db()
    assert not user.is_active
    assert bearer(session["access"]).get("/api/v1/users/profile").status_code == 401
    assert bearer(session["access"]).post("/api/v1/auth/refresh", {"refresh": session["refresh"]}).status_code == 401


def test_setting_a_password_in_the_admin_ends_every_session(admin_web, user):
    session = sign_in(user)
    url = reverse("admin:auth_user_password_change", args=[user.pk])  # the name Django gives it
    response = admin_web.post(url, {"password1": "Set-by-the-admin-99", "password2": "Set-by-the-admin-99"})
    assert response.status_code == 302, response.content
    assert bearer(session["access"]).get("/api/v1/users/profile").status_code == 401


def test_unlock_and_sign_out_actions(admin_web, user):
    User.objects.filter(pk=user.pk).update(login_attempts=5, locked_until=timezone.now() + timedelta(minutes=10))
    response = admin_web.post(CHANGELIST, {"action": "unlock_accounts", "_selected_action": [str(user.pk)]})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.login_attempts, user.locked_until) == (0, None)

    session = sign_in(user)
    admin_web.post(CHANGELIST, {"action": "end_all_sessions", "_selected_action": [str(user.pk)]})
    assert bearer(session["access"]).get("/api/v1/users/profile").status_code == 401


def test_admin_sign_in_shares_the_lockout(admin_user):
    client = Client()
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": admin_user.email, "password": "wrong-password-1"})
    admin_user.refresh_from_db()
    assert admin_user.locked_until is not None

    client.post(url, {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert client.get(CHANGELIST).status_code == 302  # still signed out: sent to the login page


def test_admin_sign_in_works_with_the_right_password(admin_user):
    client = Client()
    response = client.post(reverse("admin:login"), {"username": admin_user.email.upper(), "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.get(CHANGELIST).status_code == 200


def test_plain_users_cannot_reach_the_user_admin(user):
    client = Client()
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 302
