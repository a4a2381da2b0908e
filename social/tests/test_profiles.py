import uuid

import pytest

from accounts.tests.factories import CriticFactory, UserFactory
from conftest import client_for

pytestmark = pytest.mark.django_db


def _url(user_id) -> str:
    return f"/api/v1/users/{user_id}"


def test_public_profile_has_public_fields_and_stats(api_client):
    critic = CriticFactory(review_count=4, review_rating_sum=30, followers_count=7, following_count=2, movies_watched=5)
    response = api_client.get(_url(critic.pk))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "name", "bio", "location", "avatar_url", "role", "is_verified", "created_at", "stats"}
    assert body["id"] == str(critic.pk)
    assert body["role"] == "critic"
    assert body["stats"] == {
        "total_reviews": 4,
        "average_rating": 7.5,
        "followers_count": 7,
        "following_count": 2,
        "movies_watched": 5,  # films logged or reviewed (diary.services keeps it)
    }


def test_public_profile_never_contains_the_email_even_for_its_owner(user):
    for client in (client_for(None), client_for(user)):
        response = client.get(_url(user.pk))
        assert response.status_code == 200
        raw = response.content.decode()
        assert user.email not in raw
        assert user.email.split("@")[0] not in raw
        assert "email" not in response.json()


def test_public_profile_works_with_and_without_trailing_slash(api_client, user):
    assert api_client.get(_url(user.pk)).status_code == 200
    assert api_client.get(_url(user.pk) + "/").status_code == 200


def test_suspended_user_is_404(api_client):
    suspended = UserFactory(is_active=False)
    response = api_client.get(_url(suspended.pk))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert suspended.email not in response.content.decode()


@pytest.mark.parametrize("bad_id", [uuid.uuid4(), "not-a-uuid", "------------------------------------", "12345"])
def test_unknown_or_malformed_user_id_is_404_envelope(api_client, bad_id):
    response = api_client.get(_url(bad_id))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_public_profile_costs_one_query(api_client, user, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert api_client.get(_url(user.pk)).status_code == 200
