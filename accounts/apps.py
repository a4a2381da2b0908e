from datetime import timedelta

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts import checks  # noqa: F401  (registers the system checks)
        from lemonnpie.celery import app

        # Merged into whatever CELERY_BEAT_SCHEDULE the settings define.
        app.conf.beat_schedule = {
            **(app.conf.beat_schedule or {}),
            "accounts.purge_expired_sessions": {
                "task": "accounts.tasks.purge_expired_sessions",
                "schedule": timedelta(hours=24),
            },
        }
