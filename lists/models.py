"""User lists of films: ranked or not, public or private, up to `LIST_MAX_ENTRIES` entries."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class FilmList(models.Model):
    """A user's list. `entry_count` and `like_count` are kept in SQL by `lists.services`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="film_lists")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    ranked = models.BooleanField(default=False)
    is_public = models.BooleanField(default=True)
    entry_count = models.PositiveIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    import_key = models.CharField(max_length=200, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "film_lists"
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "import_key"], name="film_lists_import_once", condition=Q(import_key__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="film_lists_user_idx"),
            models.Index(
                models.F("like_count").desc(),
                models.F("created_at").desc(),
                "id",
                name="film_lists_popular_idx",
                condition=Q(is_public=True),
            ),
            models.Index(
                models.F("created_at").desc(), "id", name="film_lists_recent_idx", condition=Q(is_public=True)
            ),
        ]

    def __str__(self):
        return self.title


class FilmListEntry(models.Model):
    """A film on a list, at `position` (1-based, dense); a film appears on a list at most once."""

    film_list = models.ForeignKey(FilmList, on_delete=models.CASCADE, related_name="entries")
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="list_entries")
    position = models.PositiveIntegerField()
    note = models.TextField(blank=True, default="")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "film_list_entries"
        ordering = ["position", "id"]
        verbose_name_plural = "film list entries"
        constraints = [
            models.UniqueConstraint(fields=["film_list", "movie"], name="film_list_entries_once"),
            models.UniqueConstraint(
                fields=["film_list", "position"],
                name="film_list_entries_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]
        indexes = [models.Index(fields=["movie"], name="film_list_entries_movie_idx")]

    def __str__(self):
        return f"{self.position}. {self.movie_id}"


class FilmListLike(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    film_list = models.ForeignKey(FilmList, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "film_list_likes"
        constraints = [models.UniqueConstraint(fields=["user", "film_list"], name="film_list_likes_once")]

    def __str__(self):
        return f"{self.user_id} likes {self.film_list_id}"


class MovieListCount(models.Model):
    """How many public lists hold a film (shown on the movie detail). Changed only in SQL by
    `lists.services`; `recompute_stats` repairs it."""

    movie = models.OneToOneField("catalog.Movie", on_delete=models.CASCADE, primary_key=True, related_name="list_count")
    public_lists = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "movie_list_counts"

    def __str__(self):
        return f"{self.movie_id}: {self.public_lists}"
