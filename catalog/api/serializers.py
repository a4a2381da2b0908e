"""Request shapes of the catalogue API (API.md §5), and the suggestions answer. The movie
responses are declared in `catalog/shapes.py`."""

import re

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from catalog.models import CastRole, DatePrecision, MovieType
from lemonnpie.api.fields import CleanCharField
from lemonnpie.api.serializers import InputSerializer


@extend_schema_serializer(component_name="MovieCastMember")
class CastMemberInputSerializer(InputSerializer):
    actor_name = CleanCharField(max_length=255)
    character_name = CleanCharField(max_length=255, allow_blank=True, required=False, default="")
    role_type = serializers.ChoiceField(choices=CastRole.choices, required=False, default=CastRole.ACTOR)

    def validate_actor_name(self, value):
        value = " ".join(value.split())
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_character_name(self, value):
        return " ".join(value.split())


class MovieSuggestionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
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


class MovieWriteSerializer(InputSerializer):
    """MovieCreate (seed) with `type`, `genres`, `languages` and `cast`. `genres`, `languages` and
    `cast` replace the whole list when given. `is_featured` is applied for admins only."""

    type = serializers.ChoiceField(choices=MovieType.choices, default=MovieType.MOVIE)
    title = CleanCharField(max_length=500)
    local_title = CleanCharField(max_length=500, allow_blank=True, required=False)
    release_date = serializers.DateField()
    release_date_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    runtime = serializers.IntegerField(min_value=1, max_value=1440, allow_null=True, required=False)
    plot_summary = CleanCharField(max_length=10000, allow_blank=True, required=False, multiline=True)
    poster_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    trailer_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    director = CleanCharField(max_length=255, allow_blank=True, required=False)
    producer = CleanCharField(max_length=255, allow_blank=True, required=False)
    production_company = CleanCharField(max_length=255, allow_blank=True, required=False)
    production_state = CleanCharField(max_length=100, allow_blank=True, required=False)
    box_office_ng = CleanCharField(max_length=100, allow_blank=True, required=False)
    is_featured = serializers.BooleanField(required=False)
    imdb_id = serializers.RegexField(r"^tt\d{5,12}$", max_length=20, allow_null=True, required=False)
    imdb_rating = serializers.DecimalField(
        max_digits=3, decimal_places=1, min_value=0, max_value=10, allow_null=True, required=False
    )
    imdb_votes = serializers.IntegerField(min_value=0, max_value=2_000_000_000, allow_null=True, required=False)
    genres = serializers.ListField(
        child=CleanCharField(max_length=100, allow_blank=True), max_length=20, required=False
    )
    languages = serializers.ListField(
        child=CleanCharField(max_length=50, allow_blank=True), max_length=20, required=False
    )
    cast = serializers.ListField(child=CastMemberInputSerializer(), max_length=200, required=False)

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
