"""The fast read paths (catalog.representations) give exactly what the DRF serializers give."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.postgres.search import SearchRank
from django.db.models import F
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from catalog import representations, selectors
from catalog.api.serializers import MovieDetailSerializer, MovieSearchResultSerializer
from catalog.models import CastRole, DatePrecision, Movie, MovieCast
from catalog.serializers import MovieSummarySerializer
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


def test_summary_rows_equal_the_serializer(shelf):
    queryset = selectors.movie_list_queryset()
    expected = MovieSummarySerializer(list(queryset), many=True).data
    rows = [representations.movie_summary(row) for row in representations.summary_rows(queryset)]
    assert rows == expected
    assert render_json(rows) == DRFJSONRenderer().render(expected)


def test_detail_rows_equal_the_serializer(shelf):
    for movie in shelf:
        expected = MovieDetailSerializer(selectors.movie_detail_queryset().get(pk=movie.pk)).data
        row = selectors.movie_detail_row(movie_id=movie.pk)
        assert representations.movie_detail(row) == expected
        assert render_json(representations.movie_detail(row)) == DRFJSONRenderer().render(expected)


def test_detail_row_respects_the_type_and_unknown_ids(shelf):
    plain, _undated, series = shelf
    assert selectors.movie_detail_row(movie_id=plain.pk, movie_type="series") is None
    assert selectors.movie_detail_row(movie_id=series.pk, movie_type="series")["title"] == "Castle & Castle"
    assert selectors.movie_detail_row(movie_id="00000000-0000-0000-0000-000000000000") is None


def test_search_rows_equal_the_serializer(shelf):
    query = selectors.search_query("castle drama")
    matches = selectors.movie_list_queryset().annotate(rank=SearchRank(F("search_vector"), query)).order_by("-rank")
    snippets = {shelf[2].pk: "a <mark>castle</mark>"}
    expected = MovieSearchResultSerializer(list(matches), many=True, context={"snippets": snippets}).data
    rows = [representations.movie_search_result(row, snippets) for row in representations.summary_rows(matches, "rank")]
    assert rows == expected and rows[0]["title"] == "Castle & Castle"


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
