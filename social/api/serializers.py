"""Request bodies, the feed page and the upload answer of the social endpoints (API.md §4 and §8);
the user, movie-list and feed rows are declared in `social/shapes.py`."""

from rest_framework import serializers

from lemonnpie.api.serializers import InputSerializer
from social.shapes import FeedItem


class FeedPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FeedItem.serializer(many=True)


class ImageUploadRequestSerializer(InputSerializer):
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
