"""Deploy checks (`manage.py check --deploy`) for running several app instances: nothing an
instance needs may live only in its own memory or on its own disk (README "Scaling out").
They apply when the deployment says it runs several instances (`SCALED_OUT`, on by default with
read replicas or PgBouncer); one instance with local media is a valid deployment."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

_LOCAL_CACHE = "locmem"
_FILE_SESSIONS = "django.contrib.sessions.backends.file"


@register(Tags.caches, deploy=True)
def check_stateless_instance(app_configs=None, **kwargs):
    if not getattr(settings, "SCALED_OUT", False):
        return []
    warnings = []
    if any(_LOCAL_CACHE in alias["BACKEND"].lower() for alias in settings.CACHES.values()):
        warnings.append(
            Warning(
                "The cache is in process memory: each instance has its own cache, throttles and sign-in "
                "lockouts, and a Celery broker in memory.",
                hint="Set REDIS_URL (shared by every instance).",
                id="lemonnpie.W101",
            )
        )
    if getattr(settings, "MEDIA_STORAGE", "local") == "local":
        warnings.append(
            Warning(
                "Uploaded media go to this instance's local disk; other instances cannot serve them.",
                hint="Set MEDIA_STORAGE=s3 (with AWS_STORAGE_BUCKET_NAME ...) or CLOUDINARY_URL.",
                id="lemonnpie.W102",
            )
        )
    if settings.SESSION_ENGINE == _FILE_SESSIONS:
        warnings.append(
            Warning(
                "Sessions are files on this instance's disk.",
                hint="Use the db or cache session engine.",
                id="lemonnpie.W103",
            )
        )
    layers = getattr(settings, "CHANNEL_LAYERS", {})
    if any("inmemory" in layer.get("BACKEND", "").lower() for layer in layers.values()):
        warnings.append(
            Warning(
                "The channel layer is in process memory: WebSocket groups do not reach other instances.",
                hint="Use channels_redis (REDIS_URL).",
                id="lemonnpie.W104",
            )
        )
    return warnings
