import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from conftest import client_for
from reviews import services
from reviews.models import Review, ReviewVote
from reviews.tests.helpers import GOOD_REVIEW, assert_everything_exact, movie_stored

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"error", "message", "details", "timestamp", "path"}
REVIEW_KEYS = {
    "id",
    "movie_id",
    "movie",
    "user",
    "lemon_pie_rating",
    "review_text",
    "review_language",
    "spoiler_warning",
    "cultural_authenticity_rating",
    "production_quality_rating",
    "story_rating",
    "acting_rating",
    "cinematography_rating",
    "nollywood_tags",
    "helpful_votes",
    "unhelpful_votes",
    "helpfulness_score",
    "user_vote",
    "created_at",
    "updated_at",
}


def envelope(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["error"] == error
    return body


def fields_in(body) -> set:
    return {detail["field"] for detail in body["details"]}


def body_for(movie, **overrides) -> dict:
    return {"movie_id": str(movie.pk), **GOOD_REVIEW, **overrides}


def make_review(author=None, movie=None, **overrides) -> Review:
    return services.review_create(
        user=author or UserFactory(), movie_id=(movie or MovieFactory()).pk, **{**GOOD_REVIEW, **overrides}
    )


# --- create --------------------------------------------------------------------------------------


def test_create_answers_201_with_the_review_shape(auth_client, user, movie):
    response = auth_client.post(
        "/api/v1/reviews",
        body_for(movie, nollywood_tags=["Family Drama", "LAGOS_life", "family-drama"], review_language="YO"),
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == REVIEW_KEYS
    assert data["movie"] == {"id": str(movie.pk), "title": movie.title}
    assert data["movie_id"] == str(movie.pk)
    assert data["user"]["id"] == str(user.pk)
    assert "email" not in data["user"] and "stats" not in data["user"]
    assert data["nollywood_tags"] == ["family-drama", "lagos-life"]
    assert data["review_language"] == "yo"
    assert data["spoiler_warning"] is False
    assert (data["helpful_votes"], data["unhelpful_votes"], data["helpfulness_score"]) == (0, 0, 0)
    assert data["user_vote"] is None
    assert data["created_at"].endswith("Z")
    assert movie_stored(movie.pk)["review_count"] == 1


def test_create_works_with_a_trailing_slash_and_never_redirects(auth_client, movie):
    response = auth_client.post("/api/v1/reviews/", body_for(movie), format="json")
    assert response.status_code == 201


def test_create_ignores_fields_a_caller_may_not_set(auth_client, user, other_user, movie):
    chosen_id = str(uuid.uuid4())
    response = auth_client.post(
        "/api/v1/reviews",
        body_for(
            movie,
            helpful_votes=500,
            unhelpful_votes=3,
            user=str(other_user.pk),
            user_id=str(other_user.pk),
            moderation_status="rejected",
            is_flagged=True,
            id=chosen_id,
        ),
        format="json",
    )
    assert response.status_code == 201
    review = Review.objects.get()
    assert review.user_id == user.pk
    assert (review.helpful_votes, review.unhelpful_votes) == (0, 0)
    assert (review.moderation_status, review.is_flagged) == ("approved", False)
    assert str(review.pk) != chosen_id


def test_create_needs_authentication(api_client, movie):
    envelope(api_client.post("/api/v1/reviews", body_for(movie), format="json"), 401, "not_authenticated")


def test_create_lists_every_missing_field(auth_client):
    body = envelope(auth_client.post("/api/v1/reviews", {}, format="json"), 400, "validation_error")
    assert fields_in(body) == {
        "movie_id",
        "lemon_pie_rating",
        "cultural_authenticity_rating",
        "production_quality_rating",
        "story_rating",
        "acting_rating",
        "cinematography_rating",
        "review_text",
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lemon_pie_rating": 0}, "lemon_pie_rating"),
        ({"lemon_pie_rating": 11}, "lemon_pie_rating"),
        ({"lemon_pie_rating": 7.5}, "lemon_pie_rating"),
        ({"lemon_pie_rating": "seven"}, "lemon_pie_rating"),
        ({"lemon_pie_rating": True}, "lemon_pie_rating"),
        ({"lemon_pie_rating": None}, "lemon_pie_rating"),
        ({"cultural_authenticity_rating": -3}, "cultural_authenticity_rating"),
        ({"production_quality_rating": 100}, "production_quality_rating"),
        ({"story_rating": 0}, "story_rating"),
        ({"acting_rating": 12}, "acting_rating"),
        ({"cinematography_rating": "x"}, "cinematography_rating"),
        ({"review_text": "too short"}, "review_text"),
        ({"review_text": "    short     "}, "review_text"),
        ({"review_text": "x" * 5001}, "review_text"),
        ({"review_language": "english!"}, "review_language"),
        ({"review_language": "e"}, "review_language"),
        ({"spoiler_warning": "maybe"}, "spoiler_warning"),
        ({"nollywood_tags": "not-a-list"}, "nollywood_tags"),
        ({"nollywood_tags": [f"tag-{n}" for n in range(11)]}, "nollywood_tags"),
        ({"nollywood_tags": ["ok", "x" * 41]}, "nollywood_tags.1"),
        ({"nollywood_tags": ["fine", "!!!"]}, "nollywood_tags.1"),
        ({"movie_id": "not-a-uuid"}, "movie_id"),
    ],
)
def test_create_validates_each_field_with_details(auth_client, movie, overrides, field):
    response = auth_client.post("/api/v1/reviews", body_for(movie, **overrides), format="json")
    body = envelope(response, 400, "validation_error")
    assert fields_in(body) == {field}
    assert not Review.objects.exists()


def test_boundary_values_are_accepted(auth_client, movie):
    response = auth_client.post(
        "/api/v1/reviews",
        body_for(
            movie,
            lemon_pie_rating=1,
            story_rating=10,
            review_text="x" * 5000,
            nollywood_tags=[f"tag-{n}" for n in range(10)] + ["TAG-0"],
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert len(response.json()["nollywood_tags"]) == 10


def test_ten_tags_after_normalisation_is_the_limit(auth_client, movie):
    tags = [f"Tag {n}" for n in range(10)] + ["tag_0", "TAG-1"]  # 12 given, 10 distinct slugs
    response = auth_client.post("/api/v1/reviews", body_for(movie, nollywood_tags=tags), format="json")
    assert response.status_code == 201
    assert response.json()["nollywood_tags"] == [f"tag-{n}" for n in range(10)]


def test_an_unknown_movie_is_a_400_on_movie_id(auth_client):
    response = auth_client.post("/api/v1/reviews", {**GOOD_REVIEW, "movie_id": str(uuid.uuid4())}, format="json")
    body = envelope(response, 400, "validation_error")
    assert fields_in(body) == {"movie_id"}


def test_a_second_review_of_the_same_movie_is_409(auth_client, movie):
    assert auth_client.post("/api/v1/reviews", body_for(movie), format="json").status_code == 201
    response = auth_client.post("/api/v1/reviews", body_for(movie, lemon_pie_rating=1), format="json")
    envelope(response, 409, "conflict")
    assert movie_stored(movie.pk)["rating_sum"] == GOOD_REVIEW["lemon_pie_rating"]


def test_malformed_json_is_a_parse_error(auth_client):
    response = auth_client.post("/api/v1/reviews", data="{nope", content_type="application/json")
    envelope(response, 400, "parse_error")


# --- retrieve ------------------------------------------------------------------------------------


def test_retrieve_shows_an_approved_review_to_anyone(api_client):
    review = make_review()
    response = api_client.get(f"/api/v1/reviews/{review.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == str(review.pk)


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_hidden_reviews_are_404_even_for_their_author(status):
    review = make_review()
    services.review_moderate(review=review, status=status)
    for client in (client_for(), client_for(review.user)):
        envelope(client.get(f"/api/v1/reviews/{review.pk}"), 404, "not_found")


@pytest.mark.parametrize("bad_id", ["abc", "123", "------------------------------------", "trending-ish"])
def test_a_non_uuid_id_is_a_404_envelope(api_client, bad_id):
    envelope(api_client.get(f"/api/v1/reviews/{bad_id}"), 404, "not_found")
    envelope(api_client.get(f"/api/v1/movies/{bad_id}/reviews"), 404, "not_found")
    envelope(api_client.get(f"/api/v1/users/{bad_id}/reviews"), 404, "not_found")


def test_an_unknown_review_is_404(api_client):
    envelope(api_client.get(f"/api/v1/reviews/{uuid.uuid4()}/"), 404, "not_found")


def test_filters_in_the_query_string_do_not_hide_a_detail(api_client):
    review = make_review(lemon_pie_rating=3)
    assert api_client.get(f"/api/v1/reviews/{review.pk}?rating_min=9").status_code == 200


# --- update --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch"])
def test_the_author_updates_with_a_partial_body(auth_client, user, movie, method):
    review = make_review(author=user, movie=movie, lemon_pie_rating=4)
    response = getattr(auth_client, method)(
        f"/api/v1/reviews/{review.pk}", {"lemon_pie_rating": 9, "nollywood_tags": ["Owambe"]}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["lemon_pie_rating"], data["nollywood_tags"]) == (9, ["owambe"])
    assert data["review_text"] == GOOD_REVIEW["review_text"]
    stored = movie_stored(movie.pk)
    assert (stored["rating_count_4"], stored["rating_count_9"], stored["rating_sum"]) == (0, 1, 9)


def test_update_ignores_fields_the_author_may_not_set(auth_client, user, movie, other_movie, other_user):
    review = make_review(author=user, movie=movie)
    response = auth_client.patch(
        f"/api/v1/reviews/{review.pk}",
        {"movie_id": str(other_movie.pk), "helpful_votes": 40, "user": str(other_user.pk), "story_rating": 2},
        format="json",
    )
    assert response.status_code == 200
    review.refresh_from_db()
    assert (review.movie_id, review.user_id, review.helpful_votes, review.story_rating) == (movie.pk, user.pk, 0, 2)
    assert_everything_exact()


def test_update_validates_like_create(auth_client, user):
    review = make_review(author=user)
    response = auth_client.patch(
        f"/api/v1/reviews/{review.pk}", {"lemon_pie_rating": 0, "review_text": "short"}, format="json"
    )
    body = envelope(response, 400, "validation_error")
    assert fields_in(body) == {"lemon_pie_rating", "review_text"}


def test_others_may_not_update(other_client, moderator_client, api_client, user):
    review = make_review(author=user)
    for client in (other_client, moderator_client):
        envelope(
            client.patch(f"/api/v1/reviews/{review.pk}", {"story_rating": 1}, format="json"), 403, "permission_denied"
        )
    envelope(
        api_client.put(f"/api/v1/reviews/{review.pk}", {"story_rating": 1}, format="json"), 401, "not_authenticated"
    )
    review.refresh_from_db()
    assert review.story_rating == GOOD_REVIEW["story_rating"]


def test_an_empty_update_changes_nothing(auth_client, user):
    review = make_review(author=user)
    response = auth_client.patch(f"/api/v1/reviews/{review.pk}", {}, format="json")
    assert response.status_code == 200
    assert response.json()["updated_at"] == Review.objects.get(pk=review.pk).updated_at.isoformat().replace(
        "+00:00", "Z"
    )


# --- delete --------------------------------------------------------------------------------------


def test_the_author_deletes_their_review(auth_client, user, movie):
    review = make_review(author=user, movie=movie)
    assert auth_client.delete(f"/api/v1/reviews/{review.pk}").status_code == 204
    assert not Review.objects.exists()
    assert movie_stored(movie.pk)["review_count"] == 0


def test_the_author_may_delete_their_hidden_review_to_write_a_new_one(auth_client, user, movie):
    review = make_review(author=user, movie=movie)
    services.review_moderate(review=review, status="rejected")
    assert auth_client.delete(f"/api/v1/reviews/{review.pk}/").status_code == 204
    assert auth_client.post("/api/v1/reviews", body_for(movie), format="json").status_code == 201


@pytest.mark.parametrize("role_client", ["moderator_client", "admin_client_api"])
def test_moderators_and_admins_delete_any_review(request, role_client):
    review = make_review()
    services.review_moderate(review=review, status="pending")
    client = request.getfixturevalue(role_client)
    assert client.delete(f"/api/v1/reviews/{review.pk}").status_code == 204
    assert_everything_exact()


def test_other_users_and_critics_may_not_delete(other_client, critic_client, api_client):
    review = make_review()
    envelope(other_client.delete(f"/api/v1/reviews/{review.pk}"), 403, "permission_denied")
    envelope(critic_client.delete(f"/api/v1/reviews/{review.pk}"), 403, "permission_denied")
    envelope(api_client.delete(f"/api/v1/reviews/{review.pk}"), 401, "not_authenticated")
    assert Review.objects.filter(pk=review.pk).exists()


def test_others_hidden_reviews_are_404_to_delete(other_client):
    review = make_review()
    services.review_moderate(review=review, status="pending")
    envelope(other_client.delete(f"/api/v1/reviews/{review.pk}"), 404, "not_found")


# --- votes ---------------------------------------------------------------------------------------


def test_vote_returns_the_review_with_the_callers_vote(other_client, user):
    review = make_review(author=user)
    response = other_client.post(f"/api/v1/reviews/{review.pk}/vote", {"vote_type": "helpful"}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["helpful_votes"], data["helpfulness_score"], data["user_vote"]) == (1, 1, "helpful")


def test_voting_twice_is_idempotent_and_changing_moves_the_vote(other_client, user):
    review = make_review(author=user)
    url = f"/api/v1/reviews/{review.pk}/vote/"
    other_client.post(url, {"vote_type": "helpful"}, format="json")
    data = other_client.post(url, {"vote_type": "helpful"}, format="json").json()
    assert (data["helpful_votes"], data["unhelpful_votes"]) == (1, 0)
    data = other_client.post(url, {"vote_type": "unhelpful"}, format="json").json()
    assert (data["helpful_votes"], data["unhelpful_votes"], data["helpfulness_score"]) == (0, 1, -1)
    assert data["user_vote"] == "unhelpful"
    assert ReviewVote.objects.count() == 1


def test_removing_a_vote_is_204_and_idempotent(other_client, user):
    review = make_review(author=user)
    url = f"/api/v1/reviews/{review.pk}/vote"
    other_client.post(url, {"vote_type": "unhelpful"}, format="json")
    assert other_client.delete(url).status_code == 204
    assert other_client.delete(url).status_code == 204
    review.refresh_from_db()
    assert (review.helpful_votes, review.unhelpful_votes) == (0, 0)


def test_voting_on_your_own_review_is_a_bad_request(auth_client, user):
    review = make_review(author=user)
    response = auth_client.post(f"/api/v1/reviews/{review.pk}/vote", {"vote_type": "helpful"}, format="json")
    envelope(response, 400, "bad_request")


@pytest.mark.parametrize("body", [{}, {"vote_type": "love"}, {"vote_type": None}])
def test_a_bad_vote_type_is_a_validation_error(other_client, user, body):
    review = make_review(author=user)
    response = other_client.post(f"/api/v1/reviews/{review.pk}/vote", body, format="json")
    assert fields_in(envelope(response, 400, "validation_error")) == {"vote_type"}


def test_voting_needs_authentication(api_client):
    review = make_review()
    url = f"/api/v1/reviews/{review.pk}/vote"
    envelope(api_client.post(url, {"vote_type": "helpful"}, format="json"), 401, "not_authenticated")
    envelope(api_client.delete(url), 401, "not_authenticated")


def test_hidden_and_unknown_reviews_take_no_votes(other_client):
    review = make_review()
    services.review_moderate(review=review, status="rejected")
    for review_id in (review.pk, uuid.uuid4()):
        url = f"/api/v1/reviews/{review_id}/vote"
        envelope(other_client.post(url, {"vote_type": "helpful"}, format="json"), 404, "not_found")
        envelope(other_client.delete(url), 404, "not_found")


def test_user_vote_is_per_caller_in_lists(other_client, auth_client, api_client, user):
    review = make_review(author=user)
    other_client.post(f"/api/v1/reviews/{review.pk}/vote", {"vote_type": "unhelpful"}, format="json")
    assert other_client.get("/api/v1/reviews").json()["results"][0]["user_vote"] == "unhelpful"
    assert auth_client.get("/api/v1/reviews").json()["results"][0]["user_vote"] is None
    assert api_client.get("/api/v1/reviews").json()["results"][0]["user_vote"] is None


# --- lists, filters and ordering -----------------------------------------------------------------


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_shows_only_approved_reviews_newest_first(api_client):
    older = make_review()
    newer = make_review()
    hidden = make_review()
    services.review_moderate(review=hidden, status="pending")
    Review.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    response = api_client.get("/api/v1/reviews")
    assert ids(response) == [str(newer.pk), str(older.pk)]
    assert response.json()["count"] == 2


def test_list_filters(api_client, movie):
    author = UserFactory()
    a = make_review(author=author, movie=movie, lemon_pie_rating=9, nollywood_tags=["Owambe Party"])
    b = make_review(movie=movie, lemon_pie_rating=5, review_language="yo", spoiler_warning=True)
    c = make_review(lemon_pie_rating=7, review_language="pcm", nollywood_tags=["owambe-party", "lagos"])

    def listed(query):
        return set(ids(api_client.get(f"/api/v1/reviews?{query}")))

    assert listed(f"movie={movie.pk}") == {str(a.pk), str(b.pk)}
    assert listed(f"user={author.pk}") == {str(a.pk)}
    assert listed("rating_min=7") == {str(a.pk), str(c.pk)}
    assert listed("rating_min=1") == {str(a.pk), str(b.pk), str(c.pk)}
    assert listed("language=YO") == {str(b.pk)}
    assert listed("tag=Owambe%20Party") == {str(a.pk), str(c.pk)}
    assert listed("tag=lagos") == {str(c.pk)}
    assert listed("tag=%21%21") == set()
    assert listed("spoiler=true") == {str(b.pk)}
    assert listed("spoiler=false") == {str(a.pk), str(c.pk)}
    assert listed(f"movie={movie.pk}&rating_min=6") == {str(a.pk)}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("movie=nope", "movie"),
        ("user=123", "user"),
        ("rating_min=11", "rating_min"),
        ("rating_min=0", "rating_min"),
        ("rating_min=abc", "rating_min"),
        ("rating_min=7.5", "rating_min"),
        ("spoiler=perhaps", "spoiler"),
        ("ordering=title", "ordering"),
        ("ordering=-password", "ordering"),
    ],
)
def test_bad_filter_values_are_400(api_client, query, field):
    body = envelope(api_client.get(f"/api/v1/reviews?{query}"), 400, "validation_error")
    assert fields_in(body) == {field}


def test_helpfulness_ordering_uses_the_wilson_lower_bound_not_the_raw_difference(api_client, movie):
    """One early helpful vote (1/1) must not beat 40 helpful of 45; 5/5 beats 1/1 too."""
    lucky = make_review(movie=movie)
    solid = make_review(movie=movie)
    fresh = make_review(movie=movie)
    middling = make_review(movie=movie)
    # Counters set directly: this test is about ordering, the vote services are tested elsewhere.
    Review.objects.filter(pk=lucky.pk).update(helpful_votes=1, unhelpful_votes=0)
    Review.objects.filter(pk=solid.pk).update(helpful_votes=40, unhelpful_votes=5)
    Review.objects.filter(pk=middling.pk).update(helpful_votes=5, unhelpful_votes=5)
    expected = [str(solid.pk), str(middling.pk), str(lucky.pk), str(fresh.pk)]
    assert ids(api_client.get("/api/v1/reviews?ordering=-helpfulness")) == expected
    assert ids(api_client.get(f"/api/v1/movies/{movie.pk}/reviews?ordering=-helpfulness")) == expected
    assert ids(api_client.get("/api/v1/reviews?ordering=helpfulness"))[0] == str(fresh.pk)


def test_rating_and_created_at_orderings(api_client):
    low = make_review(lemon_pie_rating=2)
    high = make_review(lemon_pie_rating=10)
    mid = make_review(lemon_pie_rating=6)
    assert ids(api_client.get("/api/v1/reviews?ordering=-lemon_pie_rating")) == [str(high.pk), str(mid.pk), str(low.pk)]
    assert ids(api_client.get("/api/v1/reviews?ordering=lemon_pie_rating")) == [str(low.pk), str(mid.pk), str(high.pk)]
    assert ids(api_client.get("/api/v1/reviews?ordering=created_at")) == [str(low.pk), str(high.pk), str(mid.pk)]
    assert ids(api_client.get("/api/v1/reviews?ordering=-created_at")) == [str(mid.pk), str(high.pk), str(low.pk)]


def test_pages_do_not_overlap_when_sort_keys_tie(api_client):
    made = {str(make_review(lemon_pie_rating=5).pk) for _ in range(7)}
    Review.objects.update(created_at=timezone.now())
    seen = []
    for page in (1, 2, 3):
        seen += ids(api_client.get(f"/api/v1/reviews?ordering=-lemon_pie_rating&page_size=3&page={page}"))
    assert sorted(seen) == sorted(made)


# --- movie and user review lists -----------------------------------------------------------------


def test_movie_reviews_lists_approved_reviews_of_that_movie(api_client, movie, other_movie):
    mine = make_review(movie=movie)
    hidden = make_review(movie=movie)
    services.review_moderate(review=hidden, status="rejected")
    make_review(movie=other_movie)
    assert ids(api_client.get(f"/api/v1/movies/{movie.pk}/reviews")) == [str(mine.pk)]
    assert ids(api_client.get(f"/api/v1/movies/{movie.pk}/reviews/?rating_min=9")) == []


def test_movie_reviews_of_an_unknown_movie_is_404(api_client):
    envelope(api_client.get(f"/api/v1/movies/{uuid.uuid4()}/reviews"), 404, "not_found")


def test_movie_reviews_refuses_an_unknown_ordering(api_client, movie):
    envelope(api_client.get(f"/api/v1/movies/{movie.pk}/reviews?ordering=title"), 400, "validation_error")


def test_user_reviews_lists_that_users_approved_reviews_newest_first(api_client, user):
    first = make_review(author=user)
    second = make_review(author=user)
    hidden = make_review(author=user)
    services.review_moderate(review=hidden, status="pending")
    make_review()
    Review.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert ids(api_client.get(f"/api/v1/users/{user.pk}/reviews")) == [str(second.pk), str(first.pk)]


def test_user_reviews_of_unknown_or_suspended_users_is_404(api_client, user):
    make_review(author=user)
    envelope(api_client.get(f"/api/v1/users/{uuid.uuid4()}/reviews"), 404, "not_found")
    user.is_active = False
    user.save(update_fields=["is_active"])
    envelope(api_client.get(f"/api/v1/users/{user.pk}/reviews/"), 404, "not_found")


# --- trending ------------------------------------------------------------------------------------


def test_trending_ranks_recent_reviews_by_helpfulness(api_client):
    reviews = [make_review() for _ in range(10)]
    old_star = make_review()
    Review.objects.filter(pk=old_star.pk).update(
        created_at=timezone.now() - timedelta(days=30), helpful_votes=100, unhelpful_votes=0
    )
    Review.objects.filter(pk=reviews[3].pk).update(helpful_votes=9, unhelpful_votes=1)
    Review.objects.filter(pk=reviews[7].pk).update(helpful_votes=1)
    listed = ids(api_client.get("/api/v1/reviews/trending?page_size=50"))
    assert listed[:2] == [str(reviews[3].pk), str(reviews[7].pk)]
    assert str(old_star.pk) not in listed
    assert len(listed) == 10


def test_trending_falls_back_to_all_time_when_the_week_is_quiet(api_client):
    old = make_review()
    older = make_review()
    Review.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40), helpful_votes=3)
    Review.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=90), helpful_votes=30)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert ids(api_client.get("/api/v1/reviews/trending/")) == [str(older.pk), str(old.pk)]


