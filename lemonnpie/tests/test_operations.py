"""Operations: the beat schedule celery really loads, the trending refresh job, product metrics at
/metrics, no secret in any log line, the Grafana dashboard's expressions, docker-compose."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core import mail
from django.core.cache import cache
from prometheus_client import REGISTRY

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from catalog.cache import TRENDING_KEY
from catalog.tests.factories import MovieFactory
from conftest import client_for
from lemonnpie.middleware import JSONLogFormatter, RequestIDLogFilter
from reviews.models import RATING_FIELDS
from reviews.services import review_create

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db
RATINGS = dict.fromkeys(RATING_FIELDS, 7)


# --- celery beat -------------------------------------------------------------------------------

BEAT_PROBE = """
import json, sys, tempfile, os
from lemonnpie.celery import app
app.loader.import_default_modules()          # what `celery -A lemonnpie beat` does at start
from celery.beat import PersistentScheduler
scheduler = PersistentScheduler(app=app, schedule_filename=os.path.join(tempfile.mkdtemp(), "schedule"), lazy=True)
scheduler.setup_schedule()
every = lambda e: e.schedule.run_every.total_seconds() if hasattr(e.schedule, "run_every") else str(e.schedule)
entries = {name: {"task": e.task, "seconds": every(e), "registered": e.task in app.tasks}
           for name, e in scheduler.schedule.items()}
scheduler.close()
print(json.dumps(entries))
"""


def test_celery_beat_loads_every_periodic_job_and_each_task_exists():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    result = subprocess.run(
        [sys.executable, "-c", BEAT_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout.strip().splitlines()[-1])
    tasks = {name: entry["task"] for name, entry in entries.items()}
    assert tasks["reviews-recompute-stats"] == "reviews.tasks.recompute_stats"
    assert tasks["catalog-trending-refresh"] == "catalog.tasks.trending_refresh"
    assert tasks["accounts-purge-expired-sessions"] == "accounts.tasks.purge_expired_sessions"
    assert tasks["outbox-relay"] == "outbox.tasks.relay"
    assert tasks["notifications-email-digest"] == "notifications.tasks.email_digests"
    assert all(entry["registered"] for entry in entries.values()), entries
    assert entries["catalog-trending-refresh"]["seconds"] < 15 * 60  # before the cached ranking expires
    assert entries["accounts-purge-expired-sessions"]["seconds"] == 24 * 3600


def test_trending_refresh_job_recomputes_and_caches_the_ranking(api_client, django_assert_num_queries):
    from catalog.tasks import trending_refresh

    quiet, busy = MovieFactory(title="Quiet"), MovieFactory(title="Busy")
    review_create(user=UserFactory(), movie_id=busy.pk, **RATINGS, review_text="Everyone is talking about it.")
    cache.delete(TRENDING_KEY)
    assert trending_refresh.delay().get() == 2
    assert cache.get(TRENDING_KEY) == [str(busy.pk), str(quiet.pk)]
    # Readers use the cached ranking: one query for the rows (genres and languages are on them).
    with django_assert_num_queries(1):
        titles = [row["title"] for row in api_client.get("/api/v1/movies/trending").json()["results"]]
    assert titles == ["Busy", "Quiet"]


# --- metrics -----------------------------------------------------------------------------------


def scrape(client) -> dict[tuple[str, frozenset], float]:
    samples = {}
    for line in client.get("/metrics").content.decode().splitlines():
        match = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})? ([0-9.eE+-]+)$", line)
        if match:
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
            samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def changed(before, after, name, **labels) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_product_metrics_move_with_what_people_do(
    client, api_client, user, other_user, django_capture_on_commit_callbacks
):
    movie = MovieFactory()
    author, voter = client_for(user), client_for(other_user)
    before = scrape(client)

    login = {"email": user.email, "password": DEFAULT_PASSWORD}
    assert api_client.post("/api/v1/auth/login", login, format="json").status_code == 200
    wrong = {"email": user.email, "password": "not-the-password"}
    assert api_client.post("/api/v1/auth/login", wrong, format="json").status_code == 401
    body = {"movie_id": str(movie.pk), "review_text": "A proper Nollywood epic.", **RATINGS}
    with django_capture_on_commit_callbacks(execute=True):  # counted once committed
        review = author.post("/api/v1/reviews", body, format="json").json()["id"]
        author.patch(f"/api/v1/reviews/{review}", {"review_text": "A proper Nollywood epic, again."}, format="json")
        voter.post(f"/api/v1/reviews/{review}/vote", {"vote_type": "helpful"}, format="json")
        voter.post(f"/api/v1/reviews/{review}/vote", {"vote_type": "unhelpful"}, format="json")
        voter.delete(f"/api/v1/reviews/{review}/vote")
        author.delete(f"/api/v1/reviews/{review}")
    api_client.get(f"/api/v1/movies/{movie.pk}")
    api_client.get(f"/api/v1/movies/{movie.pk}")
    voter.get("/api/v1/users/feed")
    after = scrape(client)

    assert changed(before, after, "lemonnpie_logins_total", outcome="ok") == 1
    assert changed(before, after, "lemonnpie_logins_total", outcome="failed") == 1
    for action in ("created", "updated", "deleted"):
        assert changed(before, after, "lemonnpie_reviews_total", action=action) == 1, action
    for action in ("cast", "changed", "removed"):
        assert changed(before, after, "lemonnpie_review_votes_total", action=action) == 1, action
    assert changed(before, after, "lemonnpie_cache_lookups_total", area="movie_detail", result="miss") == 1
    assert changed(before, after, "lemonnpie_cache_lookups_total", area="movie_detail", result="hit") == 1
    assert changed(before, after, "lemonnpie_cache_lookups_total", area="feed", result="miss") == 1
    assert any(name == "django_http_requests_total_by_method_total" for name, _ in after)  # django-prometheus too


def test_locked_login_is_counted(api_client, user):
    from lemonnpie.metrics import LOGINS

    before = LOGINS.labels(outcome="locked")._value.get()
    for _ in range(6):
        api_client.post("/api/v1/auth/login", {"email": user.email, "password": "nope-nope-nope"}, format="json")
    assert LOGINS.labels(outcome="locked")._value.get() == before + 1


# --- no secrets in logs ------------------------------------------------------------------------


class _Everything(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.addFilter(RequestIDLogFilter())
        self.json = JSONLogFormatter()
        self.plain = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s %(args)s")

    def emit(self, record):
        self.lines.append(self.json.format(record))
        self.lines.append(self.plain.format(record))
        self.lines.append(repr(record.__dict__))  # every extra field, whatever a formatter shows


@pytest.fixture
def every_log_line():
    """Every record of every logger at DEBUG, formatted as the JSON and the plain formatter would,
    plus the record's raw fields."""
    handler = _Everything()
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        for logger, level, disabled in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.disabled = disabled


