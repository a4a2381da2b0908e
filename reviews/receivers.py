"""Deletions that cascade into reviews from other apps' rows (a user or a movie removed in the
admin) first take those reviews and votes out of the stored aggregates."""

from reviews import services


def user_pre_delete(sender, instance, **kwargs):
    services.user_content_remove(user=instance)


def movie_pre_delete(sender, instance, **kwargs):
    services.movie_reviews_detach(movie_id=instance.pk)