def test_trending_hides_hidden_reviews(api_client):
    review = make_review()
    services.review_moderate(review=review, status="pending")
    assert ids(api_client.get("/api/v1/reviews/trending")) == []


# --- query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [2, 40])
@pytest.mark.parametrize(
    ("path", "anonymous_queries", "authenticated_queries"),
    [
        ("/api/v1/reviews?page_size=100", 2, 3),
        ("/api/v1/reviews?page_size=100&ordering=-helpfulness&spoiler=false", 2, 3),
        ("/api/v1/reviews/trending?page_size=100", 3, 4),
        ("/api/v1/movies/{movie}/reviews?page_size=100&ordering=-helpfulness", 3, 4),
        ("/api/v1/users/{user}/reviews?page_size=100", 3, 4),
    ],
)
def test_list_query_count_does_not_grow_with_rows(
    django_assert_num_queries, movie, rows, path, anonymous_queries, authenticated_queries
):
    """Anonymous: [lookup of the parent,] count, page. Authenticated: + the token's user row."""
    viewer = UserFactory()
    author = UserFactory()
    for _ in range(rows):
        by_author = path.startswith("/api/v1/users")
        review = make_review(author=author if by_author else None, movie=None if by_author else movie)
        services.review_vote(review=review, user=viewer, vote_type="helpful")
    url = path.format(movie=movie.pk, user=author.pk)
    anonymous, signed_in = client_for(), client_for(viewer)
    with django_assert_num_queries(anonymous_queries):
        response = anonymous.get(url)
    assert len(response.json()["results"]) == rows
    with django_assert_num_queries(authenticated_queries):
        response = signed_in.get(url)
    assert {row["user_vote"] for row in response.json()["results"]} == {"helpful"}


def test_a_vote_costs_a_fixed_handful_of_queries(django_assert_num_queries, user):
    """Token's user, savepoint (the test's transaction around it), lock timeout, review lock,
    vote + counter in one statement, lock timeout restored, release, the review as shown; a
    changed vote adds its read, its update and the counters' move."""
    review = make_review(author=user)
    voter = client_for(UserFactory())
    url = f"/api/v1/reviews/{review.pk}/vote"
    with django_assert_num_queries(8):
        assert voter.post(url, {"vote_type": "helpful"}, format="json").json()["helpful_votes"] == 1
    with django_assert_num_queries(11):
        data = voter.post(url, {"vote_type": "unhelpful"}, format="json").json()
    assert (data["helpful_votes"], data["unhelpful_votes"], data["user_vote"]) == (0, 1, "unhelpful")
    assert_everything_exact()
