"""GET /movies/{id} and /series/{id}: the full Movie shape, stats from stored columns, 404s."""

import uuid

import pytest

from catalog.models import CastRole, MovieCast, Person
from catalog.tests.factories import MovieFactory, SeriesFactory

pytestmark = pytest.mark.django_db

DETAIL_KEYS = {
    "id",
    "type",
    "title",
    "local_title",
    "release_date",
    "release_date_precision",
    "release_year",
    "runtime",
    "plot_summary",
    "poster_url",
    "poster",
    "trailer_url",
    "director",
    "producer",
    "production_company",
    "production_state",
    "box_office_ng",
    "is_featured",
    "imdb_id",
    "imdb_rating",
    "imdb_votes",
    "genres",
    "languages",
    "cast",
    "crew",
    "lemon_pie_rating",
    "review_count",
    "stats",
    "public_lists_count",
    "created_at",
    "updated_at",
}


def test_detail_has_every_field_with_cast_in_credit_order(api_client):
    movie = MovieFactory(title="King of Boys", genres=["Crime", "Drama"], languages=["English", "Yoruba"])
    MovieCast.objects.create(movie=movie, actor_name="Kemi Adetiba", role_type=CastRole.DIRECTOR, position=0)
    MovieCast.objects.create(
        movie=movie, actor_name="Sola Sobowale", character_name="Eniola Salami", role_type=CastRole.ACTOR, position=1
    )
    body = api_client.get(f"/api/v1/movies/{movie.pk}").json()
    assert set(body) == DETAIL_KEYS
    assert body["genres"] == ["Crime", "Drama"] and body["languages"] == ["English", "Yoruba"]
    kemi, sola = (Person.objects.get(name=name).pk for name in ("Kemi Adetiba", "Sola Sobowale"))
    # The director is crew, not repeated in the cast; every credit names its person.
    assert body["cast"] == [
        {
            "person_id": str(sola),
            "actor_name": "Sola Sobowale",
            "character_name": "Eniola Salami",
            "role_type": "actor",
        },
    ]
    assert body["crew"] == [{"person_id": str(kemi), "name": "Kemi Adetiba", "role_type": "director"}]
    assert body["release_year"] == movie.release_date.year and body["poster"] is None
    assert body["lemon_pie_rating"] is None and body["review_count"] == 0
    assert body["stats"] == {
        "average_rating": None,
        "review_count": 0,
        "rating_distribution": {str(value): 0 for value in range(1, 11)},
        "cultural_authenticity_avg": None,
        "production_quality_avg": None,
        "story_avg": None,
        "acting_avg": None,
        "cinematography_avg": None,
        "critic_rating": None,
        "critic_count": 0,
    }


def test_stats_come_from_the_stored_aggregates(api_client, rate, django_assert_num_queries):
    movie = rate(MovieFactory(), [10, 9, 9, 4], critic_ratings=[9, 4], sub=6)
    with django_assert_num_queries(1):  # the movie row with its genres, languages and cast; no aggregation
        body = api_client.get(f"/api/v1/movies/{movie.pk}").json()
    assert body["lemon_pie_rating"] == 8.0 and body["review_count"] == 4
    stats = body["stats"]
    assert stats["average_rating"] == 8.0
    assert stats["rating_distribution"] == {**{str(v): 0 for v in range(1, 11)}, "4": 1, "9": 2, "10": 1}
    assert stats["acting_avg"] == 6.0 and stats["cultural_authenticity_avg"] == 6.0
    assert stats["critic_rating"] == 6.5 and stats["critic_count"] == 2


@pytest.mark.parametrize("path", ["not-a-uuid", "12345", "------------------------------------"])
def test_non_uuid_id_is_a_404_envelope(api_client, path):
    response = api_client.get(f"/api/v1/movies/{path}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_unknown_uuid_is_404(api_client):
    response = api_client.get(f"/api/v1/movies/{uuid.uuid4()}/")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_uppercase_uuid_finds_the_movie(api_client):
    movie = MovieFactory()
    assert api_client.get(f"/api/v1/movies/{str(movie.pk).upper()}").json()["id"] == str(movie.pk)


def test_series_detail_refuses_a_movie_id_even_when_cached(api_client):
    film, show = MovieFactory(), SeriesFactory(title="Shanty Town")
    assert api_client.get(f"/api/v1/movies/{film.pk}").status_code == 200  # now cached
    assert api_client.get(f"/api/v1/series/{film.pk}").status_code == 404
    response = api_client.get(f"/api/v1/series/{show.pk}/")
    assert response.status_code == 200 and response.json()["type"] == "series"
    assert api_client.get(f"/api/v1/movies/{show.pk}").status_code == 200  # /movies holds both


def test_series_endpoints_are_read_only(admin_client_api):
    show = SeriesFactory()
    assert admin_client_api.patch(f"/api/v1/series/{show.pk}", {"title": "x"}).status_code == 405
    assert admin_client_api.delete(f"/api/v1/series/{show.pk}").status_code == 405
    assert admin_client_api.post("/api/v1/series", {"title": "x"}).status_code == 405
