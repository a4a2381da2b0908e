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
    movies_watched = serializers.IntegerField(source="review_count", help_text="Distinct movies reviewed.")


class UserBriefSerializer(serializers.ModelSerializer):
    """UserPublic without stats: nested in reviews, follower lists, feed items."""

    class Meta:
        model = User
        fields = ["id", "name", "bio", "location", "avatar_url", "role", "is_verified", "created_at"]
        read_only_fields = fields


class UserPublicSerializer(UserBriefSerializer):
    stats = serializers.SerializerMethodField()
    # The caller's relation to this user: present (and only then) for a signed-in caller, on
    # profiles and follower lists (social.selectors.follow_states, one query per page).
    is_following = serializers.BooleanField(required=False, help_text="Signed-in callers only: you follow them.")
    follows_you = serializers.BooleanField(required=False, help_text="Signed-in callers only: they follow you.")

    class Meta(UserBriefSerializer.Meta):
        fields = [*UserBriefSerializer.Meta.fields, "stats", "is_following", "follows_you"]
        read_only_fields = fields

    @extend_schema_field(UserStatsSerializer)
    def get_stats(self, user):
        return UserStatsSerializer(user).data


class UserPrivateSerializer(UserPublicSerializer):
    class Meta(UserPublicSerializer.Meta):
        fields = [*UserPublicSerializer.Meta.fields, "email"]
        read_only_fields = fields
