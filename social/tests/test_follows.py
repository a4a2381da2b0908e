import datetime
import uuid

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from lemonnpie.api.exceptions import ApplicationError
from social import services
from social.models import Follow
from social.tests.factories import FollowFactory

pytestmark = pytest.mark.django_db


def _follow_url(user_id) -> str:
    return f"/api/v1/users/{user_id}/follow"


def _counts(user) -> tuple[int, int]:
    user = User.objects.get(pk=user.pk)
    return user.followers_count, user.following_count


# --- services -------------------------------------------------------------------------------


def test_follow_create_inserts_once_and_bumps_both_counters(user, other_user):
    follow, created = services.follow_create(follower=user, following_id=other_user.pk)
    assert created and follow.follower_id == user.pk and follow.following_id == other_user.pk
    again, created_again = services.follow_create(follower=user, following_id=other_user.pk)
    assert not created_again and again.pk == follow.pk
    assert Follow.objects.count() == 1
    assert _counts(user) == (0, 1)
    assert _counts(other_user) == (1, 0)


def test_follow_delete_is_idempotent_and_counts_only_real_deletes(user, other_user):
    services.follow_create(follower=user, following_id=other_user.pk)
    assert services.follow_delete(follower=user, following_id=other_user.pk) is True
    assert services.follow_delete(follower=user, following_id=other_user.pk) is False
    assert _counts(user) == (0, 0)
    assert _counts(other_user) == (0, 0)


def test_following_yourself_is_refused(user):
    with pytest.raises(ApplicationError) as caught:
        services.follow_create(follower=user, following_id=user.pk)
    assert caught.value.status == 400
    assert _counts(user) == (0, 0)


def test_following_a_suspended_user_is_404_but_unfollowing_them_works(user):
    target = UserFactory()
    services.follow_create(follower=user, following_id=target.pk)
    User.objects.filter(pk=target.pk).update(is_active=False)
    with pytest.raises(ApplicationError) as caught:
        services.follow_create(follower=UserFactory(), following_id=target.pk)
    assert caught.value.status == 404
    assert services.follow_delete(follower=user, following_id=target.pk) is True
    assert _counts(user) == (0, 0)


def test_decrement_never_goes_below_zero_on_drifted_counters(user, other_user):
    FollowFactory(follower=user, following=other_user)  # a row the counters never saw
    assert services.follow_delete(follower=user, following_id=other_user.pk) is True
    assert _counts(user) == (0, 0)
    assert _counts(other_user) == (0, 0)


# --- API ------------------------------------------------------------------------------------


def test_follow_answers_201_then_200_with_the_followed_user(auth_client, user, other_user):
    first = auth_client.post(_follow_url(other_user.pk))
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["following"] is True
    assert body["user"]["id"] == str(other_user.pk)
    assert body["user"]["stats"]["followers_count"] == 1
    assert "email" not in body["user"] and other_user.email not in first.content.decode()
    second = auth_client.post(_follow_url(other_user.pk) + "/")
    assert second.status_code == 200
    assert second.json()["followed_at"] == body["followed_at"]
    assert _counts(other_user) == (1, 0)


def test_follow_yourself_is_400_bad_request(auth_client, user):
    response = auth_client.post(_follow_url(user.pk))
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


@pytest.mark.parametrize("method", ["post", "delete"])
def test_follow_unknown_user_is_404(auth_client, method):
    response = getattr(auth_client, method)(_follow_url(uuid.uuid4()))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("method", ["post", "delete"])
def test_follow_anonymous_is_401(api_client, other_user, method):
    response = getattr(api_client, method)(_follow_url(other_user.pk))
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert Follow.objects.count() == 0


def test_unfollow_is_204_even_when_not_following(auth_client, user, other_user):
    auth_client.post(_follow_url(other_user.pk))
    assert auth_client.delete(_follow_url(other_user.pk)).status_code == 204
    assert auth_client.delete(_follow_url(other_user.pk)).status_code == 204
    assert _counts(other_user) == (0, 0)
    assert _counts(user) == (0, 0)


def test_fields_in_the_body_are_ignored(auth_client, user, other_user):
    response = auth_client.post(
        _follow_url(other_user.pk), {"follower": str(other_user.pk), "following": str(user.pk)}, format="json"
    )
    assert response.status_code == 201
    assert Follow.objects.get().follower_id == user.pk


def _make_follows(target, count, *, side):
    now = timezone.now()
    rows = []
    for index in range(count):
        other = UserFactory()
        if side == "followers":
            follow = FollowFactory(follower=other, following=target)
        else:
            follow = FollowFactory(follower=target, following=other)
        Follow.objects.filter(pk=follow.pk).update(created_at=now - datetime.timedelta(minutes=count - index))
        rows.append(other)
    return rows  # oldest first


@pytest.mark.parametrize("side", ["followers", "following"])
def test_follow_lists_are_paginated_newest_first(api_client, user, side):
    others = _make_follows(user, 3, side=side)
    response = api_client.get(f"/api/v1/users/{user.pk}/{side}?page_size=2")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [str(others[2].pk), str(others[1].pk)]
    assert body["next"] is not None and body["previous"] is None
    assert {"stats", "followed_at"} <= set(body["results"][0])
    assert all(other.email not in response.content.decode() for other in others)
    page_two = api_client.get(body["next"]).json()
    assert [row["id"] for row in page_two["results"]] == [str(others[0].pk)]


@pytest.mark.parametrize("side", ["followers", "following"])
def test_follow_lists_hide_suspended_accounts(api_client, user, side):
    others = _make_follows(user, 2, side=side)
    User.objects.filter(pk=others[0].pk).update(is_active=False)
    body = api_client.get(f"/api/v1/users/{user.pk}/{side}").json()
    assert [row["id"] for row in body["results"]] == [str(others[1].pk)]


@pytest.mark.parametrize("side", ["followers", "following"])
def test_follow_lists_of_unknown_or_suspended_user_are_404(api_client, side):
    assert api_client.get(f"/api/v1/users/{uuid.uuid4()}/{side}").status_code == 404
    suspended = UserFactory(is_active=False)
    assert api_client.get(f"/api/v1/users/{suspended.pk}/{side}").status_code == 404


@pytest.mark.parametrize("side", ["followers", "following"])
@pytest.mark.parametrize("rows", [2, 40])
def test_follow_list_query_count_is_fixed(api_client, user, side, rows, django_assert_num_queries):
    _make_follows(user, rows, side=side)
    # target user, count, one page of follow rows joined with users
    with django_assert_num_queries(3):
        response = api_client.get(f"/api/v1/users/{user.pk}/{side}?page_size=100")
    assert len(response.json()["results"]) == rows


def test_follow_and_unfollow_query_counts(auth_client, other_user, django_assert_num_queries):
    # auth, target exists, insert, two counter updates, the followed user's notification, read row,
    # read target, follows you? (+ savepoint pair)
    with django_assert_num_queries(11):
        assert auth_client.post(_follow_url(other_user.pk)).status_code == 201
    with django_assert_num_queries(8):
        assert auth_client.post(_follow_url(other_user.pk)).status_code == 200
    with django_assert_num_queries(4):  # auth, target, my follow, theirs
        assert auth_client.get(_follow_url(other_user.pk)).status_code == 200
    with django_assert_num_queries(7):
        assert auth_client.delete(_follow_url(other_user.pk)).status_code == 204
