"""Deletions that cascade into diary rows from other apps' rows keep the counters exact."""

from diary import services


def user_pre_delete(sender, instance, **kwargs):
    services.user_ratings_remove(user=instance)


def movie_pre_delete(sender, instance, **kwargs):
    services.movie_watchers_detach(movie_id=instance.pk)
