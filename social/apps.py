from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from reviews.signals import review_changed
        from social.receivers import review_changed_receiver

        review_changed.connect(review_changed_receiver, dispatch_uid="social.feed_invalidate_followers")
