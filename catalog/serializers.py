"""Movie representations shared with other apps (watchlists, favourites, trending)."""

from rest_framework import serializers

from catalog.models import Movie


class MovieBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Movie
        fields = ["id", "title"]
        read_only_fields = fields


class MovieSummarySerializer(serializers.ModelSerializer):
    """A list row (API.md §5 MovieSummary). Needs `genre_rows` and `language_rows` prefetched."""

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
            "runtime",
            "poster_url",
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
        ]
        read_only_fields = fields

    def get_genres(self, movie) -> list[str]:
        return [row.genre for row in movie.genre_rows.all()]

    def get_languages(self, movie) -> list[str]:
        return [row.language for row in movie.language_rows.all()]
