"""The film diary: viewings, a user's rating of a film, the audience aggregate, import/export jobs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class WatchedPrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month (stored as the 1st)"
    UNKNOWN = "unknown", "Unknown (no date)"


class WatchedWhere(models.TextChoices):
    CINEMA = "cinema", "Cinema"
    TV = "tv", "TV"
    STREAMING = "streaming", "Streaming"
    YOUTUBE = "youtube", "YouTube"
    OTHER = "other", "Other"


def _rating_1_10(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 1, f"{field}__lte": 10}), name=name
    )


class DiaryEntry(models.Model):
    """One viewing of one film by one user. A film may be logged any number of times."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diary_entries")
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="diary_entries")
    # NULL with precision `unknown`; the 1st of the month with precision `month`.
    watched_on = models.DateField(null=True, blank=True)
    watched_precision = models.CharField(max_length=8, choices=WatchedPrecision.choices, default=WatchedPrecision.DAY)
    rewatch = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    liked = models.BooleanField(default=False)
    where = models.CharField(max_length=10, choices=WatchedWhere.choices, blank=True, default="")
    note = models.TextField(blank=True, default="", help_text="Private: only the owner sees it.")
    # The review written about this viewing (same user and film), if any.
    review = models.OneToOneField(
        "reviews.Review", on_delete=models.SET_NULL, null=True, blank=True, related_name="diary_entry"
    )
    # Set by an import: the same source row imported again is recognised and skipped.
    import_key = models.CharField(max_length=200, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "diary_entries"
        ordering = [models.F("watched_on").desc(nulls_last=True), "-created_at", "id"]
        verbose_name_plural = "diary entries"
        constraints = [
            _rating_1_10("rating", "diary_entries_rating_1_10"),
            models.CheckConstraint(
                condition=Q(watched_precision__in=WatchedPrecision.values), name="diary_entries_precision_valid"
            ),
            models.CheckConstraint(
                condition=Q(watched_precision=WatchedPrecision.UNKNOWN, watched_on__isnull=True)
                | (~Q(watched_precision=WatchedPrecision.UNKNOWN) & Q(watched_on__isnull=False)),
                name="diary_entries_date_matches_precision",
            ),
            models.CheckConstraint(
                condition=Q(where="") | Q(where__in=WatchedWhere.values), name="diary_entries_where_valid"
            ),
            models.UniqueConstraint(
                fields=["user", "import_key"],
                name="diary_entries_import_once",
                condition=Q(import_key__isnull=False),
            ),
        ]
        indexes = [
            models.Index(
                "user",
                models.F("watched_on").desc(nulls_last=True),
                models.F("created_at").desc(),
                "id",
                name="diary_user_order_idx",
            ),
            models.Index(fields=["user", "movie"], name="diary_user_movie_idx"),
            models.Index(fields=["movie"], name="diary_movie_idx"),
        ]

    def __str__(self):
        return f"{self.user_id} watched {self.movie_id} on {self.watched_on or '?'}"


class FilmRating(models.Model):
    """A user's current rating of a film (1-10): set by rating a diary entry or on its own.

    It counts in the film's audience aggregate (`MovieAudience`) while the user has no approved
    review of that film (a review's rating counts in the review aggregates instead)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="film_ratings")
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="film_ratings")
    rating = models.PositiveSmallIntegerField()
    rated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "film_ratings"
        ordering = ["-rated_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "movie"], name="film_ratings_one_per_user_movie"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=10), name="film_ratings_1_10"),
        ]
        indexes = [models.Index(fields=["user", "-rated_at"], name="film_ratings_user_idx")]

    def __str__(self):
        return f"{self.user_id} rates {self.movie_id} {self.rating}/10"


class MovieAudience(models.Model):
    """The audience aggregate of a film: ratings without a review. Changed only in SQL by
    `diary.services` (and repaired by `recompute_stats`)."""

    movie = models.OneToOneField("catalog.Movie", on_delete=models.CASCADE, primary_key=True, related_name="audience")
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "movie_audience"

    def __str__(self):
        return f"{self.movie_id}: {self.rating_count} ratings"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class DataExport(models.Model):
    """A zip of everything we hold about a user, built by a job, downloadable once through a
    mailed link until it expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    file_name = models.CharField(max_length=255, blank=True, default="")
    token_hash = models.CharField(max_length=64, blank=True, default="")  # sha256 of the link's token
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "data_exports"
        ordering = ["-created_at", "id"]

    def __str__(self):
        return f"export {self.id} ({self.status})"


class DataImport(models.Model):
    """An uploaded Letterboxd export being imported by a job; progress and the report live here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_imports")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    file_name = models.CharField(max_length=255)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "data_imports"
        ordering = ["-created_at", "id"]

    def __str__(self):
        return f"import {self.id} ({self.status})"


# An entry's own fields as the API shows them (after `id` and `movie`), and as its reads load them.
ENTRY_FIELDS = (
    "watched_on",
    "watched_precision",
    "rewatch",
    "rating",
    "liked",
    "where",
    "note",
    "review_id",
    "created_at",
    "updated_at",
)
