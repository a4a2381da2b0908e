"""Object-level authorization (OWASP API1, ASVS V4.2): with two signed-in users, the attacker
(`other_user`) aims every `{id}` route at the victim's (`user`) objects. Nothing of the victim's
changes, and nothing private of the victim's is shown.

`test_every_id_route_is_covered` fails when a new `{id}` operation appears in the schema without
being listed in COVERED (and so without a test here)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import User
from conftest import client_for
from diary import services as diary_services
from diary.models import DataExport, DataImport, DiaryEntry, FilmRating
from lemonnpie.tests.security.conftest import assert_envelope
from lists.models import FilmList
from moderation.models import Report
from reviews.models import Review, ReviewVote
from social.models import FavoriteEntry, Follow, WatchlistEntry

# (method, schema path) → the test below that aims it at someone else's object.
COVERED = {
    ("post", "/api/v1/admin/moderation/{content_id}/"): "test_admin_routes_refuse_plain_users_on_the_victims_objects",
    ("put", "/api/v1/admin/reports/{id}/resolve/"): "test_admin_routes_refuse_plain_users_on_the_victims_objects",
    ("put", "/api/v1/admin/users/{id}/role/"): "test_admin_routes_refuse_plain_users_on_the_victims_objects",
    ("post", "/api/v1/admin/users/{id}/suspend/"): "test_admin_routes_refuse_plain_users_on_the_victims_objects",
    ("post", "/api/v1/admin/users/{id}/unsuspend/"): "test_admin_routes_refuse_plain_users_on_the_victims_objects",
    ("get", "/api/v1/auth/verify-email/{token}/"): "test_nobody_verifies_the_victims_address_without_the_mailed_token",
    ("get", "/api/v1/movies/{movie_id}/reviews/"): "test_hidden_reviews_stay_hidden_from_others",
    ("get", "/api/v1/movies/{id}/"): "test_catalogue_writes_refuse_plain_users",
    ("put", "/api/v1/movies/{id}/"): "test_catalogue_writes_refuse_plain_users",
    ("patch", "/api/v1/movies/{id}/"): "test_catalogue_writes_refuse_plain_users",
    ("delete", "/api/v1/movies/{id}/"): "test_catalogue_writes_refuse_plain_users",
    ("get", "/api/v1/series/{id}/"): "test_catalogue_writes_refuse_plain_users",
    ("post", "/api/v1/movies/{id}/poster/"): "test_catalogue_writes_refuse_plain_users",
    ("delete", "/api/v1/movies/{id}/poster/"): "test_catalogue_writes_refuse_plain_users",
    ("get", "/api/v1/people/{id}/"): "test_public_user_routes_never_show_private_data",
    ("get", "/api/v1/users/{id}/follow/"): "test_follows_are_always_the_callers_own",
    ("get", "/api/v1/reviews/{id}/"): "test_hidden_reviews_stay_hidden_from_others",
    ("put", "/api/v1/reviews/{id}/"): "test_nobody_edits_or_deletes_the_victims_review",
    ("patch", "/api/v1/reviews/{id}/"): "test_nobody_edits_or_deletes_the_victims_review",
    ("delete", "/api/v1/reviews/{id}/"): "test_nobody_edits_or_deletes_the_victims_review",
    ("post", "/api/v1/reviews/{id}/vote/"): "test_votes_are_always_the_callers_own",
    ("delete", "/api/v1/reviews/{id}/vote/"): "test_votes_are_always_the_callers_own",
    ("get", "/api/v1/users/{id}/"): "test_public_user_routes_never_show_private_data",
    ("get", "/api/v1/users/{id}/followers/"): "test_public_user_routes_never_show_private_data",
    ("get", "/api/v1/users/{id}/following/"): "test_public_user_routes_never_show_private_data",
    ("get", "/api/v1/users/{user_id}/reviews/"): "test_hidden_reviews_stay_hidden_from_others",
    ("post", "/api/v1/users/{id}/follow/"): "test_follows_are_always_the_callers_own",
    ("delete", "/api/v1/users/{id}/follow/"): "test_follows_are_always_the_callers_own",
    ("post", "/api/v1/users/watchlist/{movie_id}/"): "test_movie_lists_are_always_the_callers_own",
    ("delete", "/api/v1/users/watchlist/{movie_id}/"): "test_movie_lists_are_always_the_callers_own",
    ("post", "/api/v1/users/favorites/{movie_id}/"): "test_movie_lists_are_always_the_callers_own",
    ("delete", "/api/v1/users/favorites/{movie_id}/"): "test_movie_lists_are_always_the_callers_own",
    # diary
    ("get", "/api/v1/diary/{id}/"): "test_nobody_reads_or_changes_the_victims_diary",
    ("patch", "/api/v1/diary/{id}/"): "test_nobody_reads_or_changes_the_victims_diary",
    ("delete", "/api/v1/diary/{id}/"): "test_nobody_reads_or_changes_the_victims_diary",
    ("put", "/api/v1/diary/ratings/{movie_id}/"): "test_nobody_reads_or_changes_the_victims_diary",
    ("delete", "/api/v1/diary/ratings/{movie_id}/"): "test_nobody_reads_or_changes_the_victims_diary",
    ("get", "/api/v1/movies/{movie_id}/audience/"): "test_nobody_reads_or_changes_the_victims_diary",
    ("get", "/api/v1/users/{user_id}/diary/"): "test_a_private_diary_and_its_year_stay_private",
    ("get", "/api/v1/users/{user_id}/year/{year}/"): "test_a_private_diary_and_its_year_stay_private",
    ("get", "/api/v1/users/export/{export_id}/download/{token}/"): "test_exports_and_imports_are_the_callers_own",
    ("get", "/api/v1/users/import/{import_id}/"): "test_exports_and_imports_are_the_callers_own",
    # lists
    ("get", "/api/v1/lists/{id}/"): "test_nobody_changes_the_victims_lists",
    ("patch", "/api/v1/lists/{id}/"): "test_nobody_changes_the_victims_lists",
    ("delete", "/api/v1/lists/{id}/"): "test_nobody_changes_the_victims_lists",
    ("get", "/api/v1/lists/{id}/entries/"): "test_nobody_changes_the_victims_lists",
    ("post", "/api/v1/lists/{id}/entries/"): "test_nobody_changes_the_victims_lists",
    ("patch", "/api/v1/lists/{id}/entries/{movie_id}/"): "test_nobody_changes_the_victims_lists",
    ("delete", "/api/v1/lists/{id}/entries/{movie_id}/"): "test_nobody_changes_the_victims_lists",
    ("put", "/api/v1/lists/{id}/order/"): "test_nobody_changes_the_victims_lists",
    ("post", "/api/v1/lists/{id}/like/"): "test_nobody_changes_the_victims_lists",
    ("delete", "/api/v1/lists/{id}/like/"): "test_nobody_changes_the_victims_lists",
    ("get", "/api/v1/users/{user_id}/lists/"): "test_nobody_changes_the_victims_lists",
    ("post", "/api/v1/notifications/{id}/read/"): "test_nobody_reads_the_victims_notifications",
}


def test_every_id_route_is_covered():
    document = SchemaGenerator().get_schema(request=None, public=True)
    routes = {
        (method, path)
        for path, operations in document["paths"].items()
        if "{" in path
        for method in operations
        if method in {"get", "put", "patch", "post", "delete"}
    }
    assert routes == set(COVERED)
    assert set(COVERED.values()) <= set(globals())


@pytest.fixture
def attacker(other_user):
    return client_for(other_user)


def test_nobody_edits_or_deletes_the_victims_review(attacker, critic_client, api_client, review_world):
    review = review_world["victim_review"]
    before = Review.objects.values().get(pk=review.pk)
    url = f"/api/v1/reviews/{review.pk}"
    for client in (attacker, critic_client):
        assert_envelope(client.put(url, {"review_text": "Taken over by someone else entirely."}), 403)
        assert_envelope(client.patch(url, {"lemon_pie_rating": 1}), 403)
        assert_envelope(client.delete(url), 403)
    assert_envelope(api_client.patch(url, {"lemon_pie_rating": 1}), 401)
    assert Review.objects.values().get(pk=review.pk) == before


def test_hidden_reviews_stay_hidden_from_others(attacker, user, review_world):
    review = review_world["victim_review"]
    Review.objects.filter(pk=review.pk).update(moderation_status="pending")
    assert_envelope(attacker.get(f"/api/v1/reviews/{review.pk}"), 404, "not_found")
    listed = [
        attacker.get(f"/api/v1/movies/{review.movie_id}/reviews").json(),
        attacker.get(f"/api/v1/users/{user.pk}/reviews").json(),
        attacker.get("/api/v1/reviews", {"user": str(user.pk)}).json(),
    ]
    for page in listed:
        assert str(review.pk) not in {row["id"] for row in page["results"]}
    # A hidden review cannot be edited, deleted or voted on by others either.
    for response in (
        attacker.patch(f"/api/v1/reviews/{review.pk}", {"lemon_pie_rating": 1}),
        attacker.delete(f"/api/v1/reviews/{review.pk}"),
        attacker.post(f"/api/v1/reviews/{review.pk}/vote", {"vote_type": "unhelpful"}),
    ):
        assert response.status_code in (403, 404), response.content


def test_votes_are_always_the_callers_own(attacker, user, other_user, review_world):
    author_review = review_world["author_review"]
    url = f"/api/v1/reviews/{author_review.pk}/vote"
    victim_vote = ReviewVote.objects.get(review=author_review, user=user)

    # Removing "a" vote removes the caller's (none), never the victim's.
    assert attacker.delete(url).status_code == 204
    assert ReviewVote.objects.filter(pk=victim_vote.pk, vote_type="helpful").exists()
    # Voting with someone else's id in the body records the caller's vote only.
    response = attacker.post(url, {"vote_type": "unhelpful", "user": str(user.pk), "user_id": str(user.pk)})
    assert response.status_code == 200
    assert ReviewVote.objects.get(pk=victim_vote.pk).vote_type == "helpful"
    assert ReviewVote.objects.get(review=author_review, user=other_user).vote_type == "unhelpful"
    assert response.json()["user_vote"] == "unhelpful"
    assert client_for(user).get(f"/api/v1/reviews/{author_review.pk}").json()["user_vote"] == "helpful"


def test_follows_are_always_the_callers_own(attacker, user, other_user, review_world):
    author = review_world["author"]
    assert attacker.delete(f"/api/v1/users/{author.pk}/follow").status_code == 204
    assert Follow.objects.filter(follower=user, following=author).exists()
    assert User.objects.get(pk=author.pk).followers_count == 1
    assert attacker.post(f"/api/v1/users/{user.pk}/follow", {"follower": str(author.pk)}).status_code == 201
    assert Follow.objects.filter(follower=other_user, following=user).exists()
    assert not Follow.objects.filter(follower=author, following=user).exists()
    # Reading a follow status is always about the caller: the victim's follow of the author is not shown.
    status = attacker.get(f"/api/v1/users/{author.pk}/follow", {"follower": str(user.pk)}).json()
    assert status["following"] is False and status["followed_at"] is None


@pytest.mark.parametrize(("name", "model"), [("watchlist", WatchlistEntry), ("favorites", FavoriteEntry)])
def test_movie_lists_are_always_the_callers_own(attacker, user, other_user, review_world, name, model):
    movie = review_world["movie"]
    assert attacker.delete(f"/api/v1/users/{name}/{movie.pk}").status_code == 204
    assert model.objects.filter(user=user, movie=movie).exists()
    assert attacker.get(f"/api/v1/users/{name}").json()["count"] == 0
    other_movie = review_world["other_movie"]
    assert attacker.post(f"/api/v1/users/{name}/{other_movie.pk}", {"user": str(user.pk)}).status_code == 201
    assert model.objects.filter(user=other_user, movie=other_movie).exists()
    assert not model.objects.filter(user=user, movie=other_movie).exists()
    # There is no route to read someone else's private lists.
    for path in (f"/api/v1/users/{user.pk}/{name}", f"/api/v1/users/{name}?user={user.pk}"):
        response = attacker.get(path)
        assert response.status_code == 404 or str(movie.pk) not in response.content.decode(), path


def test_public_user_routes_never_show_private_data(attacker, user, review_world):
    author = review_world["author"]
    private = (user.email, author.email, "login_attempts", "locked_until", "is_active", "token_version", "password")
    for path in (
        f"/api/v1/users/{user.pk}",
        f"/api/v1/users/{user.pk}/following",
        f"/api/v1/users/{author.pk}/followers",
        f"/api/v1/users/{user.pk}/reviews",
    ):
        response = attacker.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert not any(secret in text for secret in private), (path, text[:300])
    assert attacker.get("/api/v1/users/profile").json()["id"] != str(user.pk)
    # A person's page shows credits only, never an account.
    from catalog.models import MovieCast

    credit = MovieCast.objects.create(movie=review_world["movie"], actor_name=user.name)
    credit.refresh_from_db()
    text = attacker.get(f"/api/v1/people/{credit.person_id}").content.decode()
    assert not any(secret in text for secret in private)


def test_catalogue_writes_refuse_plain_users(attacker, critic_client, review_world):
    movie = review_world["movie"]
    for client in (attacker, critic_client):
        for method in ("put", "patch", "delete"):
            body = {"title": "Renamed", "release_date": "2020-01-01"} if method != "delete" else None
            assert_envelope(getattr(client, method)(f"/api/v1/movies/{movie.pk}", body), 403, "permission_denied")
        # Posters are admins' too (moderators' and users' uploads are refused before any byte is read).
        assert_envelope(
            client.post(f"/api/v1/movies/{movie.pk}/poster", {}, format="multipart"), 403, "permission_denied"
        )
        assert_envelope(client.delete(f"/api/v1/movies/{movie.pk}/poster"), 403, "permission_denied")
    movie.refresh_from_db()
    assert movie.title != "Renamed" and movie.poster is None
    assert attacker.get(f"/api/v1/movies/{movie.pk}").status_code == 200
    assert attacker.get(f"/api/v1/series/{movie.pk}").status_code == 404  # a film is not a series


def test_admin_routes_refuse_plain_users_on_the_victims_objects(attacker, critic_client, user, review_world):
    report = review_world["report"]
    review = review_world["author_review"]
    for client in (attacker, critic_client):
        requests = [
            client.put(f"/api/v1/admin/users/{user.pk}/role", {"role": "admin"}),
            client.post(f"/api/v1/admin/users/{user.pk}/suspend", {"reason": "mine now"}),
            client.post(f"/api/v1/admin/users/{user.pk}/unsuspend", {"reason": "mine now"}),
            client.put(f"/api/v1/admin/reports/{report.pk}/resolve", {"resolution": "dismissed"}),
            client.post(f"/api/v1/admin/moderation/{review.pk}", {"action": "reject", "reason": "mine"}),
        ]
        for response in requests:
            assert_envelope(response, 403, "permission_denied")
    victim = User.objects.get(pk=user.pk)
    assert (victim.role, victim.is_active) == ("user", True)
    assert Report.objects.get(pk=report.pk).status == "open"
    assert Review.objects.get(pk=review.pk).moderation_status == "approved"


def test_nobody_verifies_the_victims_address_without_the_mailed_token(attacker, user, other_user):
    User.objects.filter(pk=user.pk).update(is_verified=False)
    for token in (str(user.pk), user.email, "a" * 40, f"{user.pk}:abc:def"):
        assert_envelope(attacker.get(f"/api/v1/auth/verify-email/{token}"), 400, "validation_error")
    assert not User.objects.get(pk=user.pk).is_verified


def test_nobody_reads_or_changes_the_victims_diary(attacker, user, other_user, review_world):
    entry = review_world["diary_entry"]
    movie = review_world["movie"]
    before = DiaryEntry.objects.values().get(pk=entry.pk)
    url = f"/api/v1/diary/{entry.pk}"
    for response in (attacker.get(url), attacker.patch(url, {"rating": 1, "note": "mine"}), attacker.delete(url)):
        assert_envelope(response, 404, "not_found")
    assert DiaryEntry.objects.values().get(pk=entry.pk) == before
    diary_services.film_rating_set(user=user, movie_id=movie.pk, rating=9)
    assert attacker.delete(f"/api/v1/diary/ratings/{movie.pk}").status_code == 204  # the caller's own (none)
    assert attacker.put(f"/api/v1/diary/ratings/{movie.pk}", {"rating": 2, "user": str(user.pk)}).status_code == 200
    assert FilmRating.objects.get(user=user, movie=movie).rating == 9
    assert FilmRating.objects.get(user=other_user, movie=movie).rating == 2
    audience = attacker.get(f"/api/v1/movies/{movie.pk}/audience").json()
    assert set(audience) == {"movie_id", "audience_rating", "audience_count"}  # aggregates only, no raters


def test_a_private_diary_and_its_year_stay_private(attacker, user, review_world):
    User.objects.filter(pk=user.pk).update(diary_privacy="private")
    assert_envelope(attacker.get(f"/api/v1/users/{user.pk}/diary"), 404, "not_found")
    assert_envelope(attacker.get(f"/api/v1/users/{user.pk}/year/2026"), 404, "not_found")
    User.objects.filter(pk=user.pk).update(diary_privacy="public")
    rows = attacker.get(f"/api/v1/users/{user.pk}/diary").json()["results"]
    assert rows and all(row["note"] is None for row in rows)  # notes stay private even on a public diary


def test_exports_and_imports_are_the_callers_own(attacker, user):
    job = DataImport.objects.create(user=user, file_name="imports/x.zip")
    assert_envelope(attacker.get(f"/api/v1/users/import/{job.pk}"), 404, "not_found")
    export = DataExport.objects.create(user=user, status="done", file_name="exports/x.zip", token_hash="0" * 64)
    assert_envelope(attacker.get(f"/api/v1/users/export/{export.pk}/download/guessed-token"), 404, "not_found")


def test_nobody_changes_the_victims_lists(attacker, user, review_world):
    film_list = review_world["film_list"]
    movie = review_world["movie"]
    url = f"/api/v1/lists/{film_list.pk}"
    for response in (
        attacker.patch(url, {"title": "Mine now", "is_public": False}),
        attacker.delete(url),
        attacker.post(f"{url}/entries", {"items": [{"movie_id": str(review_world["other_movie"].pk)}]}, format="json"),
        attacker.patch(f"{url}/entries/{movie.pk}", {"note": "mine"}),
        attacker.delete(f"{url}/entries/{movie.pk}"),
        attacker.put(f"{url}/order", {"order": [str(movie.pk)]}, format="json"),
    ):
        assert_envelope(response, 403, "permission_denied")
    assert attacker.post(f"{url}/like", {"user": str(user.pk)}).json() == {"liked": True, "like_count": 1}
    assert attacker.delete(f"{url}/like").json() == {"liked": False, "like_count": 0}
    FilmList.objects.filter(pk=film_list.pk).update(is_public=False)
    for response in (
        attacker.get(url),
        attacker.get(f"{url}/entries"),
        attacker.post(f"{url}/like"),
        attacker.delete(f"{url}/like"),
    ):
        assert_envelope(response, 404, "not_found")
    assert attacker.get(f"/api/v1/users/{user.pk}/lists").json()["count"] == 0
    stored = FilmList.objects.get(pk=film_list.pk)
    assert (stored.title, stored.entry_count) == ("Victim's picks", 1)


def test_nobody_reads_the_victims_notifications(attacker, user, other_user):
    from notifications.models import Notification
    from social.services import follow_create

    follow_create(follower=other_user, following_id=user.pk)  # the victim's notification
    victims = Notification.objects.get(recipient=user)
    assert_envelope(attacker.post(f"/api/v1/notifications/{victims.pk}/read"), 404)
    assert attacker.get("/api/v1/notifications").json()["count"] == 0
    assert attacker.get("/api/v1/notifications/unread-count").json() == {"count": 0}
    assert attacker.post("/api/v1/notifications/read-all").json() == {"marked_read": 0}
    victims.refresh_from_db()
    assert victims.read_at is None
