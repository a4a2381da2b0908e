import datetime
import uuid

import pytest
from django.utils import timezone

from catalog.tests.factories import MovieFactory
from social import services
from social.models import FavoriteEntry, WatchlistEntry
from social.tests.factories import FavoriteEntryFactory, WatchlistEntryFactory

pytestmark = pytest.mark.django_db

LISTS = [
    pytest.param("watchlist", WatchlistEntry, WatchlistEntryFactory, id="watchlist"),
    pytest.param("favorites", FavoriteEntry, FavoriteEntryFactory, id="favorites"),
]


def _entries(user, factory, count):
    """`count` entries for `user`, oldest first (distinct added_at)."""
    now = timezone.now()
    movies = []
    for index in range(count):
        entry = factory(user=user, movie=MovieFactory(genres=["Drama", "Comedy"], languages=["Yoruba"]))
        type(entry).objects.filter(pk=entry.pk).update(added_at=now - datetime.timedelta(minutes=count - index))
        movies.append(entry.movie)
    return movies


@pytest.mark.parametrize(("name", "model", "factory"), LISTS)
def test_add_answers_201_then_200_and_stores_one_row(auth_client, user, name, model, factory):
    movie = MovieFactory(genres=["Thriller"], languages=["Igbo", "English"])
    first = auth_client.post(f"/api/v1/users/{name}/{movie.pk}")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["id"] == str(movie.pk)
    assert body["title"] == movie.title
    assert body["genres"] == ["Thriller"]
    assert body["languages"] == ["English", "Igbo"]
    assert body["added_at"]
    second = auth_client.post(f"/api/v1/users/{name}/{movie.pk}/")
    assert second.status_code == 200
    assert second.json()["added_at"] == body["added_at"]
    assert model.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(("name", "model", "factory"), LISTS)
def test_remove_answers_204_and_is_idempotent(auth_client, user, name, model, factory):
    movie = factory(user=user).movie
    assert auth_client.delete(f"/api/v1/users/{name}/{movie.pk}").status_code == 204
    assert not model.objects.filter(user=user).exists()
    assert auth_client.delete(f"/api/v1/users/{name}/{movie.pk}").status_code == 204


@pytest.mark.parametrize(("name", "model", "factory"), LISTS)
@pytest.mark.parametrize("method", ["post", "delete"])
def test_unknown_movie_is_404(auth_client, name, model, factory, method):
    response = getattr(auth_client, method)(f"/api/v1/users/{name}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    malformed = getattr(auth_client, method)(f"/api/v1/users/{name}/------------------------------------")
    assert malformed.status_code == 404


@pytest.mark.parametrize(("name", "model", "factory"), LISTS)
def test_list_is_newest_first_and_paginated(auth_client, user, name, model, factory):
    movies = _entries(user, factory, 3)
    response = auth_client.get(f"/api/v1/users/{name}?page_size=2")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [str(movies[2].pk), str(movies[1].pk)]
    assert body["results"][0]["genres"] == ["Comedy", "Drama"]
    assert "added_at" in body["results"][0]
    assert [row["id"] for row in auth_client.get(body["next"]).json()["results"]] == [str(movies[0].pk)]


@pytest.mark.parametrize(("name", "model", "factory"), LISTS)
def test_lists_are_private_to_their_owner(auth_client, other_client, user, other_user, name, model, factory):
    """BOLA: another user can neither read nor change my list, whatever ids they send."""
    mine = _entries(user, factory, 2)
    theirs = _entries(other_user, factory, 1)
    assert [row["id"] for row in other_client.get(f"/api/v1/users/{name}").json()["results"]] == [str(theirs[0].pk)]
    assert {row["id"] for row in auth_client.get(f"/api/v1/users/{name}").json()["results"]} == {
        str(movie.pk) for movie in mine
    }
    # deleting "my" movie through their account touches only their (absent) entry
    assert other_client.delete(f"/api/v1/users/{name}/{mine[0].pk}").status_code == 204
    assert model.objects.filter(user=user).count() == 2
    # no per-user path exposes someone else's list
    for path in (f"/api/v1/users/{user.pk}/{name}", f"/api/v1/users/{name}?user={user.pk}"):
        response = other_client.get(path)
        assert str(mine[0].pk) not in response.content.decode()


@pytest.mark.parametrize(("name", "model", "factory"), LISTS)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_lists_need_authentication(api_client, name, model, factory, method):
    path = f"/api/v1/users/{name}" if method == "get" else f"/api/v1/users/{name}/{MovieFactory().pk}"
    response = getattr(api_client, method)(path)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


@pytest.mark.parametrize(("name", "model", "factory"), LISTS)
@pytest.mark.parametrize("rows", [2, 40])
def test_list_query_count_is_fixed(auth_client, user, name, model, factory, rows, django_assert_num_queries):
    _entries(user, factory, rows)
    # auth, count, entries joined with movies (genres and languages are on the movie row)
    with django_assert_num_queries(3):
        response = auth_client.get(f"/api/v1/users/{name}?page_size=100")
    assert len(response.json()["results"]) == rows


def test_watchlist_and_favorites_are_separate_lists(user):
    movie = MovieFactory()
    services.watchlist_add(user=user, movie_id=movie.pk)
    assert FavoriteEntry.objects.count() == 0
    services.favorite_add(user=user, movie_id=movie.pk)
    services.watchlist_remove(user=user, movie_id=movie.pk)
    assert FavoriteEntry.objects.filter(user=user, movie=movie).exists()
    assert not WatchlistEntry.objects.exists()


def test_services_report_created_once(user):
    movie = MovieFactory()
    assert services.watchlist_add(user=user, movie_id=movie.pk)[1] is True
    assert services.watchlist_add(user=user, movie_id=movie.pk)[1] is False
    assert services.watchlist_remove(user=user, movie_id=movie.pk) is True
    assert services.watchlist_remove(user=user, movie_id=movie.pk) is False
