import datetime
from collections import Counter

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from catalog.models import Movie
from catalog.tests.factories import MovieFactory
from conftest import client_for
from moderation.models import Report
from reviews.models import ModerationStatus, Review, ReviewVote
from reviews.tests.factories import ReviewFactory, ReviewVoteFactory

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


@pytest.fixture
def activity():
    """A small, known history spread over the last weeks."""
    movies = [MovieFactory() for _ in range(3)]
    authors = [UserFactory() for _ in range(6)]
    for index, author in enumerate(authors):
        User.objects.filter(pk=author.pk).update(created_at=days_ago(index * 3))
    ratings = [9, 9, 7, 4, 10, 2]
    languages = ["en", "en", "yo", "ig", "en", "ha"]
    reviews = []
    for index, author in enumerate(authors):
        review = ReviewFactory(
            user=author, movie=movies[index % 3], lemon_pie_rating=ratings[index], review_language=languages[index]
        )
        Review.objects.filter(pk=review.pk).update(created_at=days_ago(index * 2))
        reviews.append(review)
    hidden = ReviewFactory(movie=movies[0], moderation_status=ModerationStatus.PENDING, lemon_pie_rating=1)
    ReviewVoteFactory(review=reviews[0], user=authors[1])
    ReviewVoteFactory(review=reviews[0], user=authors[2])
    Report.objects.create(reporter=authors[3], content_type="review", content_id=hidden.pk, reason="spam")
    for movie in movies:
        counted = Review.objects.filter(movie=movie, moderation_status=ModerationStatus.APPROVED)
        Movie.objects.filter(pk=movie.pk).update(
            review_count=counted.count(), rating_sum=sum(r.lemon_pie_rating for r in counted)
        )
    return {"movies": movies, "reviews": reviews, "hidden": hidden}


def test_dashboard_counts_match_independent_counts(moderator_client, activity):
    body = moderator_client.get("/api/v1/admin/dashboard").json()
    week_ago = days_ago(7)
    assert body == {
        "users": User.objects.count(),
        "movies": 3,
        "reviews": 6,
        "open_reports": 1,
        "pending_moderation": 1,
        "signups_last_7_days": sum(1 for u in User.objects.all() if u.created_at >= week_ago),
        "reviews_last_7_days": sum(1 for r in Review.objects.all() if r.created_at >= week_ago),
    }


def test_analytics_numbers_equal_counts_computed_here(admin_client_api, activity):
    response = admin_client_api.get("/api/v1/admin/analytics?days=14&min_reviews=2")
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["signups"]) == 14 and len(body["reviews"]) == 14
    today = timezone.now().date()
    recent = [r for r in Review.objects.all() if (today - r.created_at.date()).days < 14]
    expected_reviews = Counter(r.created_at.date() for r in recent)
    assert {row["date"]: row["count"] for row in body["reviews"] if row["count"]} == {
        day.isoformat(): n for day, n in expected_reviews.items()
    }
    assert sum(row["count"] for row in body["votes"]) == ReviewVote.objects.count()
    assert sum(row["count"] for row in body["reports"]) == 1
    approved = Review.objects.filter(moderation_status=ModerationStatus.APPROVED)
    assert body["rating_distribution"] == {str(v): approved.filter(lemon_pie_rating=v).count() for v in range(1, 11)}
    shares = {row["language"]: row["count"] for row in body["language_share"]}
    assert shares == dict(Counter(r.review_language for r in approved))
    assert body["language_share"][0] == {"language": "en", "count": 3, "share": 0.5}
    by_reviews = body["top_movies_by_reviews"]
    assert [m["review_count"] for m in by_reviews] == [2, 2, 2]
    by_rating = body["top_movies_by_rating"]
    expected_order = sorted(
        Movie.objects.all(), key=lambda m: (-(m.rating_sum / m.review_count), -m.review_count, str(m.id))
    )
    assert [m["id"] for m in by_rating] == [str(m.id) for m in expected_order]


def test_analytics_on_an_empty_database(admin_client_api):
    body = admin_client_api.get("/api/v1/admin/analytics").json()
    assert body["days"] == 30 and len(body["signups"]) == 30
    assert sum(row["count"] for row in body["reviews"]) == 0
    assert body["top_movies_by_reviews"] == [] and body["language_share"] == []
    assert set(body["rating_distribution"].values()) == {0}


@pytest.mark.parametrize("days", ["0", "366", "abc", "9" * 40, "1\x00"])
def test_bad_days_is_a_validation_error(admin_client_api, days):
    response = admin_client_api.get("/api/v1/admin/analytics", {"days": days})
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"


@pytest.mark.parametrize(
    ("who", "dashboard", "analytics"),
    [(None, 401, 401), ("user", 403, 403), ("critic", 403, 403), ("moderator", 200, 403), ("admin", 200, 200)],
)
def test_permission_matrix(request, who, dashboard, analytics):
    from rest_framework.test import APIClient

    fixture = {"user": "user", "critic": "critic", "moderator": "moderator", "admin": "admin_user"}.get(who)
    client = APIClient() if who is None else client_for(request.getfixturevalue(fixture))
    assert client.get("/api/v1/admin/dashboard").status_code == dashboard
    assert client.get("/api/v1/admin/analytics/").status_code == analytics


def test_analytics_is_cached_for_a_few_minutes(admin_client_api, django_assert_num_queries):
    admin_client_api.get("/api/v1/admin/analytics?days=7")
    with django_assert_num_queries(1):  # only authentication's user lookup
        admin_client_api.get("/api/v1/admin/analytics?days=7")
