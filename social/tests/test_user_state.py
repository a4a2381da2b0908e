"""The caller's own state on shared pages (issue 18): `my_review`, `in_watchlist`, `in_favorites`
on movie rows and details; `is_following`, `follows_you` on profiles; `GET users/{id}/follow`.
Anonymous answers are unchanged and stay the cached ones; a page costs one more query, whatever its size."""

import pytest

from catalog.tests.factories import MovieFactory
from reviews.tests.factories import ReviewFactory
from social.models import FavoriteEntry, Follow, WatchlistEntry
from social.tests.factories import FollowFactory

pytestmark = pytest.mark.django_db

MOVIES = "/api/v1/movies"
STATE_KEYS = {"my_review", "in_watchlist", "in_favorites"}


@pytest.fixture
def shelf(user):
    reviewed, listed, plain = (MovieFactory(title=title) for title in ("Reviewed", "Listed", "Plain"))
    review = ReviewFactory(user=user, movie=reviewed, lemon_pie_rating=9)
    ReviewFactory(movie=listed)  # someone else's review is not mine
    WatchlistEntry.objects.create(user=user, movie=listed)
    FavoriteEntry.objects.create(user=user, movie=listed)
    FavoriteEntry.objects.create(user=user, movie=reviewed)
    return {"reviewed": reviewed, "listed": listed, "plain": plain, "review": review}


def by_title(body) -> dict:
    return {row["title"]: row for row in body["results"]}


def test_anonymous_rows_have_no_state_and_signed_in_rows_have_mine(api_client, auth_client, shelf):
    assert not STATE_KEYS & set(api_client.get(MOVIES).json()["results"][0])
    rows = by_title(auth_client.get(MOVIES).json())
    review = shelf["review"]
    assert rows["Reviewed"]["my_review"] == {
        "id": str(review.pk),
        "lemon_pie_rating": 9,
        "moderation_status": "approved",
    }
    assert (rows["Reviewed"]["in_watchlist"], rows["Reviewed"]["in_favorites"]) == (False, True)
    assert rows["Listed"]["my_review"] is None
    assert (rows["Listed"]["in_watchlist"], rows["Listed"]["in_favorites"]) == (True, True)
    assert {key: rows["Plain"][key] for key in STATE_KEYS} == {
        "my_review": None,
        "in_watchlist": False,
        "in_favorites": False,
    }


def test_detail_is_the_cached_public_answer_plus_my_state(api_client, auth_client, shelf, django_assert_num_queries):
    url = f"{MOVIES}/{shelf['reviewed'].pk}"
    public = api_client.get(url)
    with django_assert_num_queries(0):  # cached for everyone
        assert api_client.get(url).content == public.content
    with django_assert_num_queries(2):  # the caller (authentication) and their state; the movie is cached
        mine = auth_client.get(url)
    assert mine["Cache-Control"].startswith("private")
    assert mine.json()["my_review"]["lemon_pie_rating"] == 9 and mine.json()["in_favorites"] is True
    assert {key: value for key, value in mine.json().items() if key not in STATE_KEYS} == public.json()
    with django_assert_num_queries(0):  # the shared entry never took the caller's state
        assert api_client.get(url).content == public.content


def test_search_featured_and_trending_rows_carry_my_state(auth_client, api_client, shelf):
    searched = auth_client.get(f"{MOVIES}/search", {"q": "Listed"}).json()["results"]
    assert searched[0]["title"] == "Listed" and searched[0]["in_watchlist"] is True
    assert not STATE_KEYS & set(api_client.get(f"{MOVIES}/search", {"q": "Listed"}).json()["results"][0])
    for path in ("featured", "trending"):
        rows = by_title(auth_client.get(f"{MOVIES}/{path}").json())
        assert rows["Listed"]["in_watchlist"] is True and rows["Reviewed"]["my_review"] is not None, path
        assert not STATE_KEYS & set(api_client.get(f"{MOVIES}/{path}").json()["results"][0]), path


def test_a_page_of_state_costs_one_query_whatever_its_size(auth_client, user, django_assert_num_queries):
    def fill(n):
        for _ in range(n):
            movie = MovieFactory()
            ReviewFactory(user=user, movie=movie)
            WatchlistEntry.objects.create(user=user, movie=movie)

    fill(2)
    with django_assert_num_queries(4):  # the caller, count, rows, state
        assert len(auth_client.get(MOVIES, {"page_size": 100}).json()["results"]) == 2
    fill(38)
    with django_assert_num_queries(4):  # (another filter, so the count is not the cached one)
        rows = auth_client.get(MOVIES, {"page_size": 100, "genre": "Drama"}).json()["results"]
    assert len(rows) == 40 and all(row["in_watchlist"] and row["my_review"] for row in rows)


# --- profiles -------------------------------------------------------------------------------


def test_profile_says_whether_we_follow_each_other(api_client, auth_client, user, other_user):
    url = f"/api/v1/users/{other_user.pk}"
    assert not {"is_following", "follows_you"} & set(api_client.get(url).json())
    body = auth_client.get(url).json()
    assert (body["is_following"], body["follows_you"]) == (False, False)
    FollowFactory(follower=other_user, following=user)
    body = auth_client.get(url).json()
    assert (body["is_following"], body["follows_you"]) == (False, True)
    FollowFactory(follower=user, following=other_user)
    assert auth_client.get(url).json()["is_following"] is True


def test_follow_status_is_readable(auth_client, user, other_user):
    url = f"/api/v1/users/{other_user.pk}/follow"
    body = auth_client.get(url).json()
    assert body["following"] is False and body["followed_at"] is None and body["follows_you"] is False
    assert body["user"]["id"] == str(other_user.pk)
    follow = FollowFactory(follower=user, following=other_user)
    FollowFactory(follower=other_user, following=user)
    body = auth_client.get(url).json()
    assert body["following"] is True and body["follows_you"] is True and body["followed_at"] is not None
    assert Follow.objects.get(pk=follow.pk)  # reading changed nothing
    assert auth_client.get("/api/v1/users/00000000-0000-0000-0000-000000000000/follow").status_code == 404
    other_user.is_active = False
    other_user.save(update_fields=["is_active"])
    assert auth_client.get(url).status_code == 404


def test_follow_status_needs_a_sign_in(api_client, other_user):
    assert api_client.get(f"/api/v1/users/{other_user.pk}/follow").status_code == 401


def test_follower_lists_carry_my_relation_in_one_query(auth_client, user, django_assert_num_queries):
    from accounts.tests.factories import UserFactory

    star = UserFactory()

    def fill(n):
        for _ in range(n):
            fan = UserFactory()
            FollowFactory(follower=fan, following=star)
            FollowFactory(follower=user, following=fan)

    fill(2)
    url = f"/api/v1/users/{star.pk}/followers"
    with django_assert_num_queries(5):  # caller, star, count, page, relations
        rows = auth_client.get(url, {"page_size": 100}).json()["results"]
    assert [row["is_following"] for row in rows] == [True, True]
    fill(18)
    with django_assert_num_queries(5):
        rows = auth_client.get(url, {"page_size": 100}).json()["results"]
    assert len(rows) == 20 and all(row["is_following"] and not row["follows_you"] for row in rows)
