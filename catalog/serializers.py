"""Movie representations shared with other apps (watchlists, favourites, trending)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Movie
from catalog.representations import poster_of, release_year


class PosterSerializer(serializers.Serializer):
    """TMDB-style poster URLs: the uploaded original (WebP) and its renditions. A title with only an
    external `poster_url` gives that URL in every size."""

    url = serializers.URLField(help_text="The original, WebP without metadata.")
    thumbnail = serializers.URLField(help_text="150x150 WebP (cropped to fill).")
    medium = serializers.URLField(help_text="400x300 WebP.")
    large = serializers.URLField(help_text="800x600 WebP.")


class PosterField(serializers.SerializerMethodField):
    """`poster` of a Movie instance: `{url, thumbnail, medium, large}` or null."""

    def __init__(self, **kwargs):
        super().__init__(method_name="get_poster", **kwargs)


class ReleaseFields:
    """`release_year` and `poster`, shared by every movie shape built from a Movie instance."""

    @extend_schema_field(PosterSerializer(allow_null=True))
    def get_poster(self, movie):
        return poster_of(movie.poster, movie.poster_url)

    def get_release_year(self, movie) -> int | None:
        """The year of `release_date` (null when undated); `release_date_precision` says whether the day is known."""
        return release_year(movie.release_date)


class MovieBriefSerializer(ReleaseFields, serializers.ModelSerializer):
    """MovieBrief: a title named inside another object (review.movie, feed items, filmographies)."""

    release_year = serializers.SerializerMethodField()
    poster = PosterField()

    class Meta:
        model = Movie
        fields = ["id", "title", "type", "release_year", "poster"]
        read_only_fields = fields


class MyReviewSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    lemon_pie_rating = serializers.IntegerField()
    moderation_status = serializers.ChoiceField(
        choices=["approved", "pending", "rejected"], help_text="Only approved reviews are public."
    )


class MovieUserStateFields(serializers.Serializer):
    """The caller's own state of a title: present (and only then) when the request is signed in.
    Answered by `social.selectors.movie_states` for a whole page in one query; an anonymous answer
    never has these keys, so it stays the one cached for everyone."""

    my_review = MyReviewSerializer(
        required=False, allow_null=True, help_text="Signed-in callers only: your review of this title, or null."
    )
    in_watchlist = serializers.BooleanField(required=False, help_text="Signed-in callers only.")
    in_favorites = serializers.BooleanField(required=False, help_text="Signed-in callers only.")


USER_STATE_FIELDS = ["my_review", "in_watchlist", "in_favorites"]


class MovieSummarySerializer(ReleaseFields, MovieUserStateFields, serializers.ModelSerializer):
    """A list row (API.md §5 MovieSummary). Needs `genre_rows` and `language_rows` prefetched."""

    release_year = serializers.SerializerMethodField()
    poster = PosterField()
    genres = serializers.SerializerMethodField()
    languages = serializers.SerializerMethodField()
    lemon_pie_rating = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Movie
        fields = [
            "id",
            "type",
            "title",
            "local_title",
            "release_date",
            "release_year",
            "release_date_precision",
            "runtime",
            "poster_url",
            "poster",
            "trailer_url",
            "director",
            "producer",
            "production_company",
            "production_state",
            "box_office_ng",
            "genres",
            "languages",
            "lemon_pie_rating",
            "review_count",
            "created_at",
            "updated_at",
            *USER_STATE_FIELDS,
        ]
        read_only_fields = fields

    def get_genres(self, movie) -> list[str]:
        return [row.genre for row in movie.genre_rows.all()]

    def get_languages(self, movie) -> list[str]:
        return [row.language for row in movie.language_rows.all()]
