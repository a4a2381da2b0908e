"""Movie representations of the catalogue API (API.md §5). The list row and the brief form are
shared with other apps and live in `catalog/serializers.py`."""

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import SUB_RATINGS, CastRole, DatePrecision, Movie, MovieType
from catalog.representations import cast_member, crew_member
from catalog.serializers import MovieSummarySerializer, PosterSerializer


def _average(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None


class MovieCastMemberSerializer(serializers.Serializer):
    person_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="The person (`/people/{id}`); set from the name on write."
    )
    actor_name = serializers.CharField(max_length=255)
    character_name = serializers.CharField(max_length=255, allow_blank=True, required=False, default="")
    role_type = serializers.ChoiceField(choices=CastRole.choices, required=False, default=CastRole.ACTOR)

    def validate_actor_name(self, value):
        value = " ".join(value.split())
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_character_name(self, value):
        return " ".join(value.split())


class MovieCrewMemberSerializer(serializers.Serializer):
    person_id = serializers.UUIDField(allow_null=True, help_text="The person (`/people/{id}`).")
    name = serializers.CharField()
    role_type = serializers.ChoiceField(choices=[c for c in CastRole.choices if c[0] != CastRole.ACTOR])


class MovieStatsSerializer(serializers.Serializer):
    """Read from the aggregate columns the reviews services keep on the movie row (no query)."""

    average_rating = serializers.FloatField(allow_null=True)
    review_count = serializers.IntegerField()
    rating_distribution = serializers.DictField(child=serializers.IntegerField(), help_text='Keys "1" to "10".')
    cultural_authenticity_avg = serializers.FloatField(allow_null=True)
    production_quality_avg = serializers.FloatField(allow_null=True)
    story_avg = serializers.FloatField(allow_null=True)
    acting_avg = serializers.FloatField(allow_null=True)
    cinematography_avg = serializers.FloatField(allow_null=True)
    critic_rating = serializers.FloatField(allow_null=True, help_text="Average rating by users with role critic.")
    critic_count = serializers.IntegerField()

    @staticmethod
    def from_movie(movie: Movie) -> dict:
        count = movie.review_count
        stats = {
            "average_rating": _average(movie.rating_sum, count),
            "review_count": count,
            "rating_distribution": {str(value): getattr(movie, f"rating_count_{value}") for value in range(1, 11)},
        }
        for name in SUB_RATINGS:
            stats[f"{name}_avg"] = _average(getattr(movie, f"{name}_sum"), count)
        stats["critic_rating"] = _average(movie.critic_rating_sum, movie.critic_count)
        stats["critic_count"] = movie.critic_count
        return stats


class MovieDetailSerializer(MovieSummarySerializer):
    """Movie (API.md §5). Needs `genre_rows`, `language_rows` and `cast_rows` prefetched."""

    cast = serializers.SerializerMethodField()
    crew = serializers.SerializerMethodField()
    stats = serializers.SerializerMethodField()
    imdb_rating = serializers.FloatField(read_only=True, allow_null=True)

    class Meta(MovieSummarySerializer.Meta):
        fields = [
            *MovieSummarySerializer.Meta.fields,
            "plot_summary",
            "is_featured",
            "imdb_id",
            "imdb_rating",
            "imdb_votes",
            "cast",
            "crew",
            "stats",
        ]
        read_only_fields = fields

    def _credits(self, movie) -> list[dict]:
        return [
            {
                "person_id": row.person_id,
                "actor_name": row.actor_name,
                "character_name": row.character_name,
                "role_type": row.role_type,
            }
            for row in movie.cast_rows.all()
        ]

    @extend_schema_field(MovieCastMemberSerializer(many=True))
    def get_cast(self, movie):
        """The actors, in credit order (the director is in `crew`, not repeated here)."""
        return [cast_member(row) for row in self._credits(movie) if row["role_type"] == CastRole.ACTOR]

    @extend_schema_field(MovieCrewMemberSerializer(many=True))
    def get_crew(self, movie):
        """Directors, producers and writers, in credit order."""
        return [crew_member(row) for row in self._credits(movie) if row["role_type"] != CastRole.ACTOR]

    @extend_schema_field(MovieStatsSerializer)
    def get_stats(self, movie):
        return MovieStatsSerializer.from_movie(movie)


