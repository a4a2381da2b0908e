"""The app behind a real PgBouncer in transaction mode (`DATABASE_POOLER=pgbouncer`).

PgBouncer hands each transaction whichever server connection is free, so anything kept on a
connection between transactions (a session `SET`, a prepared statement, a server-side cursor)
would show up on another client's transaction or go missing. Here eight app threads share two
server connections while they sign up, review, vote and read every kind of list, including the
suggestions and feed queries that change planner settings (`SET LOCAL` / `set_config(..., true)`).
"""

import json
import os
import shutil
import subprocess
import threading
from collections import Counter

import pytest

from lemonnpie.tests import faultkit
from lemonnpie.tests.faultkit import Client, ThrowawayPostgres, ThrowawayRedis, free_port, wait_for

pytestmark = [pytest.mark.pooler, pytest.mark.slow, pytest.mark.timeout(240)]

DATABASE = "lnp_pooler"
POOL_SIZE = 2
PASSWORD = "Suya-and-zobo-at-dusk-42"
SEED = """
import datetime, json
from catalog.models import Movie
movies = [str(Movie.objects.create(title=f"Pooled Night {index}", type="movie",
                                   release_date=datetime.date(2022, 3, index + 1)).pk) for index in range(4)]
print(json.dumps(movies))
"""
RATINGS = {
    "lemon_pie_rating": 8,
    "cultural_authenticity_rating": 9,
    "production_quality_rating": 7,
    "story_rating": 8,
    "acting_rating": 8,
    "cinematography_rating": 7,
}


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if found is None:
        raise RuntimeError("pgbouncer is not installed (apt-get install pgbouncer); .ci/run installs it")
    return found


class PgBouncer:
    """PgBouncer in transaction mode in front of `pg`, `POOL_SIZE` server connections per database."""

    def __init__(self, pg: ThrowawayPostgres):
        self.pg = pg
        self.root = pg.root / "pgbouncer"
        self.root.mkdir()
        self.port = free_port()
        (self.root / "userlist.txt").write_text('"postgres" ""\n')
        (self.root / "pgbouncer.ini").write_text(
            f"[databases]\n{DATABASE} = host=127.0.0.1 port={pg.port} dbname={DATABASE}\n\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.root / 'userlist.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {POOL_SIZE}\nmin_pool_size = 0\nreserve_pool_size = 0\n"
            "max_client_conn = 200\nserver_reset_query =\nignore_startup_parameters = extra_float_digits\n"
            f"logfile = {self.root / 'pgbouncer.log'}\npidfile = {self.root / 'pgbouncer.pid'}\n"
        )
        if pg.as_user:
            shutil.chown(self.root, pg.as_user, pg.as_user)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [pgbouncer_binary(), str(self.root / "pgbouncer.ini")],
            user=self.pg.as_user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: faultkit.port_open(self.port), timeout=20, what="pgbouncer listening")

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def stop(self) -> None:
        faultkit._stop_process(self.process)

    def log(self) -> str:
        path = self.root / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(scope="module")
def pooled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pooler")
    pg = ThrowawayPostgres().init()
    redis = ThrowawayRedis("cache")
    bouncer = web = None
    try:
        pg.start()
        pg.psql(f"CREATE DATABASE {DATABASE}")
        redis.start()
        direct = faultkit.app_env(DATABASE_URL=pg.url(DATABASE), REDIS_URL=redis.url(0), CELERY_BROKER_URL="memory://")
        faultkit.manage("migrate", "--noinput", env=direct)  # migrations run against the primary itself
        movies = json.loads(faultkit.manage("shell", "-c", SEED, env=direct).strip().splitlines()[-1])
        bouncer = PgBouncer(pg)
        bouncer.start()
        env = {**direct, "DATABASE_URL": bouncer.url(), "DATABASE_POOLER": "pgbouncer"}
        web, port = faultkit.gunicorn(env, tmp, workers=1, threads=8)
        client = Client(port)
        client.wait_healthy()
        yield {"pg": pg, "client": client, "movies": movies, "web": web}
    except BaseException:
        if web is not None:
            print(f"--- gunicorn ---\n{web.log()[-6000:]}")
        if bouncer is not None:
            print(f"--- pgbouncer ---\n{bouncer.log()[-3000:]}")
        raise
    finally:
        for process in (web, bouncer):
            if process is not None:
                process.stop()
        redis.destroy()
        pg.destroy()


def _server_connections(pg: ThrowawayPostgres) -> int:
    return int(pg.psql(f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DATABASE}'").strip())


def test_every_request_works_with_transactions_sharing_two_server_connections(pooled):
    client: Client = pooled["client"]
    movies: list[str] = pooled["movies"]
    statuses: Counter = Counter()
    failures: list[str] = []
    lock = threading.Lock()

    def record(what: str, answer, expected: int) -> None:
        with lock:
            statuses[answer.status] += 1
            if answer.status != expected:
                failures.append(f"{what}: {answer.status} {answer.body[:200]!r}")

    def member(index: int) -> None:
        email = f"pooled{index}@pooler.ng"
        answer = client.post("/api/v1/auth/register", {"email": email, "password": PASSWORD, "name": f"Pooled {index}"})
        record("register", answer, 201)
        if answer.status != 201:
            return
        token = answer.json()["access"]
        for movie in movies:
            body = {"movie_id": movie, "review_text": f"Night {index} at the pooled cinema.", **RATINGS}
            record("review", client.post("/api/v1/reviews", body, token=token), 201)
        for path in (
            "/api/v1/movies",
            f"/api/v1/movies/{movies[0]}",
            f"/api/v1/movies/{movies[index % len(movies)]}/reviews",
            "/api/v1/movies/suggestions?q=poled%20nigth",  # SET LOCAL planner settings
            "/api/v1/movies/search?q=pooled",
            "/api/v1/users/feed",
            "/api/v1/users/profile",
        ):
            record(path, client.get(path, token=token), 200)

    threads = [threading.Thread(target=member, args=(index,)) for index in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)

    assert failures == [], failures[:5]
    assert statuses[200] + statuses[201] == 12 * (1 + len(movies) + 7)
    # Every review counted once, through at most POOL_SIZE server connections.
    stats = client.get(f"/api/v1/movies/{movies[0]}").json()
    assert stats["review_count"] == 12
    assert _server_connections(pooled["pg"]) <= POOL_SIZE
    assert "prepared statement" not in pooled["web"].log()
