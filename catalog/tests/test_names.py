"""`movies.genre_names` / `language_names`: kept by database triggers, whatever writes the rows."""

import pytest
from django.db import connection

from catalog import services
from catalog.expressions import names_include
from catalog.models import Movie, MovieGenre, MovieLanguage
from catalog.tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def names(movie) -> tuple[list[str], list[str]]:
    return tuple(Movie.objects.filter(pk=movie.pk).values_list("genre_names", "language_names").get())


def test_names_follow_the_rows_in_their_order():
    movie = MovieFactory(genres=["Thriller", "Drama", "Comedy"], languages=["Yoruba", "English"])
    assert names(movie) == (["Comedy", "Drama", "Thriller"], ["English", "Yoruba"])
    MovieGenre.objects.filter(movie=movie, genre="Drama").delete()
    MovieGenre.objects.filter(movie=movie, genre="Comedy").update(genre="Action")
    MovieLanguage.objects.bulk_create([MovieLanguage(movie=movie, language="Igbo")])
    assert names(movie) == (["Action", "Thriller"], ["English", "Igbo", "Yoruba"])


def test_a_stale_value_written_by_the_application_is_replaced():
    movie = MovieFactory(genres=["Drama"], languages=["Hausa"])
    movie.genre_names, movie.language_names = ["Stale"], []
    movie.title = "Renamed"
    movie.save()  # writes every column, including the stale arrays
    assert names(movie) == (["Drama"], ["Hausa"])
    Movie.objects.filter(pk=movie.pk).update(genre_names=["Nope"])
    assert names(movie) == (["Drama"], ["Hausa"])
    created = Movie.objects.create(title="Fresh", genre_names=["Invented"])
    assert names(created) == ([], [])


def test_services_keep_the_names(db):
    movie = services.movie_create(
        data={"title": "Ọba Adé", "release_date": "2020-01-01", "genres": ["Epic", "Drama"], "languages": ["Yoruba"]},
        allow_featured=False,
    )
    assert names(movie) == (["Drama", "Epic"], ["Yoruba"])
    services.movie_update(movie_id=movie.pk, data={"genres": ["History"]}, allow_featured=False)
    assert names(movie) == (["History"], ["Yoruba"])


def test_filter_is_case_insensitive_and_exact():
    drama = MovieFactory(genres=["Drama"], languages=["Èdè Yorùbá"])
    MovieFactory(genres=["Melodrama"], languages=["English"])
    assert list(Movie.objects.filter(names_include("genre_keys", "dRaMa"))) == [drama]
    assert list(Movie.objects.filter(names_include("language_keys", "ÈDÈ YORÙBÁ"))) == [drama]
    assert not Movie.objects.filter(names_include("genre_keys", "dram")).exists()


def test_filter_is_answered_by_the_gin_index():
    MovieFactory.create_batch(5, genres=["Drama"])
    sql, params = Movie.objects.filter(names_include("genre_keys", "Drama")).values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "movies_genre_keys_gin" in plan, plan
