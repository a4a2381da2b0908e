"""Notifications under load (README → "Notifications"): review POST throughput with and without
5,000 followers, and how long a notification takes to reach an open socket.

    .venv/bin/python bench/notifications.py [--reviews 40] [--clients 4] [--rounds 3] [--sockets 50]

It makes a throwaway database next to DATABASE_URL's (`<name>_notif_bench`, migrated, dropped at
the end), starts the real processes on it — bin/asgi (uvicorn, one process: HTTP and WebSocket) and
a Celery worker (2 threads) on REDIS_URL as broker and channel layer — and measures over HTTP and
real WebSockets:

1. Delivery latency of a direct notification: a follow POSTed over HTTP; the time from the HTTP
   answer (the commit happened before it) to the `notification` frame on the followed user's socket.
2. Fan-out delivery: the time from B's review answer to the frame on each of `--sockets` of B's
   followers' sockets, and until all 5,000 rows are written (B has 5,000 followers).
3. Review POST throughput and latency by an author with no followers (A) and by B, in alternating
   rounds (A, B, A, B, ...) so the machine's load hits both alike. Every B review is fanned out to
   5,000 followers by the worker while the rounds go on, on the same two cores.

The machine is shared: the load average before and after is printed with the numbers.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lemonnpie.settings")
FOLLOWERS = 5000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=40, help="review POSTs per author per round")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--follows", type=int, default=200, help="follows timed for delivery latency")
    parser.add_argument("--sockets", type=int, default=50, help="followers of B with an open socket")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_WS_PORT", "18863")))
    parser.add_argument("--keep-database", action="store_true")
    return parser.parse_args()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000 if values else float("nan")


# --- the throwaway database --------------------------------------------------------------------


def make_database(base_url: str) -> str:
    import psycopg

    parts = urllib.parse.urlsplit(base_url)
    name = f"{parts.path.lstrip('/') or 'lemonnpie'}_notif_bench"
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}")), admin, name


def drop_database(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(args):
    """Authors A (no followers) and B (5,000 followers), the movies they review, socket users."""
    from accounts.models import User
    from accounts.tests.factories import UserFactory
    from catalog.tests.factories import MovieFactory
    from social.models import Follow

    per_author = args.reviews * args.rounds
    lonely, followed = UserFactory(name="Author A"), UserFactory(name="Author B")
    followers = User.objects.bulk_create(
        [User(email=f"bench-follower{i}@example.ng", name=f"Follower {i}", password="!") for i in range(FOLLOWERS)]  # noqa: S106
    )
    Follow.objects.bulk_create([Follow(follower=f, following=followed) for f in followers])
    User.objects.filter(pk=followed.pk).update(followers_count=FOLLOWERS)
    movies = MovieFactory.create_batch(per_author + 1)
    targets = UserFactory.create_batch(20)
    fans = UserFactory.create_batch(args.follows)
    return lonely, followed, followers, movies, targets, fans


def feed_invalidation_cost(author) -> list[float]:
    """Not notifications: social's feed-cache invalidation, which every review by `author` runs in
    the request after its commit (`review_changed`), one cache key per follower. Timed here so the
    B/A gap below can be read."""
    from social.services import feed_invalidate_followers

    times = []
    for _ in range(5):
        started = time.perf_counter()
        feed_invalidate_followers(author_id=author.pk)
        times.append(time.perf_counter() - started)
    return times


# --- HTTP --------------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP connection per thread."""

    local = threading.local()

    def __init__(self, port):
        self.port = port

    def post(self, path, token, body=None):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        started = time.perf_counter()
        conn.request("POST", path, body=json.dumps(body or {}), headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return response.status, time.perf_counter() - started, payload


def review_body(movie_id):
    return {
        "movie_id": str(movie_id),
        "lemon_pie_rating": 8,
        "review_text": "A well made Nollywood drama; the cast carries it to the end.",
        "cultural_authenticity_rating": 8,
        "production_quality_rating": 7,
        "story_rating": 8,
        "acting_rating": 9,
        "cinematography_rating": 7,
    }


def review_round(client, token, movies, clients):
    """POST one review per movie with `clients` concurrent connections; (req/s, latencies)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda m: client.post("/api/v1/reviews", token, review_body(m.pk)), movies))
    elapsed = time.perf_counter() - started
    bad = [status for status, _, _ in results if status != 201]
    assert not bad, f"review POSTs failed: {bad[:5]}"
    return len(results) / elapsed, [latency for _, latency, _ in results]


# --- WebSocket ---------------------------------------------------------------------------------


async def socket_for(port, token):
    import websockets

    ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws/v1/notifications", open_timeout=60)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    for _ in range(2):
        await asyncio.wait_for(ws.recv(), 60)
    return ws


async def next_notification(ws, timeout=60):
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "notification":
                return message["notification"], time.perf_counter()


async def follow_latency(port, client, targets, fans, tokens):
    """Per follow: HTTP answer → frame on the followed user's socket."""
    sockets = {t.pk: await socket_for(port, tokens[t.pk]) for t in targets}
    latencies = []
    for index, fan in enumerate(fans):
        target = targets[index % len(targets)]
        status, _, _ = await asyncio.to_thread(client.post, f"/api/v1/users/{target.pk}/follow", tokens[fan.pk])
        answered = time.perf_counter()
        assert status == 201, status
        _, received = await next_notification(sockets[target.pk])
        latencies.append(received - answered)
    for ws in sockets.values():
        await ws.close()
    return latencies


async def fan_out_latency(port, client, token_b, movie, sockets_of, count_rows):
    sockets = [await socket_for(port, token) for token in sockets_of]
    status, _, payload = await asyncio.to_thread(client.post, "/api/v1/reviews", token_b, review_body(movie.pk))
    answered = time.perf_counter()
    assert status == 201, payload
    review_id = json.loads(payload)["id"]
    received = await asyncio.gather(*(next_notification(ws, timeout=300) for ws in sockets))
    latencies = [at - answered for _, at in received]
    while await asyncio.to_thread(count_rows, review_id) < FOLLOWERS:
        await asyncio.sleep(0.05)
    all_written = time.perf_counter() - answered
    for ws in sockets:
        await ws.close()
    return latencies, all_written


# --- the run -----------------------------------------------------------------------------------


def main():
    args = parse_args()
    base = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not base or not redis_url:
        sys.exit("Set DATABASE_URL (its server gets a throwaway database) and REDIS_URL (broker and channel layer).")
    url, admin, name = make_database(base)
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from lemonnpie.tests.faultkit import BIN, Managed, app_env, port_open, wait_for
    from notifications.models import Notification
    from notifications.tests.liveserver import access_token

    load_before = os.getloadavg()
    print(f"database {name}: migrating ...", flush=True)
    call_command("migrate", verbosity=0)
    lonely, followed, followers, movies, targets, fans = seed(args)
    feed = feed_invalidation_cost(followed)
    tokens = {u.pk: access_token(u) for u in [lonely, followed, *targets, *fans, *followers[: args.sockets]]}
    env = app_env(
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        JWT_SIGNING_KEY=settings.SIMPLE_JWT["SIGNING_KEY"],
        LOG_LEVEL="WARNING",
        UVICORN=str(BIN / "uvicorn"),
        HOST="127.0.0.1",
        PORT=str(args.port),
    )
    logs = Path(tempfile.mkdtemp(prefix="lnp-notif-bench-"))
    server = Managed("uvicorn", [str(ROOT / "bin" / "asgi"), "--no-access-log"], env, logs)
    worker = Managed(
        "celery",
        [str(BIN / "celery"), "-A", "lemonnpie", "worker", "--pool", "threads", "--concurrency", "2"],
        env,
        logs,
    )
    server.start()
    worker.start()
    try:
        wait_for(lambda: port_open(args.port), timeout=120, what="bin/asgi up")
        client = Client(args.port)
        client.post("/api/v1/users/profile", tokens[lonely.pk])  # warm the process up
        follow = asyncio.run(follow_latency(args.port, client, targets, fans, tokens))

        def count_rows(review_id):
            from django.db import connection

            try:
                return Notification.objects.filter(review_id=review_id).count()
            finally:
                connection.close()

        sockets_of = [tokens[f.pk] for f in followers[: args.sockets]]
        fan, all_written = asyncio.run(
            fan_out_latency(args.port, client, tokens[followed.pk], movies[-1], sockets_of, count_rows)
        )
        print(f"fan-out of one review: all {FOLLOWERS} rows after {all_written:.1f} s", flush=True)
        per_round = args.reviews
        rows = {"A": [], "B": []}
        for r in range(args.rounds):
            for key, author in (("A", lonely), ("B", followed)):
                chunk = movies[r * per_round : (r + 1) * per_round]
                rate, latencies = review_round(client, tokens[author.pk], chunk, args.clients)
                rows[key].append((rate, latencies))
                print(f"round {r + 1} {key}: {rate:.1f} reviews/s, p95 {pct(latencies, 95):.1f} ms", flush=True)
    finally:
        worker.stop()
        server.stop()
        from django.db import connections

        connections.close_all()
        if not args.keep_database:
            drop_database(admin, name)
    load_after = os.getloadavg()
    report(args, rows, follow, fan, all_written, feed, load_before, load_after)


def report(args, rows, follow, fan, all_written, feed, load_before, load_after):
    def summary(key):
        rates = [rate for rate, _ in rows[key]]
        latencies = [x for _, lat in rows[key] for x in lat]
        return statistics.median(rates), pct(latencies, 50), pct(latencies, 95)

    a, b = summary("A"), summary("B")
    print()
    print(
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (2 cores, shared)"
    )
    print(
        f"review POST, {args.clients} clients, {args.rounds} rounds x {args.reviews} reviews per author, alternating:"
    )
    print("| author | reviews/s (median of rounds) | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    print(f"| A, 0 followers | {a[0]:.1f} | {a[1]:.1f} | {a[2]:.1f} |")
    print(f"| B, 5,000 followers (fan-out running in the worker) | {b[0]:.1f} | {b[1]:.1f} | {b[2]:.1f} |")
    print(f"B / A throughput: {b[0] / a[0]:.0%}")
    print(
        f"not notifications: social's feed-cache invalidation for B's 5,000 followers (in the worker above "
        f"FEED_INLINE_FOLLOWERS, not in the request): p50 {pct(feed, 50):.0f} ms (5 runs, in this process)"
    )
    print(
        f"direct notification (follow), HTTP answer → socket frame, {len(follow)} follows: "
        f"p50 {pct(follow, 50):.1f} ms, p95 {pct(follow, 95):.1f} ms, max {max(follow) * 1000:.1f} ms"
    )
    print(
        f"fan-out of one review to 5,000 followers: {len(fan)} followers' sockets got it "
        f"p50 {pct(fan, 50):.0f} ms, p95 {pct(fan, 95):.0f} ms after the answer; "
        f"all 5,000 rows written after {all_written:.1f} s"
    )


if __name__ == "__main__":
    main()