class MovieSearchResultSerializer(MovieSummarySerializer):
    rank = serializers.SerializerMethodField()
    snippet = serializers.SerializerMethodField()

    class Meta(MovieSummarySerializer.Meta):
        fields = [*MovieSummarySerializer.Meta.fields, "rank", "snippet"]
        read_only_fields = fields

    def get_rank(self, movie) -> float:
        return round(float(movie.rank), 6)

    def get_snippet(self, movie) -> str:
        """HTML-escaped plot excerpt; matched words are wrapped in `<mark>`."""
        return self.context.get("snippets", {}).get(movie.pk, "")


class MovieSuggestionSerializer(serializers.Serializer):
    """MovieBrief plus `release_date`."""

    id = serializers.UUIDField()
    title = serializers.CharField()
    type = serializers.ChoiceField(choices=MovieType.choices)
    release_year = serializers.IntegerField(allow_null=True)
    poster = PosterSerializer(allow_null=True)
    release_date = serializers.DateField(allow_null=True)


class MovieSuggestionListSerializer(serializers.Serializer):
    results = MovieSuggestionSerializer(many=True)


def _clean_names(values: list[str], *, label: str) -> list[str]:
    """Trimmed, inner whitespace collapsed, blanks refused, case-insensitive duplicates dropped."""
    seen, out = set(), []
    for value in values:
        name = " ".join(value.split())
        if not name:
            raise serializers.ValidationError(f"A {label} may not be blank.")
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


class MovieWriteSerializer(serializers.Serializer):
    """MovieCreate (seed) with `type`, `genres`, `languages` and `cast`. `genres`, `languages` and
    `cast` replace the whole list when given. `is_featured` is applied for admins only."""

    type = serializers.ChoiceField(choices=MovieType.choices, default=MovieType.MOVIE)
    title = serializers.CharField(max_length=500)
    local_title = serializers.CharField(max_length=500, allow_blank=True, required=False)
    release_date = serializers.DateField()
    release_date_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    runtime = serializers.IntegerField(min_value=1, max_value=1440, allow_null=True, required=False)
    plot_summary = serializers.CharField(max_length=10000, allow_blank=True, required=False, trim_whitespace=True)
    poster_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    trailer_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    director = serializers.CharField(max_length=255, allow_blank=True, required=False)
    producer = serializers.CharField(max_length=255, allow_blank=True, required=False)
    production_company = serializers.CharField(max_length=255, allow_blank=True, required=False)
    production_state = serializers.CharField(max_length=100, allow_blank=True, required=False)
    box_office_ng = serializers.CharField(max_length=100, allow_blank=True, required=False)
    is_featured = serializers.BooleanField(required=False)
    imdb_id = serializers.RegexField(r"^tt\d{5,12}$", max_length=20, allow_null=True, required=False)
    imdb_rating = serializers.DecimalField(
        max_digits=3, decimal_places=1, min_value=0, max_value=10, allow_null=True, required=False
    )
    imdb_votes = serializers.IntegerField(min_value=0, max_value=2_000_000_000, allow_null=True, required=False)
    genres = serializers.ListField(
        child=serializers.CharField(max_length=100, allow_blank=True), max_length=20, required=False
    )
    languages = serializers.ListField(
        child=serializers.CharField(max_length=50, allow_blank=True), max_length=20, required=False
    )
    cast = serializers.ListField(child=MovieCastMemberSerializer(), max_length=200, required=False)

    def validate_title(self, value):
        value = " ".join(value.split())
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_release_date(self, value):
        if not 1870 <= value.year <= 2100:
            raise serializers.ValidationError("Must be between 1870 and 2100.")
        return value

    def validate_genres(self, value):
        return _clean_names(value, label="genre")

    def validate_languages(self, value):
        return _clean_names(value, label="language")

    def validate_cast(self, value):
        # Defaults of nested fields are skipped on PATCH, so they are filled in here.
        value = [{"character_name": "", "role_type": CastRole.ACTOR, **member} for member in value]
        seen = set()
        for index, member in enumerate(value):
            key = (member["actor_name"].casefold(), member["character_name"].casefold(), member["role_type"])
            if key in seen:
                raise serializers.ValidationError({index: ["Duplicate cast entry (same name, character and role)."]})
            seen.add(key)
        return value

    def validate(self, attrs):
        for name in ("local_title", "director", "producer", "production_company", "production_state"):
            if name in attrs:
                attrs[name] = re.sub(r"\s+", " ", attrs[name]).strip()
        return attrs
