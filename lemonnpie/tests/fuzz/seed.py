"""Real rows for the schema fuzz, under fixed ids, so generated `{id}` paths sometimes hit real objects.

Rows that carry aggregates (reviews, votes, follows, reports) are written through the services, so
every stored counter is what a real request would have left; ids are fixed afterwards.
"""

import datetime
import uuid

from accounts.models import Role
from accounts.tests.factories import UserFactory
from catalog.models import MovieType
from catalog.tests.factories import MovieFactory
from diary import services as diary_services
from lists import services as list_services
from moderation import services as moderation_services
from reviews import services as review_services
from reviews.models import Review
from social import services as social_services


def _id(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://lemonnpie.ng/fuzz/{name}")


USER_ID = _id("user")  # the signed-in fuzz user
ADMIN_ID = _id("admin")  # the signed-in fuzz admin
CRITIC_ID = _id("critic")
MODERATOR_ID = _id("moderator")
SUSPENDED_ID = _id("suspended")
MOVIE_IDS = (_id("movie-1"), _id("movie-2"))
SERIES_ID = _id("series-1")
REVIEW_BY_CRITIC_ID = _id("review-critic")  # approved, voted on and reported by the fuzz user
REVIEW_BY_USER_ID = _id("review-user")  # the fuzz user's own review
PENDING_REVIEW_ID = _id("review-pending")  # hidden, in the moderation queue
REPORT_ID = _id("report-open")

USER_IDS = (USER_ID, ADMIN_ID, CRITIC_ID, MODERATOR_ID, SUSPENDED_ID)
CATALOGUE_IDS = (*MOVIE_IDS, SERIES_ID)
REVIEW_IDS = (REVIEW_BY_CRITIC_ID, REVIEW_BY_USER_ID, PENDING_REVIEW_ID)
DIARY_IDS = (_id("diary-user"),)  # the fuzz user's viewing of movie-1
LIST_IDS = (_id("list-user-public"), _id("list-critic-private"))

_REVIEW = {
    "lemon_pie_rating": 8,
    "review_text": "A warm family drama from Enugu with a strong lead and a patient camera.",
    "review_language": "en",
    "cultural_authenticity_rating": 9,
    "production_quality_rating": 7,
    "story_rating": 8,
    "acting_rating": 8,
    "cinematography_rating": 6,
    "nollywood_tags": ["family-drama"],
}


def _review(*, user, movie_id, review_id) -> Review:
    review = review_services.review_create(user=user, movie_id=movie_id, **_REVIEW)
    Review.objects.filter(pk=review.pk).update(id=review_id)
    return Review.objects.get(pk=review_id)


def seed_database() -> dict:
    """Users of every role, two films and a series, reviews, a vote, follows, list entries, a report,
    a diary entry and two lists."""
    users = {
        "user": UserFactory(id=USER_ID, email="fuzz-user@example.ng", role=Role.USER),
        "admin": UserFactory(id=ADMIN_ID, email="fuzz-admin@example.ng", role=Role.ADMIN),
        "critic": UserFactory(id=CRITIC_ID, email="fuzz-critic@example.ng", role=Role.CRITIC),
        "moderator": UserFactory(id=MODERATOR_ID, email="fuzz-moderator@example.ng", role=Role.MODERATOR),
        "suspended": UserFactory(id=SUSPENDED_ID, email="fuzz-suspended@example.ng", is_active=False),
    }
    for movie_id in MOVIE_IDS:
        MovieFactory(id=movie_id, genres=["Drama", "Comedy"], languages=["English", "Igbo"], cast=["Genevieve Nnaji"])
    MovieFactory(id=SERIES_ID, type=MovieType.SERIES, genres=["Thriller"], languages=["Yoruba"])

    critic_review = _review(user=users["critic"], movie_id=MOVIE_IDS[0], review_id=REVIEW_BY_CRITIC_ID)
    _review(user=users["user"], movie_id=MOVIE_IDS[1], review_id=REVIEW_BY_USER_ID)
    pending = _review(user=users["moderator"], movie_id=MOVIE_IDS[0], review_id=PENDING_REVIEW_ID)
    review_services.review_moderate(review=pending, status="pending", actor=users["admin"])

    review_services.review_vote(review=critic_review, user=users["user"], vote_type="helpful")
    social_services.follow_create(follower=users["user"], following_id=CRITIC_ID)
    social_services.follow_create(follower=users["critic"], following_id=USER_ID)
    social_services.watchlist_add(user=users["user"], movie_id=MOVIE_IDS[0])
    social_services.favorite_add(user=users["user"], movie_id=SERIES_ID)
    report = moderation_services.report_create(
        reporter=users["user"], content_type="review", content_id=REVIEW_BY_CRITIC_ID, reason="spoiler"
    )
    type(report).objects.filter(pk=report.pk).update(id=REPORT_ID)

    entry = diary_services.diary_entry_create(
        user=users["user"], movie_id=MOVIE_IDS[0], watched_on=datetime.date(2026, 1, 2), rating=7
    )
    type(entry).objects.filter(pk=entry.pk).update(id=DIARY_IDS[0])
    for list_id, owner, public in ((LIST_IDS[0], users["user"], True), (LIST_IDS[1], users["critic"], False)):
        created = list_services.list_create(user=owner, title="Fuzz picks", is_public=public)
        type(created).objects.filter(pk=created.pk).update(id=list_id)  # before anything points at it
        film_list = type(created).objects.get(pk=list_id)
        list_services.list_entries_add(film_list=film_list, actor=owner, items=[{"movie_id": MOVIE_IDS[0]}])
    return users
