from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from reviews.models import Review
from reviews.querysets import DEFAULT_ORDERING, ORDERINGS
from reviews.tags import normalize_tag


class _StrictBooleanField(forms.Field):
    """`true`/`false` (also 1/0, yes/no); anything else is a 400, not a silently ignored filter."""

    TRUE = {"true", "1", "yes"}
    FALSE = {"false", "0", "no"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Use true or false.")


class StrictBooleanFilter(filters.Filter):
    field_class = _StrictBooleanField


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class ReviewFilter(filters.FilterSet):
    movie = filters.UUIDFilter(field_name="movie_id", help_text="Reviews of this movie id.")
    user = filters.UUIDFilter(field_name="user_id", help_text="Reviews by this user id.")
    rating_min = IntegerFilter(
        field_name="lemon_pie_rating",
        lookup_expr="gte",
        min_value=1,
        max_value=10,
        help_text="Only reviews whose overall rating is at least this (1..10).",
    )
    language = filters.CharFilter(method="filter_language", help_text="Review language code, e.g. en, yo, pcm.")
    tag = filters.CharFilter(method="filter_tag", help_text="A Nollywood tag (normalised like stored tags).")
    spoiler = StrictBooleanFilter(
        field_name="spoiler_warning", help_text="true: only reviews with spoilers; false: only spoiler-free ones."
    )

    class Meta:
        model = Review
        fields = ["movie", "user", "rating_min", "language", "tag", "spoiler"]

    def filter_language(self, queryset, name, value):
        return queryset.filter(review_language=value.strip().lower().replace("_", "-"))

    def filter_tag(self, queryset, name, value):
        tag = normalize_tag(value)
        if not tag:
            return queryset.none()
        return queryset.with_tag(tag)


class MovieReviewFilter(ReviewFilter):
    """The review filters without `movie` (the path names it)."""

    class Meta(ReviewFilter.Meta):
        fields = ["user", "rating_min", "language", "tag", "spoiler"]

    movie = None


class ReviewOrderingFilter(BaseFilterBackend):
    """`ordering=created_at|lemon_pie_rating|helpfulness`, `-` for descending; `helpfulness` is the
    Wilson lower bound of helpful/total votes. An unknown value is a 400."""

    param = "ordering"

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        if raw is None or raw.strip() == "":
            return queryset
        try:
            return queryset.ordered(raw.strip())
        except ValueError:
            raise ValidationError({self.param: [f"Unknown ordering. Use one of: {', '.join(_choices())}."]}) from None

    def get_schema_operation_parameters(self, view):
        return []

    @staticmethod
    def openapi_parameter() -> OpenApiParameter:
        return OpenApiParameter(
            "ordering",
            OpenApiTypes.STR,
            enum=_choices(),
            description=f"Sort order; `-` for descending. Default `{DEFAULT_ORDERING}`. `helpfulness` ranks by the"
            " Wilson lower bound of helpful/(helpful+unhelpful) votes.",
        )


def _choices() -> list[str]:
    return [value for name in ORDERINGS for value in (name, f"-{name}")]
