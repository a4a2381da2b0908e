import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import Role, User
from lemonnpie.tests.faultkit import database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def run_manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(extra)
    return env


def test_health_ok(api_client):
    response = api_client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_health_is_503_when_database_unreachable(tmp_path):
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','lemonnpie.settings'); django.setup();"
        "from django.test import Client; r = Client().get('/health/'); print(r.status_code, r.content.decode())"
    )
    env = base_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere", DB_CONNECT_TIMEOUT="2")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.startswith("503"), result.stderr
    assert '"database": "unavailable"' in result.stdout


def test_docs_schema_admin_and_metrics_answer(api_client, client):
    assert api_client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()
    assert client.get("/admin/login/").status_code == 200
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and b"django_http_requests" in metrics.content


def test_cors_allows_the_vite_dev_server(api_client):
    response = api_client.get("/health/", HTTP_ORIGIN="http://localhost:5173")
    assert response["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "Access-Control-Allow-Origin" not in api_client.get("/health/", HTTP_ORIGIN="https://evil.example")


def test_createsuperuser_noinput_makes_an_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Boss@LemonNPie.NG")
    monkeypatch.setenv("DJANGO_SUPERUSER_NAME", "Boss")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "A-long-enough-password-42")
    call_command("createsuperuser", "--noinput", verbosity=0)
    boss = User.objects.get()
    assert (boss.email, boss.role, boss.is_superuser, boss.is_staff) == ("boss@lemonnpie.ng", Role.ADMIN, True, True)
    assert boss.check_password("A-long-enough-password-42")


def test_email_is_unique_case_insensitively():
    from django.db import IntegrityError, transaction

    User.objects.create_user("Ada@Example.ng", "x" * 12, name="Ada")
    assert User.objects.get().email == "ada@example.ng"
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ADA@example.NG", name="Copy")
    # Even a raw insert that bypasses normalisation hits the functional unique index.
    from django.db import connection

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO users (id, email, password, name, bio, location, avatar_url, role, is_active, is_verified,"
            " login_attempts, created_at, updated_at, is_superuser, review_count, review_rating_sum,"
            " followers_count, following_count)"
            " VALUES (gen_random_uuid(), 'ADA@EXAMPLE.NG', '', 'x', '', '', '', 'user', true, false, 0, now(), now(),"
            " false, 0, 0, 0, 0)"
        )


@pytest.mark.parametrize(
    ("role", "staff", "superuser"),
    [(Role.USER, False, False), (Role.CRITIC, False, False), (Role.MODERATOR, True, False), (Role.ADMIN, True, True)],
)
def test_role_and_staff_status_never_disagree(role, staff, superuser):
    person = User.objects.create_user(f"{role}@example.ng", "x" * 12, name="P", role=role)
    assert (person.is_staff, person.is_superuser) == (staff, superuser)
    person.role = Role.USER
    person.save(update_fields=["role"])
    person.refresh_from_db()
    assert (person.is_staff, person.is_superuser) == (False, False)


def test_check_deploy_is_clean_with_production_settings():
    env = base_env(
        DEBUG="0",
        SECRET_KEY="prod-" + "k3y" * 20,
        ALLOWED_HOSTS="api.lemonnpie.ng",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = base_env(DEBUG="0", ALLOWED_HOSTS="api.lemonnpie.ng", SECRET_KEY="")
    result = run_manage("check", env=env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_runs_against_the_given_database_url_and_redis_url():
    """A subprocess given DATABASE_URL/REDIS_URL connects to exactly those servers."""
    db = settings.DATABASES["default"]
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','lemonnpie.settings'); django.setup();"
        "from django.conf import settings; from django.db import connection;"
        "c = connection.cursor(); c.execute('select current_database()'); print(c.fetchone()[0]);"
        "print(settings.CACHES['default']['BACKEND']); print(settings.CACHES['default']['LOCATION']);"
        "print(settings.CELERY_BROKER_URL)"
    )
    env = base_env(DATABASE_URL=database_url(db), REDIS_URL=redis_url)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    lines = result.stdout.split()
    assert lines[0] == db["NAME"], result.stderr
    assert "RedisCache" in lines[1] and lines[2] == redis_url and lines[3] == redis_url


def test_cache_roundtrip_on_the_configured_backend():
    from django.core.cache import cache

    cache.set("probe", {"n": 1}, 10)
    assert cache.get("probe") == {"n": 1}
    if os.environ.get("REDIS_URL"):
        assert "Redis" in settings.CACHES["default"]["BACKEND"]


def test_embedded_postgres_starts_and_migrates_without_database_url(tmp_path):
    env = base_env(LEMONNPIE_DATA_DIR=str(tmp_path / "data"))
    result = run_manage("migrate", "--noinput", env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = run_manage("showmigrations", "accounts", env=env)
    assert "[X] 0001_initial" in shown.stdout, shown.stdout + shown.stderr
    assert (tmp_path / "data" / "pg" / "PG_VERSION").exists()
