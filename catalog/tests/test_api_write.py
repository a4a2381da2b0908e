"""POST/PUT/PATCH/DELETE /movies: who may write, nested lists in one transaction, bad input."""

import uuid

import pytest

from catalog.models import Movie, MovieCast, MovieGenre, Person
from catalog.tests.factories import MovieFactory
from conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/movies"

BODY = {
    "type": "movie",
    "title": "  The   Wedding Party ",
    "local_title": "",
    "release_date": "2016-09-10",
    "runtime": 110,
    "plot_summary": "Two families collide at a Lagos society wedding.",
    "director": "Kemi Adetiba",
    "producer": "Mo Abudu",
    "production_company": "EbonyLife Films",
    "production_state": "Lagos",
    "box_office_ng": "₦453,000,000",
    "poster_url": "https://img.example.ng/twp.jpg",
    "genres": ["Comedy", "Romance", "comedy "],
    "languages": ["English", "Yoruba"],
    "cast": [
        {"actor_name": "Adesua Etomi", "character_name": "Dunni", "role_type": "actor"},
        {"actor_name": "Banky W", "character_name": "Dozie"},
        {"actor_name": "Kemi Adetiba", "role_type": "director"},
    ],
}


def test_admin_creates_a_movie_with_genres_languages_and_cast(admin_client_api):
    response = admin_client_api.post(URL, BODY, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "The Wedding Party"
    assert body["genres"] == ["Comedy", "Romance"]  # trimmed, duplicates dropped
    assert body["languages"] == ["English", "Yoruba"]
    assert [member["actor_name"] for member in body["cast"]] == ["Adesua Etomi", "Banky W"]
    assert [member["name"] for member in body["crew"]] == ["Kemi Adetiba"]  # the director, once
    banky = Person.objects.get(name="Banky W")
    assert body["cast"][1] == {
        "person_id": str(banky.pk),
        "actor_name": "Banky W",
        "character_name": "Dozie",
        "role_type": "actor",
    }
    assert body["stats"]["review_count"] == 0
    movie = Movie.objects.get(pk=body["id"])
    assert movie.runtime == 110 and movie.box_office_ng == "₦453,000,000"
    # The new title is searchable at once (the trigger saw the cast rows too).
    assert admin_client_api.get(f"{URL}/search?q=adesua").json()["count"] == 1


def test_moderator_may_create_but_not_feature_change_or_delete(moderator_client):
    response = moderator_client.post(URL, {**BODY, "is_featured": True}, format="json")
    assert response.status_code == 201
    assert response.json()["is_featured"] is False  # a field the caller may not set is ignored
    movie_id = response.json()["id"]
    assert moderator_client.patch(f"{URL}/{movie_id}", {"title": "x"}, format="json").status_code == 403
    assert moderator_client.delete(f"{URL}/{movie_id}").status_code == 403


@pytest.mark.parametrize("client_name", ["auth_client", "critic_client"])
def test_plain_users_and_critics_cannot_write(request, client_name):
    client = request.getfixturevalue(client_name)
    movie = MovieFactory()
    for response in (
        client.post(URL, BODY, format="json"),
        client.put(f"{URL}/{movie.pk}", BODY, format="json"),
        client.patch(f"{URL}/{movie.pk}", {"title": "x"}, format="json"),
        client.delete(f"{URL}/{movie.pk}"),
    ):
        assert response.status_code == 403 and response.json()["error"] == "permission_denied"
    assert Movie.objects.count() == 1


def test_anonymous_writes_are_401(api_client):
    movie = MovieFactory()
    assert api_client.post(URL, BODY, format="json").status_code == 401
    assert api_client.patch(f"{URL}/{movie.pk}", {"title": "x"}, format="json").status_code == 401
    response = api_client.delete(f"{URL}/{movie.pk}")
    assert response.status_code == 401 and response.json()["error"] == "not_authenticated"


def test_suspended_admin_cannot_write(admin_user):
    client = client_for(admin_user)
    admin_user.is_active = False
    admin_user.save()
    assert client.post(URL, BODY, format="json").status_code == 401


def test_validation_lists_every_bad_field(admin_client_api):
    response = admin_client_api.post(
        URL,
        {
            "title": "   ",
            "type": "film",
            "runtime": 0,
            "release_date": "someday",
            "poster_url": "not a url",
            "imdb_rating": 11,
            "genres": ["Drama", ""],
            "cast": [{"actor_name": "A"}, {"actor_name": "a"}, {"character_name": "nobody"}],
        },
        format="json",
    )
    assert response.status_code == 400
    fields = {detail["field"] for detail in response.json()["details"]}
    assert {"title", "type", "runtime", "release_date", "poster_url", "imdb_rating", "genres"} <= fields
    assert any(field.startswith("cast") for field in fields)
    assert Movie.objects.count() == 0


def test_duplicate_cast_entries_are_refused(admin_client_api):
    cast = [{"actor_name": "Ramsey Nouah"}, {"actor_name": "ramsey  nouah "}]
    response = admin_client_api.post(URL, {**BODY, "cast": cast}, format="json")
    assert response.status_code == 400 and response.json()["details"][0]["field"].startswith("cast")


def test_release_date_and_title_are_required_on_create_and_put(admin_client_api):
    response = admin_client_api.post(URL, {"title": "Only a title"}, format="json")
    assert response.status_code == 400 and response.json()["details"][0]["field"] == "release_date"
    movie = MovieFactory()
    response = admin_client_api.put(f"{URL}/{movie.pk}", {"title": "No date"}, format="json")
    assert response.status_code == 400


def test_fields_a_caller_may_not_set_are_ignored(admin_client_api):
    body = {**BODY, "review_count": 99, "lemon_pie_rating": 10, "rating_sum": 1000, "id": str(uuid.uuid4())}
    created = admin_client_api.post(URL, body, format="json").json()
    assert created["review_count"] == 0 and created["lemon_pie_rating"] is None
    assert created["id"] != body["id"]


def test_patch_changes_given_fields_and_replaces_given_lists_only(admin_client_api, rate):
    movie = MovieFactory(title="Old", genres=["Drama"], languages=["Igbo"], cast=["Nkem Owoh"])
    rate(movie, [8, 6])
    response = admin_client_api.patch(
        f"{URL}/{movie.pk}",
        {"title": "Osuofia in London", "genres": ["Comedy"], "cast": [{"actor_name": "Nkem Owoh"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "Osuofia in London" and body["genres"] == ["Comedy"]
    assert body["languages"] == ["Igbo"]  # not given, kept
    assert body["review_count"] == 2 and body["lemon_pie_rating"] == 7.0  # aggregates untouched
    assert body["plot_summary"] == movie.plot_summary


def test_put_replaces_the_title_and_lists(admin_client_api):
    movie = MovieFactory(genres=["Drama"], cast=["A", "B"])
    response = admin_client_api.put(f"{URL}/{movie.pk}/", {**BODY, "cast": []}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "The Wedding Party" and response.json()["cast"] == []
    assert not MovieCast.objects.filter(movie=movie).exists()


def test_is_featured_is_set_by_admins(admin_client_api):
    movie = MovieFactory()
    response = admin_client_api.patch(f"{URL}/{movie.pk}", {"is_featured": True}, format="json")
    assert response.json()["is_featured"] is True


def test_a_taken_imdb_id_is_a_409(admin_client_api):
    MovieFactory(imdb_id="tt1234567")
    other = MovieFactory()
    response = admin_client_api.post(URL, {**BODY, "imdb_id": "tt1234567"}, format="json")
    assert response.status_code == 409 and response.json()["error"] == "conflict"
    response = admin_client_api.patch(f"{URL}/{other.pk}", {"imdb_id": "tt1234567"}, format="json")
    assert response.status_code == 409
    assert admin_client_api.patch(f"{URL}/{other.pk}", {"imdb_id": "bad"}, format="json").status_code == 400


def test_nested_write_is_all_or_nothing(admin_client_api, monkeypatch):
    """A failure while writing the cast leaves neither the movie nor its genres behind."""
    movie = MovieFactory(title="Before", genres=["Drama"])

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(MovieCast.objects, "bulk_create", explode)
    response = admin_client_api.patch(
        f"{URL}/{movie.pk}", {"title": "After", "genres": ["Comedy"], "cast": [{"actor_name": "X"}]}, format="json"
    )
    assert response.status_code == 500
    movie.refresh_from_db()
    assert movie.title == "Before"
    assert list(MovieGenre.objects.filter(movie=movie).values_list("genre", flat=True)) == ["Drama"]


def test_unknown_or_non_uuid_ids_are_404_for_admins(admin_client_api):
    assert admin_client_api.patch(f"{URL}/{uuid.uuid4()}", {"title": "x"}, format="json").status_code == 404
    assert admin_client_api.delete(f"{URL}/{uuid.uuid4()}").status_code == 404
    assert admin_client_api.delete(f"{URL}/nope").status_code == 404


def test_delete_removes_the_movie_and_its_rows(admin_client_api):
    movie = MovieFactory(genres=["Drama"], cast=["A"])
    response = admin_client_api.delete(f"{URL}/{movie.pk}/")
    assert response.status_code == 204
    assert not Movie.objects.filter(pk=movie.pk).exists()
    assert not MovieGenre.objects.filter(movie_id=movie.pk).exists()
    assert admin_client_api.get(f"{URL}/{movie.pk}").status_code == 404


def test_malformed_json_is_a_parse_error(admin_client_api):
    response = admin_client_api.post(URL, data="{oops", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "parse_error"
