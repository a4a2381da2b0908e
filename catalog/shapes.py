"""The catalogue's response shapes (API.md §5), each declared once (see lemonnpie.api.shapes).

Hot reads build them from `values()` rows (`catalog.selectors.movie_summary_rows` /
`movie_detail_row`): genres and languages come from the movie's own row (`genre_names`,
`language_names`, kept by database triggers) and the cast as an `ARRAY(...)` of JSON objects, so a
page of any size is one query. Every average is `lemonnpie.ratings.average`.
"""

from rest_framework import serializers

from catalog.models import SUB_RATINGS, Movie, MovieCast
from lemonnpie.api.shapes import Computed, Nested, Shape, Value, as_list
from lemonnpie.ratings import average

DISTRIBUTION_COLUMNS = tuple(f"rating_count_{value}" for value in range(1, 11))


def _names(**options) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), read_only=True, **options)


def _average_field(**options) -> serializers.FloatField:
    return serializers.FloatField(read_only=True, allow_null=True, **options)


def _distribution(*counts: int) -> dict[str, int]:
    return {str(value): count for value, count in enumerate(counts, start=1)}


MovieBrief = Shape("MovieBrief", ["id", "title"], model=Movie)

MovieSummary = Shape(
    "MovieSummary",
    [
        "id",
        "type",
        "title",
        "local_title",
        "release_date",
        "runtime",
        "poster_url",
        "trailer_url",
        "director",
        "producer",
        "production_company",
        "production_state",
        "box_office_ng",
        Value("genres", _names(), column="genre_names", convert=as_list),
        Value("languages", _names(), column="language_names", convert=as_list),
        Computed("lemon_pie_rating", _average_field(), average, ["rating_sum", "review_count"]),
        "review_count",
        "created_at",
        "updated_at",
    ],
    model=Movie,
    doc="A list row (API.md §5 MovieSummary).",
)

MovieCastMember = Shape("MovieCastMember", ["actor_name", "character_name", "role_type"], model=MovieCast)

MovieStats = Shape(
    "MovieStats",
    [
        Computed("average_rating", _average_field(), average, ["rating_sum", "review_count"]),
        Value("review_count", serializers.IntegerField(read_only=True)),
        Computed(
            "rating_distribution",
            serializers.DictField(child=serializers.IntegerField(), read_only=True, help_text='Keys "1" to "10".'),
            _distribution,
            DISTRIBUTION_COLUMNS,
        ),
        *(Computed(f"{name}_avg", _average_field(), average, [f"{name}_sum", "review_count"]) for name in SUB_RATINGS),
        Computed(
            "critic_rating",
            _average_field(help_text="Average rating by users with role critic."),
            average,
            ["critic_rating_sum", "critic_count"],
        ),
        Value("critic_count", serializers.IntegerField(read_only=True)),
    ],
    doc="Read from the aggregate columns the reviews services keep on the movie row (no query).",
)

MovieDetail = MovieSummary.extend(
    "MovieDetail",
    [
        "plot_summary",
        "release_date_precision",
        "is_featured",
        "imdb_id",
        "imdb_rating",
        "imdb_votes",
        Nested("cast", MovieCastMember, many=True, source="cast_rows"),
        Nested("stats", MovieStats, source="*"),
    ],
    doc="Movie (API.md §5).",
)


def _rank(value) -> float:
    return round(float(value), 6)


MovieSearchResult = MovieSummary.extend(
    "MovieSearchResult",
    [
        Computed("rank", serializers.FloatField(read_only=True), _rank, ["rank"]),
        Value(
            "snippet",
            serializers.CharField(
                read_only=True, help_text="HTML-escaped plot excerpt; matched words are wrapped in `<mark>`."
            ),
            supplied=True,
        ),
    ],
)
