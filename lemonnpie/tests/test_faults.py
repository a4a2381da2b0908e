"""Fault injection against the real stack: gunicorn + PostgreSQL + Redis (+ a Celery worker with
beat), every one of them a throwaway process of this module (see `faultkit`), so killing them
touches nothing else on the machine.

1. Redis (cache and security state) stopped mid-run and restarted from its snapshot.
2. PostgreSQL restarted under load.
3. The Celery broker down while people register and ask for reset links, and restarted under a
   worker that holds an unacknowledged task.

Each test prints its figures (`FAULTS ...` lines, shown with `-s` or in the `-rA` summary); the
README quotes them.
"""

import json
import re
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from lemonnpie.tests import faultkit
from lemonnpie.tests.faultkit import Client, Managed, ThrowawayPostgres, ThrowawayRedis, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PASSWORD = "Suya-and-zobo-at-dusk-42"
SEED = (
    f"PASSWORD = {PASSWORD!r}\n"
    + """
from accounts.models import User
from catalog.models import Movie, MovieGenre, MovieLanguage
import datetime, json
users = {}
for name in ("alice", "bob", "carol", "dayo"):
    users[name] = str(User.objects.create_user(f"{name}@faults.ng", PASSWORD, name=name.title(),
                                               is_verified=True).pk)
movies = []
for index in range(6):
    movie = Movie.objects.create(title=f"Fault Line {index}", type="movie",
                                 release_date=datetime.date(2020, 1, index + 1),
                                 plot_summary="A Lagos family keeps the lights on through every outage.")
    MovieGenre.objects.create(movie=movie, genre="Drama")
    MovieLanguage.objects.create(movie=movie, language="Yoruba")
    movies.append(str(movie.pk))
print(json.dumps({"users": users, "movies": movies}))
"""
)


RATINGS = {
    "lemon_pie_rating": 8,
    "cultural_authenticity_rating": 9,
    "production_quality_rating": 7,
    "story_rating": 8,
    "acting_rating": 8,
    "cinematography_rating": 7,
}


def figures(name: str, **values) -> None:
    print(f"FAULTS {name} " + " ".join(f"{key}={value}" for key, value in values.items()))


