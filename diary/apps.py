from django.apps import AppConfig


class DiaryConfig(AppConfig):
    name = "diary"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import pre_delete

        from catalog.models import Movie
        from diary.receivers import movie_pre_delete, user_pre_delete

        pre_delete.connect(user_pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="diary.user_pre_delete")
        pre_delete.connect(movie_pre_delete, sender=Movie, dispatch_uid="diary.movie_pre_delete")
