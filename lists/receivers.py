"""Deletions that cascade into lists from other apps' rows keep the counters exact."""

from lists import services


def user_pre_delete(sender, instance, **kwargs):
    services.user_lists_remove(user=instance)


def movie_pre_delete(sender, instance, **kwargs):
    services.movie_lists_detach(movie_id=instance.pk)
