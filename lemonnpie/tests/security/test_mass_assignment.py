"""Mass assignment (OWASP API3 / API6, ASVS V5.1.2): every write endpoint is sent the fields a caller
may not set — role and staff flags, verification and suspension, counters and aggregates, owners and
ids, moderation state — and none of them is applied.

Covered in the apps as well: accounts/tests/test_register.py::test_privileged_fields_in_the_body_are_ignored,
accounts/tests/test_profile.py::test_privileged_fields_are_ignored, reviews/tests/test_api.py::
test_create_ignores_fields_a_caller_may_not_set, ::test_update_ignores_fields_the_author_may_not_set,
catalog/tests/test_api_write.py::test_fields_a_caller_may_not_set_are_ignored,
social/tests/test_follows.py::test_fields_in_the_body_are_ignored.
"""

import uuid

import pytest

from accounts.models import Role, User
from accounts.tests.factories import DEFAULT_PASSWORD
from catalog.models import Movie
from conftest import client_for
from lemonnpie.tests.security.conftest import REVIEW_FIELDS
from moderation.models import Report
from reviews.models import Review, ReviewVote

FORGED_ID = "00000000-0000-4000-8000-000000000001"

PRIVILEGED_USER_FIELDS = {
    "id": FORGED_ID,
    "role": Role.ADMIN,
    "is_staff": True,
    "is_superuser": True,
    "is_verified": True,
    "is_active": False,
    "email": "taken-over@example.ng",
    "review_count": 500,
    "review_rating_sum": 5000,
    "followers_count": 10_000,
    "following_count": 10_000,
    "login_attempts": 0,
    "locked_until": None,
    "token_version": 99,
    "password": "Set-by-the-back-door-1",
    "groups": [1],
    "user_permissions": [1],
}

MOVIE_AGGREGATES = {
    "id": FORGED_ID,
    "review_count": 900,
    "rating_sum": 9000,
    **{f"rating_count_{n}": 90 for n in range(1, 11)},
    "cultural_authenticity_sum": 9000,
    "production_quality_sum": 9000,
    "story_sum": 9000,
    "acting_sum": 9000,
    "cinematography_sum": 9000,
    "critic_count": 90,
    "critic_rating_sum": 900,
    "lemon_pie_rating": 10,
    "search_vector": "'hacked':1",
    "stats": {"average_rating": 10},
    "created_at": "2000-01-01T00:00:00Z",
}


def _user_is_untouched(user: User, *, email: str) -> None:
    user.refresh_from_db()
    assert (user.role, user.is_superuser, user.is_staff, user.is_active) == (Role.USER, False, False, True)
    assert user.email == email and str(user.pk) != FORGED_ID
    assert (user.review_count, user.followers_count, user.following_count, user.token_version) == (0, 0, 0, 0)
    assert not user.groups.exists() and not user.user_permissions.exists()


def test_register_applies_none_of_the_privileged_fields(db, api_client):
    body = {
        **PRIVILEGED_USER_FIELDS,
        "email": "ada.eze@example.ng",
        "password": "Palm-wine-at-dusk-2026",
        "name": "Ada Eze",
    }
    response = api_client.post("/api/v1/auth/register", body, format="json")
    assert response.status_code == 201, response.content
    user = User.objects.get(email="ada.eze@example.ng")
    assert user.is_verified is False  # verification comes from the mailed link only
    _user_is_untouched(user, email="ada.eze@example.ng")
    assert response.json()["user"]["role"] == Role.USER


@pytest.mark.parametrize("method", ["put", "patch"])
def test_profile_updates_apply_none_of_the_privileged_fields(user, method):
    email = user.email
    response = getattr(client_for(user), method)("/api/v1/users/profile", {**PRIVILEGED_USER_FIELDS, "name": "Me"})
    assert response.status_code == 200, response.content
    _user_is_untouched(user, email=email)
    assert user.name == "Me" and user.check_password(DEFAULT_PASSWORD)


def test_review_create_ignores_owner_counts_and_moderation_state(user, other_user, review_world):
    movie = review_world["other_movie"]
    body = {
        **REVIEW_FIELDS,
        "movie_id": str(movie.pk),
        "id": FORGED_ID,
        "user": str(other_user.pk),
        "user_id": str(other_user.pk),
        "helpful_votes": 500,
        "unhelpful_votes": 7,
        "helpfulness_score": 493,
        "helpfulness": 1.0,
        "by_critic": True,
        "moderation_status": "pending",
        "is_flagged": True,
        "created_at": "2000-01-01T00:00:00Z",
        "user_vote": "helpful",
    }
    response = client_for(user).post("/api/v1/reviews", body)
    assert response.status_code == 201, response.content
    review = Review.objects.get(pk=response.json()["id"])
    assert str(review.pk) != FORGED_ID and review.user_id == user.pk and review.movie_id == movie.pk
    assert (review.helpful_votes, review.unhelpful_votes, review.by_critic) == (0, 0, False)
    assert (review.moderation_status, review.is_flagged) == ("approved", False)
    assert review.created_at.year > 2000
    assert response.json()["user_vote"] is None


