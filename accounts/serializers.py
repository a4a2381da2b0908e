"""User representations shared by every app (API.md §4). Stats come from stored counters on the
user row, so serializing a page of users runs no extra queries."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User


class UserStatsSerializer(serializers.Serializer):
    total_reviews = serializers.IntegerField(source="review_count")
    average_rating = serializers.FloatField(allow_null=True)
    followers_count = serializers.IntegerField()
    following_count = serializers.IntegerField()
    movies_watched = serializers.IntegerField(help_text="Distinct films logged in the diary or reviewed.")


class UserBriefSerializer(serializers.ModelSerializer):
    """UserPublic without stats: nested in reviews, follower lists, feed items."""

    class Meta:
        model = User
        fields = ["id", "name", "bio", "location", "avatar_url", "role", "is_verified", "created_at"]
        read_only_fields = fields


class UserPublicSerializer(UserBriefSerializer):
    stats = serializers.SerializerMethodField()

    class Meta(UserBriefSerializer.Meta):
        fields = [*UserBriefSerializer.Meta.fields, "stats"]
        read_only_fields = fields

    @extend_schema_field(UserStatsSerializer)
    def get_stats(self, user):
        return UserStatsSerializer(user).data


class UserPrivateSerializer(UserPublicSerializer):
    class Meta(UserPublicSerializer.Meta):
        fields = [*UserPublicSerializer.Meta.fields, "email", "diary_privacy"]
        read_only_fields = fields
