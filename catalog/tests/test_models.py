"""Database rules of the catalogue: constraints, the generated rating and the search-vector triggers."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from catalog.models import CastRole, Movie, MovieCast, MovieGenre, MovieLanguage
from catalog.tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def lexemes(movie) -> dict[str, str]:
    """{lexeme: weights} of the stored vector, read back from PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme, array_to_string(weights, '') FROM movies, unnest(search_vector) WHERE id = %s",
            [movie.pk],
        )
        return dict(cursor.fetchall())


@pytest.mark.parametrize(
    ("field", "value"),
    [("runtime", 0), ("imdb_rating", 10.5), ("type", "film"), ("release_date_precision", "month")],
)
def test_constraints_refuse_impossible_values(field, value):
    movie = MovieFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Movie.objects.filter(pk=movie.pk).update(**{field: value})


def test_critic_count_never_exceeds_review_count():
    movie = MovieFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Movie.objects.filter(pk=movie.pk).update(critic_count=1)


def test_genre_language_and_cast_rows_are_unique_and_not_blank():
    movie = MovieFactory(genres=["Drama"], languages=["Yoruba"], cast=["Femi Branch"])
    for make in (
        lambda: MovieGenre.objects.create(movie=movie, genre="Drama"),
        lambda: MovieGenre.objects.create(movie=movie, genre=""),
        lambda: MovieLanguage.objects.create(movie=movie, language="Yoruba"),
        lambda: MovieCast.objects.create(movie=movie, actor_name="Femi Branch", role_type=CastRole.ACTOR),
        lambda: MovieCast.objects.create(movie=movie, actor_name="", role_type=CastRole.ACTOR),
        lambda: MovieCast.objects.create(movie=movie, actor_name="X", role_type="grip"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            make()
    # The same person in another role is a different credit.
    MovieCast.objects.create(movie=movie, actor_name="Femi Branch", role_type=CastRole.DIRECTOR)


def test_imdb_id_is_unique():
    MovieFactory(imdb_id="tt0000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        MovieFactory(imdb_id="tt0000001")


def test_lemon_pie_rating_is_generated_from_the_stored_sums(rate):
    movie = MovieFactory()
    assert movie.lemon_pie_rating is None
    rate(movie, [7, 8, 8])
    assert float(movie.lemon_pie_rating) == 7.67


def test_fold_removes_yoruba_igbo_and_hausa_marks():
    words = {
        "\u00d2fin M\u00f3s\u00e8": "Ofin Mose",  # Òfin Mósè, precomposed
        "I\u0300jo\u0323\u0300ba": "Ijoba",  # Ìjọ̀ba, fully decomposed (combining marks)
        "\u00ccj\u1ecd\u0300ba": "Ijoba",  # Ìjọ̀ba, under-dot precomposed, tone combining
        "\u1ee4l\u1ecd Akw\u1ee5kw\u1ecd": "Ulo Akwukwo",  # Igbo Ụlọ Akwụkwọ
        "\u018aan \u0198asa": "Dan Kasa",  # Hausa Ɗan Ƙasa
        "\u0253arawo \u01b4an": "barawo yan",  # Hausa ɓarawo ƴan
    }
    with connection.cursor() as cursor:
        for raw, folded in words.items():
            cursor.execute("SELECT lnp_fold(%s)", [raw])
            assert cursor.fetchone()[0] == folded


def test_search_vector_is_built_on_insert_with_weights():
    movie = MovieFactory(
        title="Òfin Mósè",
        local_title="Ìjọ̀ba",
        director="Tunde Kelani",
        production_state="Ogun",
        plot_summary="A village chief hides a secret.",
    )
    weights = lexemes(movie)
    assert weights["ofin"] == "A" and weights["mose"] == "A" and weights["ijoba"] == "A"
    assert weights["kelani"] == "B" and weights["ogun"] == "B"
    assert weights["villag"] == "C" and weights["secret"] == "C"
    assert weights["drama"] == "D"  # the factory's default genre


def test_search_vector_follows_field_cast_and_genre_edits():
    movie = MovieFactory(  # fixed words only: the factory's random plot can hold "old" (it once did)
        title="Old Name",
        cast=["Ada Ameh"],
        genres=["Drama"],
        plot_summary="A family story from Enugu.",
        director="Kunle Afolayan",
        producer="Mo Abudu",
    )
    assert "ameh" in lexemes(movie)

    Movie.objects.filter(pk=movie.pk).update(title="Ọ̀rẹ́ Mi")
    assert "ore" in lexemes(movie) and "old" not in lexemes(movie)

    MovieCast.objects.create(movie=movie, actor_name="Ramsey Nouah", position=1)
    assert lexemes(movie)["nouah"] == "B"
    MovieCast.objects.filter(movie=movie, actor_name="Ada Ameh").delete()
    assert "ameh" not in lexemes(movie)
    MovieCast.objects.filter(movie=movie).update(actor_name="Rita Dominic")
    assert "domin" in lexemes(movie) and "nouah" not in lexemes(movie)  # stemmed

    MovieGenre.objects.filter(movie=movie).update(genre="Thriller")
    assert lexemes(movie)["thriller"] == "D" and "drama" not in lexemes(movie)


def test_counter_updates_leave_the_search_vector_alone():
    """The reviews services update counters only; the column trigger must not fire for them."""
    movie = MovieFactory(title="Lagos Heat")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE movies SET search_vector = to_tsvector('simple', 'sentinel') WHERE id = %s", [movie.pk])
    assert set(lexemes(movie)) != {"sentinel"}  # resetting the vector by hand rebuilds it
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE movies DISABLE TRIGGER movies_search_vector_update")
        cursor.execute("UPDATE movies SET search_vector = to_tsvector('simple', 'sentinel') WHERE id = %s", [movie.pk])
        cursor.execute("ALTER TABLE movies ENABLE TRIGGER movies_search_vector_update")
    Movie.objects.filter(pk=movie.pk).update(review_count=F("review_count") + 1, rating_sum=F("rating_sum") + 8)
    assert set(lexemes(movie)) == {"sentinel"}
