import datetime

import pytest
from celery.signals import task_prerun
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from catalog.models import Movie
from reviews.models import RATING_FIELDS, Review
from reviews.signals import review_changed
from reviews.tests.factories import ReviewFactory, ReviewVoteFactory
from social import selectors, services
from social.cache import feed_key
from social.tests.factories import FollowFactory

pytestmark = pytest.mark.django_db

FEED = "/api/v1/users/feed"


def _review(author, *, minutes_ago: int, **kwargs) -> Review:
    """A review row, with the author's approved-review counter kept as reviews.services keep it
    (the feed's count is the sum of those counters)."""
    review = ReviewFactory(user=author, **kwargs)
    Review.objects.filter(pk=review.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
    if review.moderation_status == "approved":
        User.objects.filter(pk=author.pk).update(review_count=F("review_count") + 1)
    return review


def _uncount(review) -> None:
    """What reviews.services do to the author's counter when an approved review is hidden or deleted."""
    User.objects.filter(pk=review.user_id).update(review_count=F("review_count") - 1)


def _ids(response) -> list[str]:
    return [item["review"]["id"] for item in response.json()["results"]]


def _announce(review, action="created"):
    """What the reviews services do after commit."""
    review_changed.send(
        sender=Review, review_id=review.pk, user_id=review.user_id, movie_id=review.movie_id, action=action
    )


@pytest.fixture
def followed(user):
    authors = [UserFactory(), UserFactory()]
    for author in authors:
        FollowFactory(follower=user, following=author)
    return authors


def test_feed_lists_approved_reviews_of_followed_users_newest_first(auth_client, user, followed):
    a, b = followed
    stranger = UserFactory()
    older = _review(a, minutes_ago=30)
    newest = _review(b, minutes_ago=1)
    middle = _review(a, minutes_ago=10)
    _review(stranger, minutes_ago=2)  # not followed
    _review(user, minutes_ago=3)  # my own
    _review(b, minutes_ago=4, moderation_status="pending")
    _review(b, minutes_ago=5, moderation_status="rejected")
    response = auth_client.get(FEED)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert _ids(response) == [str(newest.pk), str(middle.pk), str(older.pk)]


def test_feed_item_shape(auth_client, user, followed):
    author = followed[0]
    review = _review(author, minutes_ago=1)
    User.objects.filter(pk=author.pk).update(review_count=3, review_rating_sum=24, followers_count=1)
    ReviewVoteFactory(user=user, review=review, vote_type="helpful")
    response = auth_client.get(FEED)
    item = response.json()["results"][0]
    assert set(item) == {"type", "created_at", "actor", "review"}
    assert item["type"] == "review"
    assert item["created_at"] == item["review"]["created_at"]
    assert item["actor"]["id"] == str(author.pk)
    assert item["actor"]["stats"]["total_reviews"] == 3
    assert item["actor"]["stats"]["average_rating"] == 8.0
    assert item["review"]["user"]["id"] == str(author.pk)
    assert item["review"]["movie"] == {
        "id": str(review.movie_id),
        "title": review.movie.title,
        "type": "movie",
        "release_year": review.movie.release_date.year,
        "poster": None,
    }
    assert item["review"]["user_vote"] == "helpful"
    assert item["review"]["helpfulness_score"] == 0
    raw = response.content.decode()
    assert author.email not in raw and user.email not in raw


def test_feed_hides_suspended_authors(auth_client, followed):
    kept = _review(followed[0], minutes_ago=1)
    _review(followed[1], minutes_ago=2)
    User.objects.filter(pk=followed[1].pk).update(is_active=False)
    assert _ids(auth_client.get(FEED)) == [str(kept.pk)]


def test_feed_is_paginated_with_stable_order(auth_client, followed):
    reviews = [_review(followed[index % 2], minutes_ago=index + 1) for index in range(5)]
    tied = timezone.now() - datetime.timedelta(minutes=30)
    Review.objects.filter(pk__in=[reviews[3].pk, reviews[4].pk]).update(created_at=tied)
    first = auth_client.get(f"{FEED}?page_size=2").json()
    assert first["count"] == 5 and first["previous"] is None
    second = auth_client.get(first["next"]).json()
    third = auth_client.get(second["next"]).json()
    assert third["next"] is None and second["previous"].endswith("page_size=2")
    seen = [item["review"]["id"] for page in (first, second, third) for item in page["results"]]
    assert seen[:3] == [str(review.pk) for review in reviews[:3]]
    assert sorted(seen) == sorted(str(review.pk) for review in reviews)
    assert seen[3:] == sorted(seen[3:], reverse=True)  # ties broken by id, descending


@pytest.mark.parametrize("page", ["0", "-1", "abc", "9"])
def test_invalid_feed_page_is_404(auth_client, followed, page):
    _review(followed[0], minutes_ago=1)
    response = auth_client.get(f"{FEED}?page={page}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_empty_feed(auth_client):
    assert auth_client.get(FEED).json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_feed_needs_authentication(api_client):
    response = api_client.get(FEED)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_feed_page_is_cached_under_the_users_feed_key(auth_client, user, followed):
    first = _review(followed[0], minutes_ago=5)
    assert _ids(auth_client.get(FEED)) == [str(first.pk)]
    assert cache.get(feed_key(user.pk)) is not None
    _review(followed[1], minutes_ago=1)  # written behind the feed's back: no signal
    assert _ids(auth_client.get(FEED)) == [str(first.pk)]  # served from the cache
    assert _ids(auth_client.get(f"{FEED}?page_size=5")) != [str(first.pk)]  # page params are in the key


def test_new_review_of_a_followed_user_invalidates_the_feed(auth_client, other_client, user, other_user, followed):
    FollowFactory(follower=other_user, following=followed[0])
    first = _review(followed[0], minutes_ago=5)
    auth_client.get(FEED)
    other_client.get(FEED)
    unrelated_cache = cache.get(feed_key(UserFactory().pk))
    new = _review(followed[0], minutes_ago=1)
    _announce(new)
    assert _ids(auth_client.get(FEED)) == [str(new.pk), str(first.pk)]
    assert _ids(other_client.get(FEED)) == [str(new.pk), str(first.pk)]
    assert unrelated_cache is None


@pytest.mark.parametrize("action", ["updated", "deleted", "hidden"])
def test_edit_or_delete_by_a_followed_user_invalidates_the_feed(auth_client, followed, action):
    review = _review(followed[0], minutes_ago=5)
    kept = _review(followed[1], minutes_ago=6)
    auth_client.get(FEED)
    if action == "deleted":
        Review.objects.filter(pk=review.pk).delete()
        _uncount(review)
    elif action == "hidden":
        Review.objects.filter(pk=review.pk).update(moderation_status="pending")
        _uncount(review)
    else:
        Review.objects.filter(pk=review.pk).update(review_text="A changed opinion, at length.")
    _announce(review, action)
    body = auth_client.get(FEED).json()
    if action == "updated":
        assert body["results"][0]["review"]["review_text"] == "A changed opinion, at length."
    else:
        assert body["count"] == 1 and _ids_from(body) == [str(kept.pk)]


def _ids_from(body) -> list[str]:
    return [item["review"]["id"] for item in body["results"]]


def test_a_review_of_someone_i_do_not_follow_keeps_my_cache(auth_client, user, followed):
    _review(followed[0], minutes_ago=5)
    auth_client.get(FEED)
    token = cache.get(feed_key(user.pk))
    _announce(_review(UserFactory(), minutes_ago=1))
    assert cache.get(feed_key(user.pk)) == token


def test_rows_are_read_fresh_even_from_a_cached_page(auth_client, user, followed):
    """Only ids are cached: votes, text and moderation are never stale."""
    review = _review(followed[0], minutes_ago=5)
    hidden = _review(followed[1], minutes_ago=6)
    auth_client.get(FEED)
    Review.objects.filter(pk=review.pk).update(helpful_votes=7)
    Review.objects.filter(pk=hidden.pk).update(moderation_status="rejected")
    ReviewVoteFactory(user=user, review=review, vote_type="unhelpful")
    results = auth_client.get(FEED).json()["results"]
    assert [item["review"]["id"] for item in results] == [str(review.pk)]
    assert results[0]["review"]["helpful_votes"] == 7
    assert results[0]["review"]["user_vote"] == "unhelpful"


def test_follow_and_unfollow_invalidate_my_feed(auth_client, user, django_capture_on_commit_callbacks):
    author = UserFactory()
    review = _review(author, minutes_ago=1)
    assert auth_client.get(FEED).json()["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.post(f"/api/v1/users/{author.pk}/follow").status_code == 201
    assert _ids(auth_client.get(FEED)) == [str(review.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete(f"/api/v1/users/{author.pk}/follow").status_code == 204
    assert auth_client.get(FEED).json()["count"] == 0


def test_invalidation_reaches_every_follower_of_a_popular_author():
    author = UserFactory()
    fans = [UserFactory() for _ in range(25)]
    for fan in fans:
        FollowFactory(follower=fan, following=author)
        selectors.feed_page(user=fan, page=1, page_size=20)
    assert all(cache.get(feed_key(fan.pk)) for fan in fans)
    services.feed_invalidate_followers(author_id=author.pk)
    assert not any(cache.get(feed_key(fan.pk)) for fan in fans)


@pytest.mark.parametrize("audience", ["inline", "worker"])
def test_a_large_audience_is_invalidated_by_the_worker_not_the_request(audience, monkeypatch):
    """Up to FEED_INLINE_FOLLOWERS followers the request forgets their feeds itself; above it the
    worker's task does (eager here), and every follower's feed is forgotten either way."""
    author = UserFactory()
    fans = [UserFactory() for _ in range(3)]
    for fan in fans:
        FollowFactory(follower=fan, following=author)
        selectors.feed_page(user=fan, page=1, page_size=20)
    monkeypatch.setattr(services, "FEED_INLINE_FOLLOWERS", 3 if audience == "inline" else 2)
    ran = []

    def record(sender=None, **kwargs):
        ran.append(sender.name)

    task_prerun.connect(record, weak=False)
    try:
        _announce(_review(author, minutes_ago=1))
    finally:
        task_prerun.disconnect(record)
    assert not any(cache.get(feed_key(fan.pk)) for fan in fans)
    worker_ran = "social.tasks.feed_invalidate_followers_task" in ran
    assert worker_ran == (audience == "worker")


@pytest.mark.parametrize("rows", [2, 40])
def test_feed_query_count_is_fixed(auth_client, user, rows, django_assert_num_queries):
    authors = [UserFactory() for _ in range(4)]
    for author in authors:
        FollowFactory(follower=user, following=author)
    for index in range(rows):
        review = _review(authors[index % 4], minutes_ago=index + 1)
        if index % 3 == 0:
            ReviewVoteFactory(user=user, review=review)
    # miss: auth, count, page of ids, rows (joined with author and movie, user_vote annotated)
    with django_assert_num_queries(4):
        response = auth_client.get(f"{FEED}?page_size=100")
    assert len(response.json()["results"]) == rows
    # hit: auth, rows
    with django_assert_num_queries(2):
        assert len(auth_client.get(f"{FEED}?page_size=100").json()["results"]) == rows


def test_feed_page_query_is_index_backed(user):
    """On a realistic spread (many authors, few followed) the planner walks the reviews by
    recency through an index and probes the follow graph by index: no scan of all reviews."""
    authors = User.objects.bulk_create([User(email=f"author{n}@example.ng", name=f"Author {n}") for n in range(40)])
    movies = Movie.objects.bulk_create([Movie(title=f"Film {n}") for n in range(50)])
    ratings = dict.fromkeys(RATING_FIELDS, 7)
    Review.objects.bulk_create(
        Review(user=author, movie=movie, review_text="A fine Nollywood film.", **ratings)
        for author in authors
        for movie in movies
    )
    for author in authors[:3]:
        FollowFactory(follower=user, following=author)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reviews; ANALYZE user_follows; ANALYZE users")
    sql, params = selectors.feed_queryset(user=user).values_list("id", flat=True)[:20].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on reviews" not in plan, plan
    assert "reviews_created_idx" in plan or "reviews_user_created_idx" in plan, plan


def test_a_failing_invalidation_never_breaks_the_review_write(user, followed, monkeypatch, caplog):
    def broken(**kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr("social.receivers.feed_invalidate_after_review", broken)
    _announce(_review(followed[0], minutes_ago=1))  # does not raise
    assert "feed invalidation failed" in caplog.text


def test_feed_still_answers_when_the_cache_is_down(auth_client, followed, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
    }
    review = _review(followed[0], minutes_ago=1)
    for _ in range(2):
        response = auth_client.get(FEED)
        assert response.status_code == 200
        assert _ids(response) == [str(review.pk)]


def test_feed_count_comes_from_the_counters_and_equals_the_rows(user, followed, django_capture_on_commit_callbacks):
    """Written through reviews.services (as every real review is), the counters the feed sums
    equal a COUNT over the rows, through moderation and suspension."""
    from catalog.tests.factories import MovieFactory
    from reviews import services as review_services

    movies = [MovieFactory() for _ in range(3)]
    fields = {**dict.fromkeys(RATING_FIELDS, 7), "review_text": "Sweet film, the acting was solid."}
    with django_capture_on_commit_callbacks(execute=True):
        written = [
            review_services.review_create(user=author, movie_id=movie.pk, **fields)
            for author in followed
            for movie in movies
        ]
        review_services.review_create(user=UserFactory(), movie_id=movies[0].pk, **fields)  # not followed
        review_services.review_moderate(review=written[0], status="rejected")
    assert selectors.followed_authors(user=user).count == selectors.feed_queryset(user=user).count() == 5
    User.objects.filter(pk=followed[1].pk).update(is_active=False)
    assert selectors.followed_authors(user=user).count == selectors.feed_queryset(user=user).count() == 2
    assert selectors.followed_authors(user=UserFactory()).count == 0


def test_both_ways_of_paging_give_the_order_of_the_feed(user, followed):
    """The walk along the recency index (authors who write a fair share of all reviews) and the
    fetch-and-sort of the authors' reviews (a small share) give the same pages."""
    for index in range(30):
        _review(followed[index % 2], minutes_ago=index % 7)  # ties on created_at: broken by id
    for _ in range(5):
        _review(UserFactory(), minutes_ago=1)
    expected = [str(pk) for pk in selectors.feed_queryset(user=user).values_list("id", flat=True)]
    authors = selectors.followed_authors(user=user)
    assert authors.count == 30
    rare = selectors.FollowedAuthors(reviews=authors.reviews, all_reviews=10**9)
    common = selectors.FollowedAuthors(reviews=authors.reviews, all_reviews=35)
    for offset in (0, 7, 20, 29):
        for authors_now in (rare, common):
            ids = selectors.feed_page_ids(authors=authors_now, offset=offset, limit=7)
            assert [str(pk) for pk in ids] == expected[offset : offset + 7]


def test_feed_items_equal_the_instance_path(auth_client, user, followed):
    """The feed is built from rows (social.selectors.feed_page); it gives what the FeedItem shape
    gives for the same reviews as model instances."""
    from social.shapes import FeedItem

    reviews = [_review(followed[0], minutes_ago=2), _review(followed[1], minutes_ago=1)]
    ReviewVoteFactory(user=user, review=reviews[0], vote_type="helpful")
    User.objects.filter(pk=followed[0].pk).update(review_rating_sum=17, followers_count=3)
    shown = Review.objects.for_display(user).filter(pk__in=[review.pk for review in reviews]).order_by("-created_at")
    expected = [FeedItem.of(review) for review in shown]
    assert auth_client.get(FEED).json()["results"] == expected
