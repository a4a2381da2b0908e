"""The catalogue's response shapes (API.md §5), each declared once (see lemonnpie.api.shapes).

Hot reads build them from `values()` rows (`catalog.selectors.movie_summary_rows` /
`movie_detail_row`): genres and languages come from the movie's own row (`genre_names`,
`language_names`, kept by database triggers) and the cast as an `ARRAY(...)` of JSON objects, so a
page of any size is one query. Every average is `lemonnpie.ratings.average`.
"""

import datetime
import html

from rest_framework import serializers

from catalog.models import SUB_RATINGS, Movie, MovieCast
from lemonnpie.api.shapes import Computed, Nested, Personal, Shape, Value, as_list, as_str
from lemonnpie.ratings import average

DISTRIBUTION_COLUMNS = tuple(f"rating_count_{value}" for value in range(1, 11))


def _names(**options) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), read_only=True, **options)


def _average_field(**options) -> serializers.FloatField:
    return serializers.FloatField(read_only=True, allow_null=True, **options)


def _distribution(*counts: int) -> dict[str, int]:
    return {str(value): count for value, count in enumerate(counts, start=1)}


def _zero_if_none(value) -> int:
    return value or 0


POSTER_SIZES = ("url", "thumbnail", "medium", "large")

Poster = Shape(
    "Poster",
    [
        Value("url", serializers.URLField(read_only=True, help_text="The original, WebP without metadata.")),
        Value("thumbnail", serializers.URLField(read_only=True, help_text="150x150 WebP (cropped to fill).")),
        Value("medium", serializers.URLField(read_only=True, help_text="400x300 WebP.")),
        Value("large", serializers.URLField(read_only=True, help_text="800x600 WebP.")),
    ],
    doc="TMDB-style poster URLs: an uploaded poster's WebP original and renditions; a title with only an "
    "external `poster_url` gives that URL in every size.",
)


def poster_of(poster: dict | None, poster_url: str = "") -> dict | None:
    """`{url, thumbnail, medium, large}` of an uploaded poster (`Movie.poster`); for a title with only
    an external `poster_url`, that URL in every size (there are no renditions of it); else None."""
    if poster:
        return {size: poster[size] for size in POSTER_SIZES}
    if poster_url:
        return dict.fromkeys(POSTER_SIZES, poster_url)
    return None


def release_year(value: datetime.date | None) -> int | None:
    return value.year if value else None


def _release_year() -> Computed:
    field = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The year of `release_date` (null when undated); `release_date_precision` says whether "
        "the day is known (`year`: stored as January 1).",
    )
    return Computed("release_year", field, release_year, ["release_date"])


def _poster() -> Computed:
    return Computed("poster", Poster.serializer(read_only=True, allow_null=True), poster_of, ["poster", "poster_url"])


MovieBrief = Shape(
    "MovieBrief",
    ["id", "title", "type", _release_year(), _poster()],
    model=Movie,
    doc="A title named inside another object (review.movie, feed items, filmographies, suggestions).",
)
MovieSuggestion = MovieBrief.extend("MovieSuggestion", ["release_date"], doc="MovieBrief plus `release_date`.")


class MyReview(serializers.Serializer):
    id = serializers.UUIDField()
    lemon_pie_rating = serializers.IntegerField()
    moderation_status = serializers.ChoiceField(
        choices=["pending", "approved", "rejected"], help_text="Only approved reviews are public."
    )


# The caller's own state of a title (social.selectors.movie_states, one query per page), only in a
# signed-in caller's answers.
USER_STATE = [
    Personal(
        "my_review",
        MyReview(required=False, allow_null=True, help_text="Signed-in callers only: your review of it, or null."),
    ),
    Personal("in_watchlist", serializers.BooleanField(required=False, help_text="Signed-in callers only.")),
    Personal("in_favorites", serializers.BooleanField(required=False, help_text="Signed-in callers only.")),
]

MovieSummary = Shape(
    "MovieSummary",
    [
        "id",
        "type",
        "title",
        "local_title",
        "release_date",
        _release_year(),
        "release_date_precision",
        "runtime",
        "poster_url",
        _poster(),
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
        *USER_STATE,
    ],
    model=Movie,
    doc="A list row (API.md §5 MovieSummary).",
)


def _person_id() -> Value:
    field = serializers.UUIDField(read_only=True, allow_null=True, help_text="The person (`/people/{id}`).")
    return Value("person_id", field, convert=as_str)


MovieCastMember = Shape(
    "MovieCastMember",
    [_person_id(), "actor_name", "character_name", "role_type"],
    model=MovieCast,
    doc="An actor's credit; `person_id` is set from the name when the cast is written.",
)
MovieCrewMember = Shape(
    "MovieCrewMember",
    [
        _person_id(),
        Value("name", serializers.CharField(read_only=True), column="actor_name"),
        "role_type",
    ],
    model=MovieCast,
    doc="A director's, producer's or writer's credit.",
)

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
        "is_featured",
        "imdb_id",
        "imdb_rating",
        "imdb_votes",
        # Actors only: the director is in `crew`, never repeated in the cast.
        Nested("cast", MovieCastMember, many=True, source="actor_rows"),
        Nested("crew", MovieCrewMember, many=True, source="crew_rows"),
        Nested("stats", MovieStats, source="*"),
        Value(
            "public_lists_count",
            serializers.IntegerField(read_only=True, help_text="Public lists holding this title."),
            column="list_count__public_lists",  # the lists app's stored counter: one LEFT JOIN
            convert=_zero_if_none,
        ),
    ],
    doc="Movie (API.md §5).",
)


def _rank(value) -> float:
    return round(float(value), 6)


# What `catalog.selectors.movie_search`'s headline wraps matched words in: never in stored text, so
# they survive escaping and become <mark> after it.
HEADLINE_START, HEADLINE_STOP = "\x02", "\x03"


def snippet_html(headline: str | None) -> str:
    """A plot headline as HTML: escaped, the matched words in `<mark>`."""
    text = html.escape(headline or "", quote=False)
    return text.replace(HEADLINE_START, "<mark>").replace(HEADLINE_STOP, "</mark>").strip()


MovieSearchResult = MovieSummary.extend(
    "MovieSearchResult",
    [
        Computed("rank", serializers.FloatField(read_only=True), _rank, ["rank"]),
        Computed(
            "snippet",
            serializers.CharField(
                read_only=True, help_text="HTML-escaped plot excerpt; matched words are wrapped in `<mark>`."
            ),
            snippet_html,
            ["headline"],
        ),
    ],
)
