"""Running as many instances (README "Scaling out"): settings read from the environment, the
routing rules that need no second server, media on a real S3 endpoint (moto's server), the
deploy checks and the shape of docker-compose.scale.yml. The primary + replica run is
test_replicas.py; PgBouncer is test_pooler.py."""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.test import RequestFactory
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from lemonnpie import checks, replicas
from social.tests.conftest import image_bytes

ROOT = Path(__file__).resolve().parents[2]

SETTINGS_DUMP = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "databases": {alias: {"HOST": db["HOST"], "PORT": db["PORT"], "NAME": db["NAME"], "TEST": db["TEST"],
                          "DISABLE_SERVER_SIDE_CURSORS": db.get("DISABLE_SERVER_SIDE_CURSORS", False),
                          "OPTIONS": db["OPTIONS"]} for alias, db in settings.DATABASES.items()},
    "replicas": settings.REPLICA_DATABASES,
    "routers": settings.DATABASE_ROUTERS,
    "pin": settings.REPLICA_PIN_SECONDS,
    "storage": settings.STORAGES["default"],
    "media": settings.MEDIA_STORAGE,
}, default=str))
"""


def settings_with(**env) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with `env` (the only way to read env at import)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MEDIA_", "AWS_", "CLOUDINARY"))}
    clean.update(DJANGO_SETTINGS_MODULE="lemonnpie.settings", DATABASE_URL="postgres://app@primary:5432/lnp", **env)
    return subprocess.run(
        [sys.executable, "-c", SETTINGS_DUMP], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def loaded(**env) -> dict:
    result = settings_with(**env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- settings -----------------------------------------------------------------------------------


def test_each_replica_url_is_a_database_alias_mirroring_the_primary_in_tests():
    found = loaded(
        DATABASE_REPLICA_URLS="postgres://app@replica-a:5432/lnp, postgres://app@replica-b:6432/lnp",
        REPLICA_MAX_LAG_SECONDS="3",
        REPLICA_CHECK_SECONDS="1",
    )
    assert found["replicas"] == ["replica1", "replica2"]
    assert found["routers"] == ["lemonnpie.replicas.ReplicaRouter"]
    assert (found["databases"]["replica2"]["HOST"], found["databases"]["replica2"]["PORT"]) == ("replica-b", 6432)
    assert found["databases"]["replica1"]["TEST"]["MIRROR"] == "default"
    assert found["databases"]["replica1"]["OPTIONS"]["connect_timeout"] == 1
    assert found["pin"] == 4  # longer than the lag a replica may have plus one probe interval


def test_without_replica_urls_there_is_only_the_primary():
    found = loaded()
    assert found["replicas"] == []
    assert list(found["databases"]) == ["default"]


def test_pgbouncer_mode_turns_off_server_side_cursors_and_prepared_statements_everywhere():
    found = loaded(DATABASE_POOLER="pgbouncer", DATABASE_REPLICA_URLS="postgres://app@replica:6432/lnp")
    for alias in ("default", "replica1"):
        database = found["databases"][alias]
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert database["OPTIONS"]["prepare_threshold"] is None
    plain = loaded()["databases"]["default"]
    assert plain["DISABLE_SERVER_SIDE_CURSORS"] is False
    assert "prepare_threshold" not in plain["OPTIONS"]


def test_an_unknown_pooler_or_media_storage_is_refused_at_start():
    for env in ({"DATABASE_POOLER": "pgpool"}, {"MEDIA_STORAGE": "ftp"}, {"MEDIA_STORAGE": "s3"}):
        result = settings_with(**env)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr


def test_media_storage_s3_reads_the_usual_variables():
    found = loaded(
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="lnp-media",
        AWS_S3_ENDPOINT_URL="http://minio:9000",
        AWS_S3_REGION_NAME="eu-west-1",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_S3_CUSTOM_DOMAIN="media.lemonnpie.ng",
    )
    assert found["media"] == "s3"
    assert found["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = found["storage"]["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "lnp-media",
        "http://minio:9000",
        "eu-west-1",
    )
    assert (options["access_key"], options["secret_key"], options["custom_domain"]) == (
        "key",
        "secret",
        "media.lemonnpie.ng",
    )
    assert options["file_overwrite"] is False
    assert options["querystring_auth"] is False


def test_cloudinary_stays_the_default_when_its_url_is_set():
    found = loaded(CLOUDINARY_URL="cloudinary://123:abc@lemonnpie")
    assert found["media"] == "cloudinary"
    assert found["storage"]["BACKEND"] == "cloudinary_storage.storage.MediaCloudinaryStorage"
    assert loaded()["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


# --- routing rules (no replica configured: the test database only) -------------------------------


def test_outside_a_request_every_query_uses_the_primary():
    router = replicas.ReplicaRouter()
    assert router.db_for_read(User) == DEFAULT_DB_ALIAS
    assert router.db_for_write(User) == DEFAULT_DB_ALIAS
    assert router.allow_migrate("replica1", "accounts") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "accounts") is True


def test_a_scope_that_wrote_or_a_transaction_reads_from_the_primary(settings):
    settings.REPLICA_DATABASES = ["replica1"]  # never reached: each case keeps to the primary
    router = replicas.ReplicaRouter()
    scope = replicas._Scope(replicas_allowed=False)
    token = replicas._scope.set(scope)
    try:
        assert router.db_for_read(User) == DEFAULT_DB_ALIAS  # not allowed (an unsafe method)
        scope.replicas_allowed = True
        router.db_for_write(User)
        assert scope.wrote
        assert router.db_for_read(User) == DEFAULT_DB_ALIAS  # wrote: pinned for the request
    finally:
        replicas._scope.reset(token)


@pytest.mark.django_db
def test_reads_inside_a_transaction_on_the_primary_stay_there(settings):
    settings.REPLICA_DATABASES = ["replica1"]
    token = replicas._scope.set(replicas._Scope(replicas_allowed=True))
    try:
        with transaction.atomic():
            assert replicas.ReplicaRouter().db_for_read(User) == DEFAULT_DB_ALIAS
    finally:
        replicas._scope.reset(token)


def _request(token: str | None = None, cookie: bool = False):
    request = RequestFactory().get("/api/v1/movies", HTTP_AUTHORIZATION=f"Bearer {token}" if token else "")
    if cookie:
        request.COOKIES[replicas.PIN_COOKIE] = "1"
    return request


def _token(user_id, *, age: float) -> str:
    access = AccessToken()
    access["sub"] = str(user_id)
    access["iat"] = int(time.time() - age)
    return str(access)


def test_who_wrote_lately(settings):
    settings.REPLICA_PIN_SECONDS = 7
    someone = uuid.uuid4()
    assert replicas.wrote_lately(_request()) is False
    assert replicas.wrote_lately(_request(cookie=True)) is True  # the cookie a write sets
    assert replicas.wrote_lately(_request(_token(someone, age=2))) is True  # just signed in / up
    assert replicas.wrote_lately(_request(_token(someone, age=600))) is False
    assert replicas.wrote_lately(_request("not-a-token")) is False
    cache.set(replicas._pin_key(someone), 1, 7)  # the marker every write of that user sets (Redis)
    assert replicas.wrote_lately(_request(_token(someone, age=600))) is True


# --- media on an S3-compatible store (moto's server over HTTP) -----------------------------------


@pytest.fixture
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    from lemonnpie.tests.faultkit import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.mark.django_db
def test_uploads_go_to_the_s3_bucket(settings, s3_endpoint, auth_client):
    import boto3
    from django.core.files.uploadedfile import SimpleUploadedFile

    credentials = {"aws_access_key_id": "lnp", "aws_secret_access_key": "lnp-secret", "region_name": "us-east-1"}
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, **credentials)
    s3.create_bucket(Bucket="lnp-media")
    settings.MEDIA_STORAGE = "s3"
    settings.CLOUDINARY_URL = "cloudinary://123:abc@lemonnpie"  # s3 wins over it
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "lnp-media",
                "endpoint_url": s3_endpoint,
                "access_key": credentials["aws_access_key_id"],
                "secret_key": credentials["aws_secret_access_key"],
                "region_name": "us-east-1",
                "location": "media",
                "querystring_auth": False,
                "file_overwrite": False,
                "addressing_style": "path",
            },
        },
    }
    upload = SimpleUploadedFile("photo.png", image_bytes("PNG"), content_type="image/png")
    response = auth_client.post("/api/v1/upload/image", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"].startswith(f"{s3_endpoint}/lnp-media/media/images/")
    stored = {item["Key"]: item["Size"] for item in s3.list_objects_v2(Bucket="lnp-media")["Contents"]}
    assert len(stored) == 4  # the original and three renditions
    original = body["url"].split("/lnp-media/", 1)[1]
    assert stored[original] == body["bytes"]
    assert s3.get_object(Bucket="lnp-media", Key=original)["Body"].read()[8:12] == b"WEBP"


@pytest.mark.django_db
def test_an_unreachable_bucket_answers_503(settings, auth_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lemonnpie.tests.faultkit import free_port

    settings.MEDIA_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "lnp-media",
                "endpoint_url": f"http://127.0.0.1:{free_port()}",  # nothing listens
                "access_key": "lnp",
                "secret_key": "lnp-secret",
                "region_name": "us-east-1",
                "client_config": __import__("botocore.config").config.Config(
                    connect_timeout=1, retries={"max_attempts": 1}
                ),
            },
        },
    }
    upload = SimpleUploadedFile("photo.png", image_bytes("PNG"), content_type="image/png")
    response = auth_client.post("/api/v1/upload/image", {"file": upload}, format="multipart")
    assert response.status_code == 503, response.content
    assert response.json()["error"] == "service_unavailable"


# --- deploy checks ------------------------------------------------------------------------------


def test_deploy_checks_name_what_an_instance_keeps_to_itself(settings):
    settings.SCALED_OUT = True
    settings.MEDIA_STORAGE = "local"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.file"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    ids = {warning.id for warning in checks.check_stateless_instance()}
    assert ids == {"lemonnpie.W101", "lemonnpie.W102", "lemonnpie.W103", "lemonnpie.W104"}
    settings.SCALED_OUT = False  # one instance: local state is fine
    assert checks.check_stateless_instance() == []


def test_deploy_checks_pass_for_a_shared_setup(settings):
    settings.SCALED_OUT = True
    settings.MEDIA_STORAGE = "s3"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://r:6379/0"}}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer"}}
    assert checks.check_stateless_instance() == []


# --- docker-compose.scale.yml -------------------------------------------------------------------


def test_the_scale_compose_file_has_every_part_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.scale.yml").read_text())
    services = compose["services"]
    expected = {
        "postgres-primary",
        "postgres-replica",
        "pgbouncer-primary",
        "pgbouncer-replica",
        "redis",
        "broker",
        "migrate",
        "web",
        "nginx",
        "worker",
        "beat",
    }
    assert set(services) == expected
    for name, service in services.items():
        if name != "migrate":  # a one-off job
            assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, (name, dependency)
            assert condition["condition"] in {"service_healthy", "service_completed_successfully"}
    # The replica streams from the primary; the app reads it through its own PgBouncer.
    assert "pg_basebackup" in services["postgres-replica"]["command"]
    assert "postgres-primary" in services["postgres-replica"]["depends_on"]
    web = services["web"]["environment"]
    assert web["DATABASE_POOLER"] == "pgbouncer"
    assert "pgbouncer-primary" in web["DATABASE_URL"]
    assert "pgbouncer-replica" in web["DATABASE_REPLICA_URLS"]
    assert web["MEDIA_STORAGE"].endswith("s3}")
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith(
        "postgres://lemonnpie:lemonnpie@postgres-primary"
    )
    assert services["pgbouncer-primary"]["environment"]["POOL_MODE"] == "transaction"
    assert "web:8000" in (ROOT / "ops/scale/nginx.conf").read_text()
    assert "ports" not in services["web"]  # only nginx is published: instances scale freely
    for mounted in ("./ops/scale/nginx.conf", "./ops/scale/primary-init.sh"):
        assert (ROOT / mounted).exists()
