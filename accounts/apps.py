from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts import checks  # noqa: F401  (registers the system checks)

        # The daily purge (accounts.tasks.purge_expired_sessions) is scheduled in settings.CELERY_BEAT_SCHEDULE.
