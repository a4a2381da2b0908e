"""GET /movies/featured and /movies/trending."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from reviews.models import ModerationStatus, Review, ReviewVote, VoteType
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db

FEATURED, TRENDING = "/api/v1/movies/featured", "/api/v1/movies/trending"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def test_featured_lists_the_curated_titles_best_rated_first(api_client, rate):
    rate(MovieFactory(title="Curated Good", is_featured=True), [7])
    rate(MovieFactory(title="Curated Best", is_featured=True), [9])
    rate(MovieFactory(title="Not Curated", is_featured=False), [10])
    assert titles(api_client.get(FEATURED)) == ["Curated Best", "Curated Good"]


def test_featured_falls_back_to_the_bayesian_average_so_one_perfect_review_is_not_first(api_client, rate):
    rate(MovieFactory(title="One Perfect Review"), [10])
    rate(MovieFactory(title="Loved"), [9] * 6)
    rate(MovieFactory(title="Liked"), [7] * 4)
    rate(MovieFactory(title="Mixed"), [10, 2, 6])
    MovieFactory(title="Unrated", imdb_rating="8.8")
    MovieFactory(title="A Short", type="short")
    # mean 110/14 = 7.86; Loved (54 + 5 x 7.86) / 11 = 8.48, Liked 7.48, Mixed 7.16; under 3 reviews: unranked.
    assert titles(api_client.get(FEATURED)) == ["Loved", "Liked", "Mixed", "One Perfect Review", "Unrated"]


def test_bayesian_score_pulls_few_reviews_towards_the_mean():
    from catalog.selectors import BAYES_MIN_REVIEWS, BAYES_PRIOR_WEIGHT, catalogue_mean_rating

    assert (BAYES_MIN_REVIEWS, BAYES_PRIOR_WEIGHT) == (3, 5)
    assert catalogue_mean_rating() == 6.0  # nothing reviewed yet: the documented default


def test_featured_is_cached_and_refreshed_when_an_admin_features_a_title(
    api_client, admin_client_api, rate, django_assert_num_queries, django_capture_on_commit_callbacks
):
    rate(MovieFactory(title="Top"), [9])
    pick = MovieFactory(title="Pick")
    assert titles(api_client.get(FEATURED))[0] == "Top"
    with django_assert_num_queries(0):
        assert titles(api_client.get(FEATURED))[0] == "Top"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_api.patch(f"/api/v1/movies/{pick.pk}", {"is_featured": True}, format="json")
    assert titles(api_client.get(FEATURED)) == ["Pick"]


@pytest.mark.parametrize("rows", [2, 40])
def test_featured_query_count_is_constant(api_client, django_assert_num_queries, rows):
    MovieFactory.create_batch(rows, is_featured=True, genres=["Drama", "Comedy"])
    # featured exists?, count, rows (with their genres and languages)
    with django_assert_num_queries(3):
        assert len(api_client.get(FEATURED, {"page_size": 50}).json()["results"]) == rows


def _review(movie, *, days_ago: float, status=ModerationStatus.APPROVED, votes: int = 0):
    review = ReviewFactory(movie=movie, moderation_status=status)
    when = timezone.now() - timedelta(days=days_ago)
    Review.objects.filter(pk=review.pk).update(created_at=when, helpful_votes=votes)
    for _ in range(votes):
        vote = ReviewVote.objects.create(review=review, user=UserFactory(), vote_type=VoteType.HELPFUL)
        ReviewVote.objects.filter(pk=vote.pk).update(created_at=when)
    return review


def test_trending_ranks_this_weeks_reviews_and_votes_first(api_client, rate):
    veteran = rate(MovieFactory(title="Old Favourite"), [8] * 6)
    for _ in range(6):
        _review(veteran, days_ago=60, votes=1)
    buzzing = rate(MovieFactory(title="New Buzz"), [9, 9])
    _review(buzzing, days_ago=1, votes=2)
    _review(buzzing, days_ago=2)
    warm = rate(MovieFactory(title="Warm"), [7])
    _review(warm, days_ago=3)
    MovieFactory(title="Quiet")
    assert titles(api_client.get(TRENDING))[:4] == ["New Buzz", "Warm", "Old Favourite", "Quiet"]


def test_trending_falls_back_to_all_time_when_the_week_is_quiet(api_client, rate):
    a = rate(MovieFactory(title="Most Reviewed"), [8, 8, 8])
    for _ in range(3):
        _review(a, days_ago=30)
    b = rate(MovieFactory(title="Most Voted"), [7])
    _review(b, days_ago=40, votes=5)
    c = rate(MovieFactory(title="Little"), [5])
    _review(c, days_ago=50)
    # A quiet week: the most reviewed first, then the most voted on (at one review each), then the newest.
    assert titles(api_client.get(TRENDING)) == ["Most Reviewed", "Most Voted", "Little"]


def test_trending_with_no_activity_at_all_is_the_newest_first_never_alphabetical(api_client):
    import datetime

    MovieFactory(title="Aaa Old", release_date=datetime.date(2001, 1, 1))
    MovieFactory(title="Zzz New", release_date=datetime.date(2024, 1, 1))
    MovieFactory(title="Mmm Middle", release_date=datetime.date(2012, 1, 1))
    MovieFactory(title="A Music Video", type="music_video", release_date=datetime.date(2025, 1, 1))
    assert titles(api_client.get(TRENDING)) == ["Zzz New", "Mmm Middle", "Aaa Old"]


def test_hidden_reviews_and_their_votes_do_not_trend(api_client, rate):
    hidden = rate(MovieFactory(title="Only Hidden Activity"), [6])
    _review(hidden, days_ago=1, status=ModerationStatus.PENDING, votes=4)
    _review(hidden, days_ago=20)
    shown = rate(MovieFactory(title="Visible Activity"), [6])
    _review(shown, days_ago=1)
    assert titles(api_client.get(TRENDING))[:2] == ["Visible Activity", "Only Hidden Activity"]


@pytest.mark.parametrize("rows", [2, 40])
def test_trending_query_count_is_constant(api_client, django_assert_num_queries, rate, rows):
    for index in range(rows):
        movie = rate(MovieFactory(title=f"T{index}"), [7])
        if index % 2:
            _review(movie, days_ago=1, votes=1)
    # count, rows (activity, genres and languages computed in the same query)
    with django_assert_num_queries(2):
        assert len(api_client.get(TRENDING, {"page_size": 50}).json()["results"]) == rows
