"""The Review representation (API.md §6), shared with other apps (the social feed).

Serialize querysets from `Review.objects.for_display(user)`: it joins user and movie and
annotates `user_vote`, so a page costs one query."""

from rest_framework import serializers

from accounts.serializers import UserBriefSerializer
from catalog.serializers import MovieBriefSerializer
from reviews.models import Review, VoteType


class ReviewSerializer(serializers.ModelSerializer):
    movie_id = serializers.UUIDField(read_only=True)
    movie = MovieBriefSerializer(read_only=True)
    user = UserBriefSerializer(read_only=True)
    helpfulness_score = serializers.IntegerField(read_only=True)
    user_vote = serializers.ChoiceField(choices=VoteType.choices, read_only=True, allow_null=True, default=None)

    class Meta:
        model = Review
        fields = [
            "id",
            "movie_id",
            "movie",
            "user",
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
            "helpfulness_score",
            "user_vote",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
