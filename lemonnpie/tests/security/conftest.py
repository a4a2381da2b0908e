"""Fixtures of the abuse-case tests: a small world of real rows owned by two users."""

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from diary import services as diary_services
from lists import services as list_services
from moderation import services as moderation_services
from reviews import services as review_services
from social import services as social_services

ENVELOPE_KEYS = {"error", "message", "details", "timestamp", "path"}

REVIEW_FIELDS = {
    "lemon_pie_rating": 7,
    "review_text": "Tender, funny and very Lagos: the market scenes alone are worth it.",
    "cultural_authenticity_rating": 8,
    "production_quality_rating": 6,
    "story_rating": 7,
    "acting_rating": 8,
    "cinematography_rating": 6,
}


def assert_envelope(response, status: int, error: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == ENVELOPE_KEYS, body
    if error is not None:
        assert body["error"] == error, body
    return body


@pytest.fixture
def review_world(db, user, other_user):
    """`user` (the victim) owns a review, a vote, a follow, list entries and a report; `other_user`
    (the attacker) owns a review of another movie. Returned by name."""
    author = UserFactory()
    movie, other_movie = MovieFactory(), MovieFactory()
    victim_review = review_services.review_create(user=user, movie_id=movie.pk, **REVIEW_FIELDS)
    attacker_review = review_services.review_create(user=other_user, movie_id=other_movie.pk, **REVIEW_FIELDS)
    author_review = review_services.review_create(user=author, movie_id=movie.pk, **REVIEW_FIELDS)
    review_services.review_vote(review=author_review, user=user, vote_type="helpful")
    social_services.follow_create(follower=user, following_id=author.pk)
    social_services.watchlist_add(user=user, movie_id=movie.pk)
    social_services.favorite_add(user=user, movie_id=movie.pk)
    report = moderation_services.report_create(
        reporter=user, content_type="review", content_id=author_review.pk, reason="spam"
    )
    film_list = list_services.list_create(user=user, title="Victim's picks")
    list_services.list_entries_add(film_list=film_list, actor=user, items=[{"movie_id": movie.pk}])
    diary_entry = diary_services.diary_entry_create(
        user=user, movie_id=movie.pk, watched_on=None, watched_precision="unknown"
    )
    return {
        "film_list": film_list,
        "diary_entry": diary_entry,
        "author": author,
        "movie": movie,
        "other_movie": other_movie,
        "victim_review": victim_review,
        "attacker_review": attacker_review,
        "author_review": author_review,
        "report": report,
    }
