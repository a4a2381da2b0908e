"""Read replicas for real: a primary and a streaming replica (pg_basebackup of the primary), both
throwaway clusters of `faultkit`, and the app under gunicorn against both.

Replay on the replica is paused (`pg_wal_replay_pause()`) so that what is read from it is
recognisably stale: a read that misses a row the primary has came from the replica.

* app A allows any lag (`REPLICA_MAX_LAG_SECONDS=3600`): its anonymous reads come from the
  replica, while a user who has just written reads from the primary and sees their own review;
* app B allows 1 second of lag: once the paused replica falls that far behind, its reads come
  from the primary;
* management commands (and Celery tasks) read from the primary;
* with the replica stopped, every request to both apps still answers.
"""

import json
import os
import threading
from collections import Counter

import pytest

from lemonnpie.tests import faultkit
from lemonnpie.tests.faultkit import Client, ThrowawayPostgres, ThrowawayRedis, wait_for

pytestmark = [pytest.mark.replica, pytest.mark.slow, pytest.mark.timeout(240)]

DATABASE = "lnp_replicas"
PASSWORD = "Suya-and-zobo-at-dusk-42"
SEED = (
    f"PASSWORD = {PASSWORD!r}\n"
    + """
import datetime, json
from accounts.models import User
from accounts.tokens import SessionRefreshToken
from catalog.models import Movie
out = {"movies": [], "tokens": {}}
for index in range(3):
    movie = Movie.objects.create(title=f"Mirror Image {index}", type="movie",
                                 release_date=datetime.date(2021, 2, index + 1))
    out["movies"].append(str(movie.pk))
for name in ("alice", "bob"):
    user = User.objects.create_user(f"{name}@replicas.ng", PASSWORD, name=name.title(), is_verified=True)
    access = SessionRefreshToken.for_session(user).access_token
    access["iat"] = access["iat"] - 3600  # signed in an hour ago: no fresh-token pin
    out["tokens"][name] = str(access)
print(json.dumps(out))
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


def _ports() -> list[int | None]:
    """REPLICA_TEST_PG_PORTS="p1,p2" pins the clusters' ports (a shared machine); else free ones."""
    raw = os.environ.get("REPLICA_TEST_PG_PORTS", "")
    ports = [int(port) for port in raw.split(",") if port.strip()]
    return [*ports, None, None][:2]


class ReplicatedStack:
    def __init__(self, tmp):
        self.tmp = tmp
        primary_port, replica_port = _ports()
        self.primary = ThrowawayPostgres(port=primary_port).init()
        self.replica = ThrowawayPostgres(port=replica_port)
        self.redis = ThrowawayRedis("cache")
        self.apps = {}

    def env(self, **extra) -> dict[str, str]:
        return faultkit.app_env(
            DATABASE_URL=self.primary.url(DATABASE),
            DATABASE_REPLICA_URLS=self.replica.url(DATABASE),
            REDIS_URL=self.redis.url(0),
            CELERY_BROKER_URL="memory://",
            REPLICA_CHECK_SECONDS="0.2",
            REPLICA_PIN_SECONDS="60",
            **extra,
        )

    def start(self) -> dict:
        self.primary.start()
        self.primary.psql(f"CREATE DATABASE {DATABASE}")
        self.redis.start()
        faultkit.manage("migrate", "--noinput", env=self.env())
        seeded = json.loads(faultkit.manage("shell", "-c", SEED, env=self.env()).strip().splitlines()[-1])
        self.replica.clone_of(self.primary).start()
        self.wait_caught_up()
        for name, lag in (("a", "3600"), ("b", "1")):
            server, port = faultkit.gunicorn(self.env(REPLICA_MAX_LAG_SECONDS=lag), self.tmp / name, threads=8)
            self.apps[name] = (server, port)
        for _, port in self.apps.values():
            Client(port).wait_healthy()
        return seeded

    def wait_caught_up(self) -> None:
        # A commit to replay: until the replica has replayed one, its replay time (and so its lag
        # while anything is pending) is unknown, which the app counts as too far behind.
        self.primary.psql("SELECT txid_current()", DATABASE)
        target = self.primary.psql("SELECT pg_current_wal_lsn()").strip()
        query = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        wait_for(lambda: self.replica.psql(query).strip() == "t", timeout=60, what="replica caught up")

    def client(self, name: str, token: str | None = None) -> Client:
        return Client(self.apps[name][1], token)

    def stop(self) -> None:
        for server, _ in self.apps.values():
            server.stop()
        self.redis.destroy()
        self.replica.destroy()
        self.primary.destroy()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replicas")
    for name in ("a", "b"):
        (tmp / name).mkdir()
    stack = ReplicatedStack(tmp)
    try:
        stack.seeded = stack.start()
        yield stack
    except BaseException:
        for server, _ in stack.apps.values():
            print(f"--- {server.log_path} ---\n{server.log()[-6000:]}")
        raise
    finally:
        stack.stop()


def review_ids(client: Client, movie: str) -> set[str]:
    answer = client.get(f"/api/v1/movies/{movie}/reviews")
    assert answer.status == 200, answer.body[:300]
    return {row["id"] for row in answer.json()["results"]}


def test_replica_reads_own_writes_lag_and_outage(stack):
    movie = stack.seeded["movies"][0]
    alice = stack.seeded["tokens"]["alice"]
    anonymous_a, anonymous_b = stack.client("a"), stack.client("b")
    assert review_ids(anonymous_a, movie) == set()

    # Replay paused: from now on the replica is frozen, the primary moves on.
    stack.replica.psql("SELECT pg_wal_replay_pause()")
    body = {"movie_id": movie, "review_text": "Seen from both sides of the mirror.", **RATINGS}
    review = stack.client("a", alice).post("/api/v1/reviews", body)
    assert review.status == 201, review.body  # writes go to the primary (the replica is read-only)
    mine = review.json()["id"]
    assert stack.primary.psql(f"SELECT count(*) FROM reviews WHERE id = '{mine}'", DATABASE).strip() == "1"

    # 1. Reads go to the replica: anonymous readers (and Bob, who wrote nothing) don't see it yet.
    assert review_ids(anonymous_a, movie) == set()
    assert review_ids(stack.client("a", stack.seeded["tokens"]["bob"]), movie) == set()
    # 2. ... but Alice, who has just written, reads from the primary: her review is there, on
    # either instance (the marker is in the shared Redis, keyed by her user).
    assert mine in review_ids(stack.client("a", alice), movie)
    assert mine in review_ids(stack.client("b", alice), movie)
    # 3. Management commands (and Celery tasks: no request scope either) read from the primary.
    count = f"from reviews.models import Review; print(Review.objects.filter(pk={mine!r}).count())"
    assert faultkit.manage("shell", "-c", count, env=stack.env()).strip().splitlines()[-1] == "1"

    # 4. Lag over the threshold: app B (1 s allowed) leaves the paused replica out and reads the
    # primary, while app A (an hour allowed) keeps reading the stale replica.
    wait_for(lambda: mine in review_ids(anonymous_b, movie), timeout=60, what="app B reads the primary")
    assert review_ids(anonymous_a, movie) == set()

    # Replay resumed: the replica catches up and app A's readers see the review from it.
    stack.replica.psql("SELECT pg_wal_replay_resume()")
    stack.wait_caught_up()
    wait_for(lambda: mine in review_ids(anonymous_a, movie), timeout=30, what="app A sees the replayed review")

    # 5. The replica goes down: every request to both apps still answers, from the primary.
    stack.replica.stop("fast")
    paths = [
        f"/api/v1/movies/{movie}/reviews",
        f"/api/v1/movies/{movie}",
        "/api/v1/movies",
        f"/api/v1/reviews/{mine}",
    ]
    statuses = Counter()
    lock = threading.Lock()

    def read(name: str, token: str | None) -> None:
        client = stack.client(name, token)
        for path in paths * 3:
            answer = client.get(path)
            with lock:
                statuses[answer.status] += 1

    threads = [threading.Thread(target=read, args=(name, token)) for name in "ab" for token in (None, alice, None)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == Counter({200: len(threads) * len(paths) * 3}), statuses
    assert mine in review_ids(anonymous_a, movie)  # from the primary now
