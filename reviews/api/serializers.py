"""Request shapes of the review endpoints (the response is the Review shape, `reviews/shapes.py`)."""

import re

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from lemonnpie.api.fields import CleanCharField
from lemonnpie.api.serializers import InputSerializer
from reviews.models import VoteType
from reviews.tags import MAX_TAG_LENGTH, MAX_TAGS, normalize_tags

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
RATING_HELP = "Integer from 1 to 10."


def _rating(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=10, help_text=RATING_HELP, **kwargs)


class _ReviewWriteFields(InputSerializer):
    lemon_pie_rating = _rating()
    cultural_authenticity_rating = _rating()
    production_quality_rating = _rating()
    story_rating = _rating()
    acting_rating = _rating()
    cinematography_rating = _rating()
    review_text = CleanCharField(
        min_length=10, max_length=5000, multiline=True, help_text="10 to 5000 characters, counted after cleaning."
    )
    review_language = serializers.CharField(
        max_length=10,
        required=False,
        help_text="Language code of the review text: en, yo, ig, ha, pcm (Naija Pidgin), en-ng, ...",
    )
    spoiler_warning = serializers.BooleanField(required=False)
    nollywood_tags = serializers.ListField(
        child=CleanCharField(max_length=100, allow_blank=True),
        required=False,
        max_length=100,
        help_text=(
            f"Free tags, stored as lower-case slugs ('Family Drama' → 'family-drama'); at most {MAX_TAGS}"
            f" distinct tags of at most {MAX_TAG_LENGTH} characters."
        ),
    )

    def validate_review_language(self, value: str) -> str:
        value = value.strip().lower().replace("_", "-")
        if not LANGUAGE_CODE.match(value):
            raise serializers.ValidationError("Use a language code such as en, yo, ig, ha or pcm.")
        return value

    def validate_nollywood_tags(self, raw_tags: list[str]) -> list[str]:
        tags, errors = normalize_tags(raw_tags)
        if -1 in errors:
            raise serializers.ValidationError(errors[-1])
        if errors:
            raise serializers.ValidationError({str(index): [message] for index, message in errors.items()})
        return tags


@extend_schema_serializer(component_name="ReviewCreate")
class ReviewCreateSerializer(_ReviewWriteFields):
    movie_id = serializers.UUIDField()
    review_language = serializers.CharField(max_length=10, required=False, default="en")
    spoiler_warning = serializers.BooleanField(required=False, default=False)


@extend_schema_serializer(component_name="ReviewUpdate")
class ReviewUpdateSerializer(_ReviewWriteFields):
    """Every field optional (PUT and PATCH both accept partial bodies); the movie cannot change."""

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "enum": VoteType.values})
class _VoteTypeField(serializers.ChoiceField):
    """Documented inline: the named enum belongs to `Review.user_vote` (one name per choice set)."""


@extend_schema_serializer(component_name="ReviewVoteBody")
class ReviewVoteSerializer(InputSerializer):
    vote_type = _VoteTypeField(choices=VoteType.choices)
