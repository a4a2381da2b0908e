"""User response shapes (API.md §4), each declared once (see lemonnpie.api.shapes). Stats come from
the counters stored on the user row, so a page of users runs no extra queries."""

from rest_framework import serializers

from accounts.models import User
from lemonnpie.api.shapes import Computed, Nested, Shape, Value
from lemonnpie.ratings import average


def _count(**options) -> serializers.IntegerField:
    return serializers.IntegerField(read_only=True, **options)


UserStats = Shape(
    "UserStats",
    [
        Value("total_reviews", _count(), column="review_count"),
        Computed(
            "average_rating",
            serializers.FloatField(read_only=True, allow_null=True),
            average,
            ["review_rating_sum", "review_count"],
        ),
        Value("followers_count", _count()),
        Value("following_count", _count()),
        Value("movies_watched", _count(help_text="Distinct movies reviewed."), column="review_count"),
    ],
)

UserBrief = Shape(
    "UserBrief",
    ["id", "name", "bio", "location", "avatar_url", "role", "is_verified", "created_at"],
    model=User,
    doc="UserPublic without stats: nested in reviews, follower lists, feed items.",
)
UserPublic = UserBrief.extend("UserPublic", [Nested("stats", UserStats, source="*")])
UserPrivate = UserPublic.extend("UserPrivate", ["email"])
