"""The Review response shape (API.md §6), declared once (see lemonnpie.api.shapes) and shared with
other apps (the social feed). Rows come from `reviews.selectors.review_rows()` over a queryset
annotated with `user_vote` (`Review.objects.for_display(viewer)`): one query, author and movie
title joined."""

from rest_framework import serializers

from accounts.shapes import UserBrief
from catalog.shapes import MovieBrief
from lemonnpie.api.shapes import Computed, Nested, Shape, Value
from reviews.models import Review as ReviewModel
from reviews.models import VoteType


def _difference(helpful: int, unhelpful: int) -> int:
    return helpful - unhelpful


Review = Shape(
    "Review",
    [
        "id",
        "movie_id",
        Nested("movie", MovieBrief),
        Nested("user", UserBrief),
        "lemon_pie_rating",
        "review_text",
        "review_language",
        "spoiler_warning",
        "cultural_authenticity_rating",
        "production_quality_rating",
        "story_rating",
        "acting_rating",
        "cinematography_rating",
        "nollywood_tags",
        "helpful_votes",
        "unhelpful_votes",
        Computed(
            "helpfulness_score",
            serializers.IntegerField(read_only=True),
            _difference,
            ["helpful_votes", "unhelpful_votes"],
        ),
        Value(
            "user_vote",
            serializers.ChoiceField(choices=VoteType.choices, read_only=True, allow_null=True, default=None),
        ),
        "created_at",
        "updated_at",
    ],
    model=ReviewModel,
)
