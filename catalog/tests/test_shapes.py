"""The catalogue's shapes (catalog.shapes): the fast path (values() rows) gives what the instance
path gives, renders as DRF would, and every average follows lemonnpie.ratings (57/8 is 7.13)."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from catalog import selectors
from catalog.models import CastRole, DatePrecision, Movie, MovieCast, Person
from catalog.shapes import MovieDetail, MovieSearchResult, MovieSummary
from catalog.tests.conftest import set_aggregates
from catalog.tests.factories import MovieFactory, SeriesFactory
from lemonnpie.api.renderers import render_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    plain = MovieFactory(title="Ọba Adé", local_title="Ọba Adé — Àṣẹ", genres=["Epic", "Drama"], languages=["Yoruba"])
    undated = MovieFactory(
        title="No Date Yet",
        release_date=None,
        runtime=None,
        imdb_id="tt1234567",
        imdb_rating=Decimal("6.5"),
        imdb_votes=12,
    )
    cast = SeriesFactory(
        title="Castle & Castle",
        release_date_precision=DatePrecision.YEAR,
        cast=["Dakore Egbuson-Akande", "Richard Mofe-Damijo"],
        is_featured=True,
        genres=["Legal", "Drama", "Comedy"],
        languages=["English", "Pidgin"],
    )
    MovieCast.objects.create(movie=cast, actor_name="Kunle Afolayan", role_type=CastRole.DIRECTOR, position=0)
    MovieCast.objects.create(movie=cast, actor_name="Funke", character_name="Ìyá Ọlọ́jà", position=5)
    set_aggregates(plain, [10, 9, 9, 4, 7], critic_ratings=[9, 4], sub=6)
    set_aggregates(cast, [3])
    Movie.objects.filter(pk=cast.pk).update(updated_at=datetime.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=datetime.UTC))
    return [plain, undated, cast]


def test_summary_rows_equal_the_instances(shelf):
    queryset = selectors.movie_list_queryset()
    rows = [MovieSummary.build(row) for row in selectors.movie_summary_rows(queryset)]
    assert rows == [MovieSummary.of(movie) for movie in queryset]
    assert render_json(rows) == DRFJSONRenderer().render(rows)
    by_title = {row["title"]: row for row in rows}
    plain = by_title["Ọba Adé"]
    assert plain["genres"] == ["Drama", "Epic"] and plain["lemon_pie_rating"] == 7.8
    assert by_title["No Date Yet"]["release_date"] is None and by_title["No Date Yet"]["lemon_pie_rating"] is None
    assert by_title["Castle & Castle"]["updated_at"] == "2026-01-02T03:04:05.000678Z"
    assert plain["id"] == str(shelf[0].pk) and plain["release_date"] == shelf[0].release_date.isoformat()
    assert plain["release_year"] == shelf[0].release_date.year and plain["poster"] is None
    assert by_title["No Date Yet"]["release_year"] is None
    assert not {"my_review", "in_watchlist", "in_favorites"} & set(plain)  # added by the view for a signed-in caller


def test_poster_is_the_uploaded_renditions_or_the_external_url_in_every_size(shelf):
    uploaded = {
        "url": "https://cdn.example.com/p.webp",
        "thumbnail": "https://cdn.example.com/p_150x150.webp",
        "medium": "https://cdn.example.com/p_400x300.webp",
        "large": "https://cdn.example.com/p_800x600.webp",
        "public_id": "images/p",
    }
    Movie.objects.filter(pk=shelf[0].pk).update(poster=uploaded, poster_url="https://old.example.com/p.jpg")
    Movie.objects.filter(pk=shelf[1].pk).update(poster_url="https://img.example.com/x.jpg")
    rows = {row["title"]: row for row in map(MovieSummary.build, selectors.movie_summary_rows(Movie.objects.all()))}
    assert rows["Ọba Adé"]["poster"] == {key: uploaded[key] for key in ("url", "thumbnail", "medium", "large")}
    assert rows["No Date Yet"]["poster"] == dict.fromkeys(
        ("url", "thumbnail", "medium", "large"), "https://img.example.com/x.jpg"
    )
    assert rows["Castle & Castle"]["poster"] is None


def test_detail_rows_equal_the_instances(shelf):
    for movie in shelf:
        row = selectors.movie_detail_row(movie_id=movie.pk)
        data = MovieDetail.build(row)
        assert data == MovieDetail.of(Movie.objects.get(pk=movie.pk))
        assert render_json(data) == DRFJSONRenderer().render(data)
    series = MovieDetail.build(selectors.movie_detail_row(movie_id=shelf[2].pk))
    # Actors in billing order; the director is crew, not repeated in the cast; each names its person.
    assert [member["actor_name"] for member in series["cast"]] == [
        "Dakore Egbuson-Akande",
        "Richard Mofe-Damijo",
        "Funke",
    ]
    funke, kunle = (Person.objects.get(name=name).pk for name in ("Funke", "Kunle Afolayan"))
    assert series["cast"][2] == {
        "person_id": str(funke),
        "actor_name": "Funke",
        "character_name": "Ìyá Ọlọ́jà",
        "role_type": "actor",
    }
    assert series["crew"] == [{"person_id": str(kunle), "name": "Kunle Afolayan", "role_type": "director"}]
    assert (series["release_year"], series["release_date_precision"]) == (shelf[2].release_date.year, "year")
    assert MovieDetail.build(selectors.movie_detail_row(movie_id=shelf[1].pk))["imdb_rating"] == 6.5


def test_detail_row_respects_the_type_and_unknown_ids(shelf):
    plain, _undated, series = shelf
    assert selectors.movie_detail_row(movie_id=plain.pk, movie_type="series") is None
    assert selectors.movie_detail_row(movie_id=series.pk, movie_type="series")["title"] == "Castle & Castle"
    assert selectors.movie_detail_row(movie_id="00000000-0000-0000-0000-000000000000") is None


def test_search_rows_carry_rank_and_snippet(shelf):
    Movie.objects.filter(pk=shelf[2].pk).update(plot_summary='A "family" firm & its castle in Lagos.')
    matches = selectors.movie_search(queryset=selectors.movie_list_queryset(), q="castle drama")
    rows = [MovieSearchResult.build(row) for row in selectors.movie_summary_rows(matches, MovieSearchResult)]
    first = matches[0]
    assert rows[0] == MovieSearchResult.of(first)
    assert rows[0]["title"] == "Castle & Castle"
    assert rows[0]["snippet"] == 'A "family" firm &amp; its <mark>castle</mark> in Lagos.'
    assert rows[0]["rank"] == round(float(first.rank), 6)


def test_every_average_rounds_half_up_the_57_over_8_case(api_client, rate):
    """A rating sum of 57 over 8 reviews is 7.125: both `lemon_pie_rating` and
    `stats.average_rating` show 7.13 (they used to disagree: 7.13 and 7.12)."""
    ratings = [10, 9, 9, 8, 7, 5, 5, 4]
    movie = rate(MovieFactory(), ratings, critic_ratings=ratings)
    assert movie.lemon_pie_rating == Decimal("7.13")  # the stored column the orderings use
    body = api_client.get(f"/api/v1/movies/{movie.pk}/").json()
    assert body["lemon_pie_rating"] == 7.13
    assert body["stats"]["average_rating"] == 7.13
    assert body["stats"]["critic_rating"] == 7.13
    listed = api_client.get("/api/v1/movies/").json()["results"]
    assert [row["lemon_pie_rating"] for row in listed] == [7.13]


def test_renderer_matches_drf_byte_for_byte():
    data = {
        "text": "Ọba Adé \u2028 line \u2029 para",
        "when": datetime.datetime(2026, 11, 24, 10, 15, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 11, 24),
        "rating": Decimal("7.25"),
        "nested": [{"a": 1, "b": None, "c": 1.5, "d": True}],
        "big": 2**70,  # past orjson's 64 bits: DRF's renderer takes over
    }
    assert render_json(data) == DRFJSONRenderer().render(data)
    small = {key: value for key, value in data.items() if key != "big"}
    assert render_json(small) == DRFJSONRenderer().render(small)