def _link(kind: str) -> str:
    return re.search(rf"/{kind}/(\S+)", mail.outbox[-1].body).group(1)


def test_no_token_or_password_reaches_any_log_line(every_log_line, api_client, django_capture_on_commit_callbacks):
    secrets: list[str] = []
    first, second, third = "Kilishi-and-zobo-2026", "Akara-at-sunrise-2027", "Moi-moi-on-sunday-2028"
    secrets += [first, second, third]
    with django_capture_on_commit_callbacks(execute=True):
        registered = api_client.post(
            "/api/v1/auth/register", {"email": "logs@example.ng", "password": first, "name": "Logs"}, format="json"
        ).json()
    secrets += [registered["access"], registered["refresh"], _link("verify-email")]
    assert api_client.post("/api/v1/auth/verify-email", {"token": _link("verify-email")}, format="json").status_code
    wrong = api_client.post("/api/v1/auth/login", {"email": "logs@example.ng", "password": "Wrong-guess-99"})
    assert wrong.status_code == 401
    secrets.append("Wrong-guess-99")
    signed_in = api_client.post("/api/v1/auth/login", {"email": "logs@example.ng", "password": first}).json()
    secrets += [signed_in["access"], signed_in["refresh"]]
    rotated = api_client.post("/api/v1/auth/refresh", {"refresh": signed_in["refresh"]}, format="json").json()
    secrets += [rotated["access"], rotated["refresh"]]
    replayed = api_client.post("/api/v1/auth/refresh", {"refresh": signed_in["refresh"]}, format="json")
    assert replayed.status_code == 401  # a refused token is not logged either
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {rotated['access']}"}
    assert api_client.get(f"/api/v1/users/profile?token={rotated['access']}", **bearer).status_code == 200
    assert api_client.get("/api/v1/users/profile", HTTP_AUTHORIZATION="Bearer garbage.token.value").status_code == 401
    secrets.append("garbage.token.value")
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/v1/auth/forgot-password", {"email": "logs@example.ng"}, format="json")
    reset_token = _link("reset-password")
    secrets.append(reset_token)
    with django_capture_on_commit_callbacks(execute=True):
        reset = api_client.post("/api/v1/auth/reset-password", {"token": reset_token, "password": second})
    assert reset.status_code == 204
    fresh = api_client.post("/api/v1/auth/login", {"email": "logs@example.ng", "password": second}).json()
    secrets += [fresh["access"], fresh["refresh"]]
    change = {"old_password": second, "new_password": third}
    with django_capture_on_commit_callbacks(execute=True):
        changed_password = api_client.post(
            "/api/v1/auth/change-password", change, format="json", HTTP_AUTHORIZATION=f"Bearer {fresh['access']}"
        )
    assert changed_password.status_code in (200, 204), changed_password.content
    logout = api_client.post(
        "/api/v1/auth/logout",
        {"refresh": fresh["refresh"]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {fresh['access']}",
    )
    assert logout.status_code in (204, 401)

    access_lines = [line for line in every_log_line if "lemonnpie.access" in line]
    assert len(access_lines) >= 3 * 12  # every request above was logged (3 renderings per record)
    for secret in secrets:
        for piece in {secret, *secret.split(".")} - {""}:  # a JWT's segments must not leak one by one either
            if len(piece) < 12:
                continue
            leaked = [line for line in every_log_line if piece in line]
            assert not leaked, (piece, leaked[:2])


# --- Grafana -----------------------------------------------------------------------------------

PROMQL_WORDS = {
    "sum", "rate", "irate", "increase", "by", "without", "topk", "bottomk", "histogram_quantile", "avg", "max",
    "min", "count", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool",
}  # fmt: skip


def _promql_parts(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) used by a PromQL expression."""
    expr = re.sub(r'"[^"]*"', '""', expr)
    labels = set()
    for group in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
        labels |= {name.strip() for name in group.split(",") if name.strip()}
    expr = re.sub(r"\b(?:by|without)\s*\([^)]*\)", " ", expr)
    for matchers in re.findall(r"\{([^}]*)\}", expr):
        labels |= set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers))
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    names = {token for token in re.findall(r"\b([a-zA-Z_:][\w:]*)\b(?!\s*\()", expr) if token not in PROMQL_WORDS}
    return names, labels


def _known_metrics() -> dict[str, set[str]]:
    """Every sample name the app can export, with its label names (as /metrics would show them)."""
    import django_prometheus.cache.metrics
    import django_prometheus.db.metrics
    import django_prometheus.middleware  # noqa: F401

    import lemonnpie.metrics  # noqa: F401

    known = {}
    for name, collector in REGISTRY._names_to_collectors.items():
        labels = set(getattr(collector, "_labelnames", ()))
        if getattr(collector, "_type", "") == "histogram":
            labels.add("le")
        known[name] = labels
    return known


def test_a_cached_entry_of_another_shape_is_a_miss_and_is_replaced(client, api_client):
    """What an older release cached under a key (a dict where bytes or a tuple are kept now) is
    neither served nor counted as a hit; the fresh answer replaces it."""
    from catalog.cache import movie_detail_key

    movie = MovieFactory(title="Old Shape")
    cache.set(movie_detail_key(movie.pk), {"title": "stale dict"})
    before = scrape(client)
    first = api_client.get(f"/api/v1/movies/{movie.pk}")
    second = api_client.get(f"/api/v1/movies/{movie.pk}")
    after = scrape(client)

    assert first.status_code == second.status_code == 200
    assert first.json()["title"] == second.json()["title"] == "Old Shape"
    assert isinstance(cache.get(movie_detail_key(movie.pk)), tuple)
    assert changed(before, after, "lemonnpie_cache_lookups_total", area="movie_detail", result="miss") == 1
    assert changed(before, after, "lemonnpie_cache_lookups_total", area="movie_detail", result="hit") == 1


def test_every_grafana_expression_uses_metrics_and_labels_that_exist():
    dashboard = json.loads((ROOT / "ops" / "grafana" / "lemonnpie-dashboard.json").read_text())
    known = _known_metrics()
    expressions = [
        (panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel.get("targets", [])
    ]
    assert len(expressions) >= 10
    used = set()
    for title, expr in expressions:
        names, labels = _promql_parts(expr)
        assert names, (title, expr)
        for name in names:
            assert name in known, f"{title}: {name} is not exported"
            missing = labels - known[name]
            assert not missing, f"{title}: {name} has no label(s) {missing}"
        used |= names
    # The product metrics are all on the dashboard.
    for product in (
        "lemonnpie_reviews_total",
        "lemonnpie_review_votes_total",
        "lemonnpie_logins_total",
        "lemonnpie_cache_lookups_total",
        "lemonnpie_throttle_degraded_total",
        "lemonnpie_outbox_messages_total",
    ):
        assert product in used, product


def test_the_promql_reader_finds_names_and_labels():
    names, labels = _promql_parts('sum by (area) (rate(x_total{result="hit", a=~"b"}[5m])) / sum(rate(y_total[1h]))')
    assert names == {"x_total", "y_total"} and labels == {"area", "result", "a"}


# --- docker compose ----------------------------------------------------------------------------


def test_docker_compose_runs_every_service_with_a_health_check():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "broker", "web", "ws", "worker", "beat"}
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert {"interval", "timeout", "retries"} <= check.keys(), name
    for name in ("web", "ws", "worker", "beat"):
        service = services[name]
        env = service["environment"]
        assert env["DEBUG"] == "0"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0" and env["CELERY_BROKER_URL"] == "redis://broker:6379/0"
        assert {"SECRET_KEY", "ALLOWED_HOSTS"} <= env.keys()
        for dependency in ("postgres", "redis", "broker"):
            assert service["depends_on"][dependency]["condition"] == "service_healthy", (name, dependency)
    assert "celery -A lemonnpie worker" in services["worker"]["command"]
    assert "celery -A lemonnpie beat" in services["beat"]["command"]
    assert "bin/serve" in services["web"]["command"] and "migrate" in services["web"]["command"]
    assert "/health/" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["ws"]["command"].startswith("bin/asgi") and services["ws"]["environment"]["PORT"] == "8001"
    assert services["ws"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert services["web"]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert "pgdata" in compose["volumes"] and "brokerdata" in compose["volumes"]
    assert "--appendonly" in services["broker"]["command"] and "noeviction" in services["broker"]["command"]
