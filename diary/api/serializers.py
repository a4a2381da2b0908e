"""Request and response shapes of the diary, ratings, year in review and import/export endpoints."""

import datetime
import re

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import CleanCharField
from catalog.models import Movie
from diary.models import ENTRY_FIELDS, DataExport, DataImport, DiaryEntry, FilmRating, WatchedPrecision, WatchedWhere
from lemonnpie.api.serializers import InputSerializer

NOTE_MAX = 5000


class DiaryMovieSerializer(serializers.ModelSerializer):
    """The film of a diary entry, rating or list entry."""

    class Meta:
        model = Movie
        fields = ["id", "title", "release_date", "runtime", "poster_url"]
        read_only_fields = fields


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": r"^\d{4}-\d{2}(-\d{2})?$",
        "description": "`YYYY-MM-DD`, `YYYY-MM` (month only) or null (date unknown).",
        "example": "2026-11-24",
    }
)
class WatchedOnField(serializers.Field):
    """A viewing date at day or month precision, or null: `(date | None, precision)` inside."""

    default_error_messages = {"invalid": "Use YYYY-MM-DD, YYYY-MM or null."}

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None:
            return True, (None, WatchedPrecision.UNKNOWN)
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        month = _MONTH.match(data)
        try:
            if month:
                return datetime.date(int(month[1]), int(month[2]), 1), WatchedPrecision.MONTH
            if len(data) == 10:
                return datetime.date.fromisoformat(data), WatchedPrecision.DAY
        except ValueError:
            pass
        self.fail("invalid")

    def to_representation(self, entry):
        if entry.watched_precision == WatchedPrecision.UNKNOWN or entry.watched_on is None:
            return None
        if entry.watched_precision == WatchedPrecision.MONTH:
            return entry.watched_on.strftime("%Y-%m")
        return entry.watched_on.isoformat()


class DiaryEntrySerializer(serializers.ModelSerializer):
    """A diary entry. `note` is private: it is null in anyone else's view."""

    movie = DiaryMovieSerializer(read_only=True)
    watched_on = WatchedOnField(source="*", read_only=True)
    where = serializers.ChoiceField(
        choices=[("", "Not said"), *WatchedWhere.choices], read_only=True, help_text='"" when not said.'
    )
    note = serializers.SerializerMethodField()

    class Meta:
        model = DiaryEntry
        fields = ["id", "movie", *ENTRY_FIELDS]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="Only the owner sees it."))
    def get_note(self, entry):
        viewer = self.context.get("viewer")
        return entry.note if getattr(viewer, "pk", None) == entry.user_id else None


class DiaryEntryWriteSerializer(InputSerializer):
    """What a client may set; the owner and the film's counters are never taken from the body."""

    movie_id = serializers.UUIDField(help_text="Only on create; the film of an entry never changes.")
    watched_on = WatchedOnField(required=False, help_text="Default on create: today (UTC). null: unknown.")
    rewatch = serializers.BooleanField(required=False)
    rating = serializers.IntegerField(min_value=1, max_value=10, required=False, allow_null=True)
    liked = serializers.BooleanField(required=False)
    where = serializers.ChoiceField(choices=WatchedWhere.choices, required=False, allow_null=True, allow_blank=True)
    note = CleanCharField(max_length=NOTE_MAX, required=False, allow_null=True, allow_blank=True, multiline=True)
    review_id = serializers.UUIDField(required=False, allow_null=True, help_text="Your review of this film.")

    def to_service_fields(self) -> dict:
        data = dict(self.validated_data)
        if data.pop("movie_id", None) is not None and "watched_on" not in data:
            data["watched_on"] = (timezone.now().date(), WatchedPrecision.DAY)  # logging it now
        if "watched_on" in data:
            data["watched_on"], data["watched_precision"] = data["watched_on"]
        for name in ("where", "note"):
            if name in data and data[name] is None:
                data[name] = ""
        for name in ("rewatch", "liked"):
            if name in data and data[name] is None:
                data.pop(name)
        return data


class DiaryEntryUpdateSerializer(DiaryEntryWriteSerializer):
    movie_id = None


class FilmRatingSerializer(serializers.ModelSerializer):
    movie = DiaryMovieSerializer(read_only=True)

    class Meta:
        model = FilmRating
        fields = ["movie", "rating", "rated_at"]
        read_only_fields = fields


class FilmRatingWriteSerializer(InputSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=10)


class MovieAudienceSerializer(serializers.Serializer):
    movie_id = serializers.UUIDField()
    audience_rating = serializers.FloatField(allow_null=True, help_text="Average of ratings without a review.")
    audience_count = serializers.IntegerField(help_text="Ratings without a review.")


class _NamedCount(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class _Person(serializers.Serializer):
    name = serializers.CharField()
    films = serializers.IntegerField()


class _YearFilm(serializers.Serializer):
    movie_id = serializers.UUIDField()
    title = serializers.CharField()
    release_date = serializers.DateField(allow_null=True)
    poster_url = serializers.CharField()


class _TopFilm(_YearFilm):
    rating = serializers.IntegerField()
    first_watched = serializers.DateField()


class _DatedFilm(_YearFilm):
    watched_on = serializers.DateField()


class _Streak(serializers.Serializer):
    days = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()


class YearInReviewSerializer(serializers.Serializer):
    """A user's year, from viewings dated in it (day or month precision)."""

    year = serializers.IntegerField()
    entries = serializers.IntegerField(help_text="Viewings logged (rewatches included).")
    films = serializers.IntegerField(help_text="Distinct films.")
    rewatches = serializers.IntegerField()
    hours = serializers.FloatField(help_text="Sum of runtimes, where the runtime is known.")
    entries_without_runtime = serializers.IntegerField()
    average_rating = serializers.FloatField(allow_null=True)
    by_month = serializers.DictField(child=serializers.IntegerField(), help_text='Viewings per month, "1".."12".')
    by_language = _NamedCount(many=True)
    by_genre = _NamedCount(many=True)
    top_rated = _TopFilm(many=True)
    actors = _Person(many=True, help_text="From the films' cast (people entities when the catalogue has them).")
    directors = _Person(many=True)
    longest_streak = _Streak(allow_null=True, help_text="Consecutive days with a viewing (day-precision dates).")
    first = _DatedFilm(allow_null=True)
    last = _DatedFilm(allow_null=True)


class ExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataExport
        fields = ["id", "status", "created_at", "expires_at", "downloaded_at"]
        read_only_fields = fields


class ImportRequestSerializer(InputSerializer):
    file = serializers.FileField(help_text="A Letterboxd export zip (diary.csv, ratings.csv, watched.csv, ...).")


class ImportSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = DataImport
        fields = [
            "id",
            "status",
            "rows_total",
            "rows_done",
            "progress",
            "summary",
            "report",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_progress(self, job) -> float:
        return round(job.rows_done / job.rows_total, 3) if job.rows_total else (1.0 if job.status == "done" else 0.0)
