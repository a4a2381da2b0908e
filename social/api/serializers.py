"""Request and response shapes of the social endpoints (API.md §4 and §8)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import UserPublicSerializer
from catalog.serializers import MovieSummarySerializer
from reviews.serializers import ReviewSerializer


class FollowListUserSerializer(UserPublicSerializer):
    """A row of a followers/following list: UserPublic plus when the follow started.
    Serializes a Follow row; `context["side"]` is "follower" or "following"."""

    followed_at = serializers.DateTimeField(read_only=True)

    class Meta(UserPublicSerializer.Meta):
        fields = [*UserPublicSerializer.Meta.fields, "followed_at"]
        read_only_fields = fields

    def to_representation(self, follow):
        user = getattr(follow, self.context["side"])
        user.followed_at = follow.created_at
        for name, value in self.context.get("states", {}).get(str(user.pk), {}).items():
            setattr(user, name, value)
        return super().to_representation(user)


class FollowStatusSerializer(serializers.Serializer):
    """The answer to follow/unfollow: whether the caller follows `user`, and `user` itself."""

    following = serializers.BooleanField(help_text="You follow `user`.")
    followed_at = serializers.DateTimeField(allow_null=True, help_text="Since when (null when not following).")
    follows_you = serializers.BooleanField(help_text="`user` follows you.")
    user = UserPublicSerializer()


class MovieListRowSerializer(MovieSummarySerializer):
    """A watchlist/favourites row: MovieSummary (its `id` is the movie's) plus `added_at`.
    Serializes a WatchlistEntry/FavoriteEntry with `movie` joined."""

    added_at = serializers.DateTimeField(read_only=True)

    class Meta(MovieSummarySerializer.Meta):
        fields = [*MovieSummarySerializer.Meta.fields, "added_at"]
        read_only_fields = fields

    def to_representation(self, entry):
        movie = entry.movie
        movie.added_at = entry.added_at
        return super().to_representation(movie)


class FeedItemSerializer(serializers.Serializer):
    """`{type: "review", created_at, actor: UserPublic, review: Review}` built from one Review."""

    type = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    actor = UserPublicSerializer(source="user", read_only=True)
    review = ReviewSerializer(source="*", read_only=True)

    @extend_schema_field(serializers.ChoiceField(choices=["review"]))
    def get_type(self, review) -> str:
        return "review"


class FeedPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FeedItemSerializer(many=True)


class ImageUploadRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG, PNG, WebP or GIF, at most 5 MB (checked by content, not name).")


class OptimizedUrlsSerializer(serializers.Serializer):
    thumbnail = serializers.URLField(help_text="150x150 WebP")
    medium = serializers.URLField(help_text="400x300 WebP")
    large = serializers.URLField(help_text="800x600 WebP")


class ImageUploadSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The original, re-encoded as WebP without metadata.")
    public_id = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.CharField()
    bytes = serializers.IntegerField()
    optimized_urls = OptimizedUrlsSerializer()