@pytest.mark.parametrize("method", ["put", "patch"])
def test_review_update_cannot_swap_owner_or_movie_or_set_counts(user, other_user, review_world, method):
    review = review_world["victim_review"]
    body = {
        "movie_id": str(review_world["other_movie"].pk),
        "movie": str(review_world["other_movie"].pk),
        "user": str(other_user.pk),
        "user_id": str(other_user.pk),
        "helpful_votes": 40,
        "unhelpful_votes": 40,
        "moderation_status": "rejected",
        "by_critic": True,
        "story_rating": 3,
    }
    assert getattr(client_for(user), method)(f"/api/v1/reviews/{review.pk}", body).status_code == 200
    review.refresh_from_db()
    assert (review.movie_id, review.user_id) == (review_world["movie"].pk, user.pk)
    assert (review.helpful_votes, review.unhelpful_votes, review.by_critic) == (0, 0, False)
    assert (review.moderation_status, review.story_rating) == ("approved", 3)


def test_a_vote_counts_once_whatever_the_body_says(other_user, review_world):
    review = review_world["victim_review"]
    body = {"vote_type": "helpful", "helpful_votes": 1000, "weight": 50, "count": 50, "user": str(uuid.uuid4())}
    response = client_for(other_user).post(f"/api/v1/reviews/{review.pk}/vote", body)
    assert response.status_code == 200
    review.refresh_from_db()
    assert (review.helpful_votes, review.unhelpful_votes) == (1, 0)
    assert ReviewVote.objects.filter(review=review).count() == 1


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_movie_writes_ignore_every_aggregate_column(admin_client_api, review_world, method):
    body = {**MOVIE_AGGREGATES, "title": "Ìjọ̀ba", "release_date": "2024-05-01"}
    if method == "post":
        response = admin_client_api.post("/api/v1/movies", body)
        assert response.status_code == 201, response.content
        movie = Movie.objects.get(pk=response.json()["id"])
        expected = (0, 0, 0, 0, None)
    else:
        movie = review_world["movie"]  # two approved reviews count in it
        before = Movie.objects.values("review_count", "rating_sum", "critic_count", "story_sum").get(pk=movie.pk)
        response = getattr(admin_client_api, method)(f"/api/v1/movies/{movie.pk}", body)
        assert response.status_code == 200, response.content
        expected = (*before.values(), response.json()["lemon_pie_rating"])
    movie.refresh_from_db()
    assert str(movie.pk) != FORGED_ID and movie.created_at.year > 2000
    actual = (movie.review_count, movie.rating_sum, movie.critic_count, movie.story_sum, movie.lemon_pie_rating)
    assert actual[:4] == expected[:4]
    assert (actual[4] is None) == (expected[4] is None)
    assert all(getattr(movie, f"rating_count_{n}") < 90 for n in range(1, 11))
    assert movie.title == "Ìjọ̀ba"


def test_a_report_is_always_open_and_the_callers_own(user, other_user, review_world):
    body = {
        "content_type": "review",
        "content_id": str(review_world["attacker_review"].pk),
        "reason": "spam",
        "id": FORGED_ID,
        "reporter": str(other_user.pk),
        "reporter_id": str(other_user.pk),
        "status": "resolved",
        "resolution": "actioned",
        "resolved_by": str(other_user.pk),
        "resolved_at": "2000-01-01T00:00:00Z",
    }
    response = client_for(user).post("/api/v1/reports", body)
    assert response.status_code == 201, response.content
    report = Report.objects.get(pk=response.json()["id"])
    assert str(report.pk) != FORGED_ID and report.reporter_id == user.pk
    assert (report.status, report.resolution, report.resolved_by_id, report.resolved_at) == ("open", "", None, None)


def test_admin_actions_change_only_what_they_name(admin_client_api, user):
    extra = {
        "is_superuser": True,
        "is_active": False,
        "email": "x@example.ng",
        "token_version": 9,
        "is_verified": False,
    }
    response = admin_client_api.put(f"/api/v1/admin/users/{user.pk}/role", {"role": Role.CRITIC, **extra})
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.role, user.is_superuser, user.is_active, user.is_verified) == (Role.CRITIC, False, True, True)
    assert user.email != "x@example.ng"
    suspended = admin_client_api.post(f"/api/v1/admin/users/{user.pk}/suspend", {"reason": "spam", "role": "admin"})
    assert suspended.status_code == 200
    user.refresh_from_db()
    assert (user.role, user.is_active) == (Role.CRITIC, False)


def test_resolving_a_report_cannot_rewrite_who_or_what_was_reported(moderator_client, moderator, review_world):
    report = review_world["report"]
    body = {
        "resolution": "dismissed",
        "note": "Not spam.",
        "content_id": str(uuid.uuid4()),
        "content_type": "user",
        "reporter": str(moderator.pk),
        "resolved_by": str(uuid.uuid4()),
        "reason": "abuse",
    }
    assert moderator_client.put(f"/api/v1/admin/reports/{report.pk}/resolve", body).status_code == 200
    stored = Report.objects.get(pk=report.pk)
    assert (stored.content_id, stored.content_type, stored.reason) == (report.content_id, "review", "spam")
    assert (stored.reporter_id, stored.resolved_by_id) == (report.reporter_id, moderator.pk)
