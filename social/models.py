from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Follow(models.Model):
    """The seed's `user_follows`: follower → following, never oneself."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_rows")
    following = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_rows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "user_follows"
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["follower", "following"], name="user_follows_unique"),
            models.CheckConstraint(condition=~Q(follower=F("following")), name="user_follows_not_self"),
        ]
        indexes = [
            models.Index(fields=["follower", "-created_at"], name="user_follows_follower_idx"),
            models.Index(fields=["following", "-created_at"], name="user_follows_following_idx"),
        ]

    def __str__(self):
        return f"{self.follower_id} → {self.following_id}"


class _MovieListEntry(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-added_at", "id"]

    def __str__(self):
        return f"{self.user_id}: {self.movie_id}"


class WatchlistEntry(_MovieListEntry):
    class Meta(_MovieListEntry.Meta):
        db_table = "user_watchlist"
        constraints = [models.UniqueConstraint(fields=["user", "movie"], name="user_watchlist_unique")]
        indexes = [models.Index(fields=["user", "-added_at"], name="user_watchlist_user_idx")]
        verbose_name_plural = "watchlist entries"


class FavoriteEntry(_MovieListEntry):
    class Meta(_MovieListEntry.Meta):
        db_table = "user_favorites"
        constraints = [models.UniqueConstraint(fields=["user", "movie"], name="user_favorites_unique")]
        indexes = [models.Index(fields=["user", "-added_at"], name="user_favorites_user_idx")]
        verbose_name_plural = "favorite entries"
