"""Request and response shapes of the list endpoints."""

from rest_framework import serializers

from accounts.api.serializers import CleanCharField
from accounts.shapes import UserBrief
from diary.api.serializers import DiaryMovieSerializer
from lemonnpie.api.serializers import InputSerializer
from lists.models import FilmList, FilmListEntry

NOTE_MAX = 2000


class FilmListSerializer(serializers.ModelSerializer):
    user = UserBrief.serializer(read_only=True)

    class Meta:
        model = FilmList
        fields = [
            "id",
            "user",
            "title",
            "description",
            "ranked",
            "is_public",
            "entry_count",
            "like_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FilmListWriteSerializer(InputSerializer):
    """Counters and the owner are never taken from the body."""

    title = CleanCharField(max_length=200)
    description = CleanCharField(max_length=5000, required=False, allow_blank=True, allow_null=True, multiline=True)
    ranked = serializers.BooleanField(required=False)
    is_public = serializers.BooleanField(required=False)

    def to_service_fields(self) -> dict:
        data = dict(self.validated_data)
        if "description" in data and data["description"] is None:
            data["description"] = ""
        return data


class FilmListEntrySerializer(serializers.ModelSerializer):
    movie = DiaryMovieSerializer(read_only=True)

    class Meta:
        model = FilmListEntry
        fields = ["position", "movie", "note", "added_at"]
        read_only_fields = fields


class EntryItemSerializer(InputSerializer):
    movie_id = serializers.UUIDField()
    note = CleanCharField(max_length=NOTE_MAX, required=False, allow_blank=True, allow_null=True, multiline=True)


class EntriesAddSerializer(InputSerializer):
    items = EntryItemSerializer(many=True, allow_empty=False, max_length=1000)
    position = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Insert here (1-based); default: at the end."
    )


class EntriesAddedSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="Films added (those already on the list are skipped).")
    list = FilmListSerializer()


class EntryNoteSerializer(InputSerializer):
    note = CleanCharField(max_length=NOTE_MAX, allow_blank=True, allow_null=True, multiline=True)


class ReorderSerializer(InputSerializer):
    order = serializers.ListField(
        child=serializers.UUIDField(), max_length=1000, help_text="Every film on the list, once, in the new order."
    )


class LikeSerializer(serializers.Serializer):
    liked = serializers.BooleanField()
    like_count = serializers.IntegerField()