class Stack:
    """PostgreSQL, a cache Redis, a broker Redis, gunicorn; started once for the module."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.mail_dir = tmp / "mail"
        self.mail_dir.mkdir()
        self.pg = ThrowawayPostgres().init()
        self.cache_redis = ThrowawayRedis("cache")
        self.broker_redis = ThrowawayRedis("broker")
        self.web: Managed | None = None
        self.worker: Managed | None = None

    def env(self, **extra) -> dict[str, str]:
        return faultkit.app_env(
            DATABASE_URL=self.pg.url("lnp_faults"),
            REDIS_URL=self.cache_redis.url(0),
            CELERY_BROKER_URL=self.broker_redis.url(0),
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail_dir),
            THROTTLE_LOGIN_FAILURES="12/5min",
            OUTBOX_RELAY_EVERY_SECONDS="1",
            OUTBOX_SETTLE_SECONDS="1",
            **extra,
        )

    def start(self) -> dict:
        self.pg.start()
        self.pg.psql("CREATE DATABASE lnp_faults")
        self.cache_redis.start()
        self.broker_redis.start()
        faultkit.manage("migrate", "--noinput", env=self.env())
        seeded = json.loads(faultkit.manage("shell", "-c", SEED, env=self.env()).strip().splitlines()[-1])
        self.web, port = faultkit.gunicorn(self.env(), self.tmp, workers=1, threads=8)
        self.client = Client(port)
        self.client.wait_healthy()
        return seeded

    def start_worker(self) -> None:
        self.worker = Managed(
            "worker",
            [
                *(str(faultkit.BIN / "celery"), "-A", "lemonnpie", "worker", "-B", "--loglevel", "INFO"),
                *("--concurrency", "2", "--pool", "threads", "--schedule", str(self.tmp / "beat-schedule")),
                *("--without-heartbeat", "--without-gossip", "--without-mingle"),
            ],
            self.env(),
            self.tmp,
        )
        self.worker.start()
        wait_for(lambda: "ready." in self.worker.log(), timeout=60, what="celery worker ready")

    def mails(self) -> list[tuple[str, str]]:
        """(recipient, subject) of every mail the file backend wrote."""
        found = []
        for path in sorted(self.mail_dir.glob("*.log")):
            text = path.read_text(errors="replace")
            for block in text.split("-" * 79):
                to = re.search(r"^To: (.+)$", block, re.M)
                subject = re.search(r"^Subject: (.+)$", block, re.M)
                if to and subject:
                    found.append((to.group(1).strip(), subject.group(1).strip()))
        return found

    def stop(self) -> None:
        for process in (self.worker, self.web):
            if process is not None:
                process.stop()
        self.cache_redis.destroy()
        self.broker_redis.destroy()
        self.pg.destroy()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("faults"))
    try:
        stack.seeded = stack.start()
        yield stack
    except BaseException:
        for process in (stack.web, stack.worker):
            if process is not None:
                print(f"--- {process.name} log ---\n{process.log()[-6000:]}")
        raise
    finally:
        stack.stop()


def sign_in(client: Client, email: str, password: str = PASSWORD) -> str:
    answer = client.post("/api/v1/auth/login", {"email": email, "password": password})
    assert answer.status == 200, answer.body
    return answer.json()["access"]


def assert_clean_503(answer, path_prefix="/api/") -> None:
    assert answer.status == 503, (answer.status, answer.body[:300])
    assert answer.is_envelope, answer.body[:300]
    assert answer.json()["error"] == "service_unavailable"
    assert answer.headers.get("Retry-After")
    assert b"Traceback" not in answer.body


def metric(client: Client, name: str, **labels) -> float:
    text = client.get("/metrics").body.decode()
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


# --- 1. Redis ----------------------------------------------------------------------------------


def test_redis_outage_degrades_reads_and_writes_and_login_fails_closed(stack):
    client, users, movies = stack.client, stack.seeded["users"], stack.seeded["movies"]
    alice, bob = sign_in(client, "alice@faults.ng"), sign_in(client, "bob@faults.ng")
    assert client.post(f"/api/v1/users/{users['alice']}/follow", token=bob).status in (200, 201, 204)
    movie = movies[0]
    # Warm the caches: this detail (review_count 0) is in Redis when it goes down.
    assert client.get(f"/api/v1/movies/{movie}").json()["review_count"] == 0
    assert client.get("/api/v1/movies/trending").status == 200
    assert client.get("/api/v1/users/feed", token=bob).json()["count"] == 0
    # Carol is locked out (5 wrong passwords) before the outage: that state lives in PostgreSQL.
    for _ in range(5):
        client.post("/api/v1/auth/login", {"email": "carol@faults.ng", "password": "wrong-password-1"})
    assert client.post("/api/v1/auth/login", {"email": "carol@faults.ng", "password": PASSWORD}).status == 403

    stack.cache_redis.stop(keep_data=True)  # snapshot written: it comes back with the old entries
    statuses: Counter = Counter()

    def call(method, path, body=None, token=None):
        answer = client.request(method, path, body, token=token)
        statuses[answer.status] += 1
        assert answer.status < 500 or answer.status == 503, (path, answer.status, answer.body[:300])
        assert b"Traceback" not in answer.body
        return answer

    # Reads and writes keep answering, and correctly.
    health = call("GET", "/health/")
    assert health.status == 200 and health.json()["cache"] == "unavailable"
    assert call("GET", "/api/v1/movies").json()["count"] == 6
    assert call("GET", "/api/v1/movies/search?q=lagos+family").json()["count"] == 6
    assert call("GET", "/api/v1/movies/trending").json()["count"] == 6
    review = call(
        "POST",
        "/api/v1/reviews",
        {"movie_id": movie, "review_text": "Kept me watching through the blackout.", **RATINGS},
        token=alice,
    )
    assert review.status == 201, review.body
    review_id = review.json()["id"]
    assert call("POST", f"/api/v1/reviews/{review_id}/vote", {"vote_type": "helpful"}, token=bob).status == 200
    detail = call("GET", f"/api/v1/movies/{movie}").json()
    assert (detail["review_count"], detail["lemon_pie_rating"]) == (1, 8.0)
    assert call("GET", f"/api/v1/reviews/{review_id}").json()["helpful_votes"] == 1
    assert call("GET", "/api/v1/users/feed", token=bob).json()["count"] == 1
    assert call("GET", "/api/v1/users/profile", token=alice).status == 200

    # Sign-in fails closed: no password is checked while the failure throttle cannot be read.
    for email, password in [
        ("alice@faults.ng", PASSWORD),
        ("alice@faults.ng", "guess-1"),
        ("carol@faults.ng", PASSWORD),
    ]:
        assert_clean_503(call("POST", "/api/v1/auth/login", {"email": email, "password": password}))
    # So do registration and reset requests (the `auth` throttle guards mailboxes).
    assert_clean_503(
        call("POST", "/api/v1/auth/register", {"email": "eve@faults.ng", "password": PASSWORD, "name": "Eve"})
    )
    assert_clean_503(call("POST", "/api/v1/auth/forgot-password", {"email": "alice@faults.ng"}))
    during = sum(statuses.values())

    stack.cache_redis.start()  # with the snapshot taken before the review was written
    # The first request that reaches Redis again empties the cache: no stale detail comes back.
    detail = client.get(f"/api/v1/movies/{movie}").json()
    assert (detail["review_count"], detail["lemon_pie_rating"]) == (1, 8.0)
    assert client.get("/api/v1/users/feed", token=bob).json()["count"] == 1
    assert client.get("/health/").json()["cache"] == "ok"
    # The lockout held all along (it is in the database), and sign-in works again.
    locked = client.post("/api/v1/auth/login", {"email": "carol@faults.ng", "password": PASSWORD})
    assert locked.status == 403 and locked.json()["error"] == "account_locked"
    assert client.post("/api/v1/auth/login", {"email": "alice@faults.ng", "password": PASSWORD}).status == 200
    # The per-address failure throttle counts again (12 per 5 minutes here).
    answers = [
        client.post("/api/v1/auth/login", {"email": "nobody@faults.ng", "password": f"guess-{n}"}).status
        for n in range(13)
    ]
    assert 429 in answers and set(answers) <= {401, 429}
    register = client.post("/api/v1/auth/register", {"email": "eve@faults.ng", "password": PASSWORD, "name": "Eve"})
    assert register.status == 201
    assert metric(client, "lemonnpie_throttle_degraded_total") > 0
    assert metric(client, "lemonnpie_logins_total", outcome="unavailable") >= 3
    stack.cache_redis.command("FLUSHALL")  # the next tests sign in from the same address
    figures(
        "redis",
        requests_during_outage=during,
        answered_ok=sum(n for status, n in statuses.items() if status < 400),
        answered_503=statuses[503],
        server_errors=sum(n for status, n in statuses.items() if status >= 500 and status != 503),
    )


# --- 2. PostgreSQL -----------------------------------------------------------------------------


def test_postgres_restart_under_load_fails_cleanly_and_recovers(stack):
    client, movies = stack.client, stack.seeded["movies"]
    dayo = sign_in(client, "dayo@faults.ng")
    stop_at = [time.monotonic() + 60]
    results: list[tuple[float, str, int, bool, bool]] = []  # (start, path, status, envelope, traceback)
    lock = threading.Lock()

    def load(worker: int) -> None:
        paths = [
            ("GET", f"/api/v1/movies/{movies[worker % len(movies)]}", None, None),
            ("GET", "/api/v1/reviews?page_size=5", None, None),
            ("GET", "/api/v1/users/profile", None, dayo),
            ("PATCH", "/api/v1/users/profile", {"bio": f"worker {worker}"}, dayo),
            ("GET", "/api/v1/movies?page_size=3", None, None),
        ]
        n = 0
        while time.monotonic() < stop_at[0]:
            method, path, body, token = paths[n % len(paths)]
            n += 1
            started = time.monotonic()
            try:
                answer = client.request(method, path, body, token=token)
            except OSError:
                with lock:
                    results.append((started, path, 0, False, False))
                continue
            with lock:
                results.append((started, path, answer.status, answer.is_envelope, b"Traceback" in answer.body))
            time.sleep(0.01)

    threads = [threading.Thread(target=load, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    down_at = time.monotonic()
    stack.pg.stop("fast")  # every server connection of the app is cut
    time.sleep(1.0)
    health = client.get("/health/")
    assert health.status == 503 and health.json()["database"] == "unavailable"
    time.sleep(1.5)
    stack.pg.start()
    up_at = time.monotonic()
    recovered_at = wait_for(
        lambda: client.get("/health/").status == 200 and time.monotonic(), timeout=30, what="health after restart"
    )
    stop_at[0] = time.monotonic() + 2.0
    for thread in threads:
        thread.join(30)

    assert all(status != 0 for _, _, status, _, _ in results), "a connection was dropped"
    assert not any(traceback for *_, traceback in results)
    bad = [(path, status) for _, path, status, _, _ in results if status not in (200, 503)]
    assert not bad, bad[:10]
    outage = [r for r in results if down_at <= r[0] < up_at]
    failed = [r for r in results if r[2] == 503]
    assert failed and all(envelope for _, _, _, envelope, _ in failed)
    after = [r for r in results if r[0] >= recovered_at]
    assert after and all(status == 200 for _, _, status, _, _ in after), [r for r in after if r[2] != 200][:5]
    assert client.get("/api/v1/users/profile", token=dayo).status == 200
    figures(
        "postgres",
        requests=len(results),
        during_outage=len(outage),
        clean_503=len(failed),
        other_errors=len(bad),
        first_ok_after_restart_ms=round((recovered_at - up_at) * 1000),
        after_recovery=len(after),
        failed_after_recovery=sum(1 for r in after if r[2] != 200),
    )


# --- 3. Celery broker --------------------------------------------------------------------------


def test_broker_outage_registration_succeeds_and_mail_goes_out_once(stack):
    client = stack.client
    stack.start_worker()
    subject = "Confirm your email address"

    def register(email: str):
        started = time.monotonic()
        answer = client.post("/api/v1/auth/register", {"email": email, "password": PASSWORD, "name": "Ngozi"})
        return answer, time.monotonic() - started

    answer, _ = register("before@faults.ng")
    assert answer.status == 201
    wait_for(lambda: ("before@faults.ng", subject) in stack.mails(), timeout=30, what="mail with the broker up")

    stack.broker_redis.stop()  # comes back empty: nothing queued before survives in the broker
    down = [f"during{n}@faults.ng" for n in range(4)]
    slowest = 0.0
    for email in down:
        answer, took = register(email)
        assert answer.status == 201, answer.body
        slowest = max(slowest, took)
    assert client.post("/api/v1/auth/forgot-password", {"email": "alice@faults.ng"}).status == 202
    time.sleep(1.5)
    assert not any(to in down for to, _ in stack.mails())  # nothing can have gone out yet

    stack.broker_redis.start()
    back = time.monotonic()
    expected = {*((email, subject) for email in down), ("alice@faults.ng", "Reset your LemonNPie password")}
    wait_for(lambda: expected <= set(stack.mails()), timeout=60, interval=0.25, what="mails after the broker returned")
    delivered_after = time.monotonic() - back

    # Publish every message again (as a relay racing a slow worker would): nothing is sent twice.
    republish = (
        "from outbox.models import OutboxMessage; from outbox.services import outbox_publish;"
        "print(sum(outbox_publish(message_id=i) for i in OutboxMessage.objects.values_list('id', flat=True)))"
    )
    republished = int(faultkit.manage("shell", "-c", republish, env=stack.env()).strip().splitlines()[-1])
    time.sleep(3)
    mails = Counter(stack.mails())
    for email in ["before@faults.ng", *down]:
        assert mails[(email, subject)] == 1, mails
    assert mails[("alice@faults.ng", "Reset your LemonNPie password")] == 1
    pending = stack.pg.psql("SELECT count(*) FROM outbox_messages WHERE delivered_at IS NULL", "lnp_faults")
    assert pending.strip() == "0"
    figures(
        "broker",
        registered_while_down=len(down),
        slowest_register_ms=round(slowest * 1000),
        mails_after_return_s=round(delivered_after, 1),
        republished=republished,
        duplicate_mails=sum(n - 1 for n in mails.values() if n > 1),
        mails_sent=sum(mails.values()),
    )


def test_the_worker_survives_a_broker_restart_with_a_task_in_hand(stack):
    """A broker restarted while the worker holds a task it has not acknowledged yet (an ETA task:
    received, waiting for its time) used to stop the worker for good — "Unrecoverable error:
    AttributeError 'NoneType' object has no attribute 'hostname'" (kombu 5.7.0; see lemonnpie/broker.py).
    It must reconnect and mail the people who register after the broker is back."""
    if stack.worker is None:
        stack.start_worker()
    held = "from outbox.tasks import relay; print(relay.apply_async(countdown=300).id)"
    task_id = faultkit.manage("shell", "-c", held, env=stack.env()).strip().splitlines()[-1]
    wait_for(lambda: f"outbox.tasks.relay[{task_id}] received" in stack.worker.log(), timeout=30, what="task held")

    restarts = 0
    for keep_data in (True, False):  # a clean restart from its snapshot, then a crash that loses everything
        stack.broker_redis.stop(keep_data=keep_data)
        time.sleep(1)
        stack.broker_redis.start()
        restarts += 1
        email = f"restart{restarts}@faults.ng"
        started = time.monotonic()
        answer = stack.client.post("/api/v1/auth/register", {"email": email, "password": PASSWORD, "name": "Femi"})
        assert answer.status == 201, answer.body
        wait_for(
            lambda email=email: (email, "Confirm your email address") in stack.mails(),
            timeout=60,
            interval=0.25,
            what=f"mail after broker restart {restarts}",
        )
        mailed_after = time.monotonic() - started
        assert stack.worker.process.poll() is None, stack.worker.log()[-4000:]
    log = stack.worker.log()
    assert "Unrecoverable error" not in log, log[-4000:]
    figures(
        "broker_restart",
        restarts=restarts,
        held_task_restored="Restoring" in log,
        worker_alive=stack.worker.process.poll() is None,
        last_mail_after_s=round(mailed_after, 1),
    )
