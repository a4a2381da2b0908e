"""The social endpoints' response shapes (API.md §4 and §8), each declared once (see
lemonnpie.api.shapes)."""

from rest_framework import serializers

from accounts.shapes import UserPublic
from catalog.shapes import MovieSummary
from lemonnpie.api.shapes import Const, Nested, Shape, Spread, Value, iso_datetime
from reviews.shapes import Review


def _moment(**options) -> serializers.DateTimeField:
    return serializers.DateTimeField(read_only=True, **options)


FollowListUser = UserPublic.extend(
    "FollowListUser",
    [Value("followed_at", _moment(), convert=iso_datetime)],
    doc="A row of a followers/following list: UserPublic plus when the follow started.",
)

FollowStatus = Shape(
    "FollowStatus",
    [
        Value("following", serializers.BooleanField(read_only=True)),
        Value("followed_at", _moment(allow_null=True), convert=iso_datetime),
        Nested("user", UserPublic),
    ],
    doc="The answer to follow/unfollow: whether the caller follows `user`, and `user` itself.",
)

MovieListRow = Shape(
    "MovieListRow",
    [Spread(MovieSummary, source="movie"), Value("added_at", _moment(), convert=iso_datetime)],
    doc="A watchlist/favourites row: MovieSummary (its `id` is the movie's) plus `added_at`.",
)

FeedItem = Shape(
    "FeedItem",
    [
        Const("type", "review", serializers.ChoiceField(choices=["review"], read_only=True)),
        Value("created_at", _moment(), convert=iso_datetime),
        Nested("actor", UserPublic, source="user"),
        Nested("review", Review, source="*"),
    ],
    doc='`{type: "review", created_at, actor: UserPublic, review: Review}` built from one review row.',
)
