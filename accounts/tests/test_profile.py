import pytest

from accounts.models import Role, User
from accounts.tests.conftest import assert_envelope

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/profile"
PRIVATE_KEYS = {
    "id",
    "name",
    "bio",
    "location",
    "avatar_url",
    "role",
    "is_verified",
    "created_at",
    "stats",
    "email",
    "diary_privacy",
}


def test_profile_is_the_private_user(auth_client, user):
    response = auth_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PRIVATE_KEYS
    assert (body["id"], body["email"]) == (str(user.pk), user.email)
    assert set(body["stats"]) == {
        "total_reviews",
        "average_rating",
        "followers_count",
        "following_count",
        "movies_watched",
    }


def test_profile_needs_a_signed_in_caller(api_client):
    for method in ("get", "put", "patch"):
        assert_envelope(getattr(api_client, method)(URL, {}, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("method", ["put", "patch"])
def test_profile_update_changes_the_four_fields_and_accepts_partial_bodies(auth_client, user, method):
    response = getattr(auth_client, method)(URL, {"bio": "Nollywood since the VHS days."}, format="json")
    assert response.status_code == 200
    assert response.json()["bio"] == "Nollywood since the VHS days."

    body = {"name": "Genevieve N.", "location": "Enugu", "avatar_url": "https://cdn.example.ng/g.webp"}
    response = getattr(auth_client, method)(URL, body, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.name, user.location, user.avatar_url, user.bio) == (
        "Genevieve N.",
        "Enugu",
        "https://cdn.example.ng/g.webp",
        "Nollywood since the VHS days.",
    )


def test_profile_sets_the_diary_privacy(auth_client, user):
    response = auth_client.patch(URL, {"diary_privacy": "followers"}, format="json")
    assert response.status_code == 200
    assert response.json()["diary_privacy"] == "followers"
    user.refresh_from_db()
    assert user.diary_privacy == "followers"
    response = auth_client.patch(URL, {"diary_privacy": "friends"}, format="json")
    assert_envelope(response, 400, "validation_error")


def test_privileged_fields_are_ignored(auth_client, user):
    before_email = user.email
    response = auth_client.patch(
        URL,
        {
            "name": "Still me",
            "role": Role.ADMIN,
            "email": "new@example.ng",
            "is_verified": False,
            "is_active": False,
            "is_superuser": True,
            "id": "00000000-0000-0000-0000-000000000000",
            "review_count": 500,
            "followers_count": 10_000,
            "login_attempts": 99,
            "password": "Changed-here-1234",
        },
        format="json",
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.name == "Still me"
    assert (user.role, user.email, user.is_verified, user.is_active, user.is_superuser) == (
        Role.USER,
        before_email,
        True,
        True,
        False,
    )
    assert (user.review_count, user.followers_count, user.login_attempts) == (0, 0, 0)
    assert not user.check_password("Changed-here-1234")


def test_name_and_bio_lose_control_characters_but_bio_keeps_its_lines(auth_client):
    response = auth_client.patch(
        URL, {"name": "\tTunde\x00 Kelani\u202e ", "bio": "Line one\r\nLine\x07 two\n\tIndented\x1b"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Tunde Kelani"
    assert response.json()["bio"] == "Line one\nLine two\n\tIndented"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": " \x00 "}, "name"),
        ({"name": "N" * 256}, "name"),
        ({"bio": "b" * 2001}, "bio"),
        ({"location": "L" * 256}, "location"),
        ({"avatar_url": "javascript:alert(1)"}, "avatar_url"),
        ({"avatar_url": "ftp://example.ng/a.png"}, "avatar_url"),
        ({"avatar_url": "https://example.ng/" + "a" * 500}, "avatar_url"),
        ({"name": ["not", "a", "string"]}, "name"),
    ],
)
def test_bad_profile_values_are_400(auth_client, user, body, field):
    response = auth_client.patch(URL, body, format="json")
    result = assert_envelope(response, 400, "validation_error")
    assert [d["field"] for d in result["details"]] == [field]
    assert User.objects.get(pk=user.pk).name == user.name


def test_limits_are_inclusive(auth_client):
    response = auth_client.patch(URL, {"name": "N" * 255, "bio": "b" * 2000}, format="json")
    assert response.status_code == 200


def test_blank_optional_fields_clear_them(auth_client, user):
    response = auth_client.patch(URL, {"bio": "", "location": "", "avatar_url": ""}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.bio, user.location, user.avatar_url) == ("", "", "")


@pytest.mark.parametrize("path", [URL, URL + "/"])
def test_profile_with_and_without_trailing_slash(auth_client, path):
    assert auth_client.get(path).status_code == 200
    assert auth_client.patch(path, {"location": "Abuja"}, format="json").status_code == 200


def test_reading_the_profile_is_one_query(auth_client, django_assert_num_queries):
    with django_assert_num_queries(1):  # the authentication's user row; stats are stored counters
        assert auth_client.get(URL).status_code == 200


def test_profile_update_is_two_queries(auth_client, django_assert_num_queries):
    with django_assert_num_queries(2):  # authentication + one UPDATE
        assert auth_client.patch(URL, {"location": "Ibadan"}, format="json").status_code == 200


def test_a_demotion_shows_on_the_next_request(critic_client, critic):
    assert critic_client.get(URL).json()["role"] == "critic"
    User.objects.filter(pk=critic.pk).update(role=Role.USER)
    assert critic_client.get(URL).json()["role"] == "user"
