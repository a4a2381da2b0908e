#!/usr/bin/env python
"""LemonNPie load benchmark: `bench/run` (see the README, section "Performance").

1. Picks its inputs from the benchmark database (hot and busy titles, 100k ids for cold detail
   reads, distinct 3-word searches and misspelt titles, users following 500+ people, fresh
   (user, movie) pairs to review and (user, review) pairs to vote) and mints their JWTs.
2. Counts the SQL queries of every endpoint with Django's test client (CaptureQueriesContext) and
   captures the SQL of a set of searches and suggestions (timed directly in step 4).
3. Starts gunicorn (gthread) with production settings, warms up, and runs wrk
   (`bench/lua/replay.lua`) twice per endpoint: a throughput pass with many connections, and a
   latency pass over one connection (p50/p95/p99 without queueing in front of the server).
4. Times the captured search / suggestion SQL directly with psycopg, each request's statements
   once on the database the run has warmed, as the endpoints' latency passes met them (and
   suggestions with index scans switched off), keeping an EXPLAIN ANALYZE of each.
   Checks that 1,000 concurrent votes on one review leave its counts exact, counts the database
   sessions opened while the measured load ran, prints one table (throughput as a share of the
   baseline **H** of the same run) with every target, writes `bench/results/latest.json`,
   `bench/results/latest.md` and the wrk outputs, then removes every review and vote it wrote
   through the services (aggregates stay exact; `recompute_stats --dry-run` confirms it).
"""

import argparse
import datetime
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "lua" / "replay.lua"
MARKER = "[lnp-bench]"
SLICES = {"probe": 0.01, "prewarm": 0.04, "warm": 0.07, "throughput": 0.58, "latency": 0.3}


# --- configuration --------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lnp_bench")
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (processes)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread)")
    parser.add_argument(
        "--db-pool", type=int, default=0, help="psycopg pool size per worker (0: persistent connections)"
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections of the throughput pass")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--duration", type=float, default=12, help="seconds of each endpoint's throughput pass (and as much for H)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="(H, endpoint) pairs the throughput pass is cut into")
    parser.add_argument("--latency-duration", type=float, default=8, help="seconds of each latency pass (1 connection)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up before each endpoint")
    parser.add_argument("--only", action="append", default=[], help="run only these endpoint keys (repeatable)")
    parser.add_argument("--concurrent-votes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--no-drift-check", action="store_true", help="skip recompute_stats --dry-run at the end")
    parser.add_argument("--keep-writes", action="store_true", help="leave the reviews and votes it wrote")
    parser.add_argument("--results", default=str(RESULTS))
    return parser.parse_args(argv)


def bench_env(args) -> dict:
    """The environment of the server and of this process: production settings on plain HTTP."""
    env = {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        # Throttles stay on (their Redis round trips are part of every request) but never bite.
        "THROTTLE_ANON": "100000000/min",
        "THROTTLE_USER": "100000000/min",
        "JWT_ACCESS_MINUTES": "720",
        "CACHE_KEY_PREFIX": "lnpbench",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }
    if args.db_pool:
        env.update(DB_POOL_MAX_SIZE=str(args.db_pool), CONN_MAX_AGE="0")
    else:
        env.update(DB_POOL_MAX_SIZE="0", CONN_MAX_AGE=os.environ.get("CONN_MAX_AGE", "600"))
    return env


def django_setup(env: dict) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lemonnpie.settings"
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    logging.getLogger("lemonnpie.access").setLevel(logging.WARNING)  # this process's own requests


def log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


# --- inputs -----------------------------------------------------------------------------------


class Inputs:
    """Everything the runs send, picked from the database (no writes here)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.tokens: dict[str, str] = {}

    def token(self, user) -> str:
        from rest_framework_simplejwt.tokens import AccessToken

        key = str(user.pk)
        if key not in self.tokens:
            # The claims a sign-in gives (accounts.tokens), minted without the session rows.
            access = AccessToken()
            access["sub"] = key
            access["email"] = user.email
            access["role"] = user.role
            access["ver"] = user.token_version
            access["sid"] = uuid.uuid4().hex
            access["auth_time"] = access["iat"]
            self.tokens[key] = str(access)
        return self.tokens[key]


def pick_inputs(rng: random.Random, *, cold_ids: int = 100_000) -> dict:
    from django.db import connection

    from accounts.models import User
    from catalog.models import Movie
    from reviews.models import Review

    inputs = Inputs(rng)
    movie_ids = [str(pk) for pk in Movie.objects.order_by("id").values_list("id", flat=True)]
    rng.shuffle(movie_ids)
    busiest = list(Movie.objects.order_by("-review_count", "id").values_list("id", "title", "review_count")[:20])
    hot_id, hot_title, hot_reviews = busiest[0]

    # Searches: three words of one title and its plot (the words a fan remembers), all distinct.
    sample = movie_ids[:24_000]
    texts = []
    for start in range(0, len(sample), 4000):
        texts += list(Movie.objects.filter(pk__in=sample[start : start + 4000]).values_list("title", "plot_summary"))
    rng.shuffle(texts)
    searches, seen = [], set()
    word = re.compile(r"[^\W\d_]{4,}")
    for title, plot in texts:
        title_words = [w.lower() for w in word.findall(title)]
        plot_words = [w.lower() for w in word.findall(plot)]
        if not title_words or len(plot_words) < 2:
            continue
        words = [rng.choice(title_words), *rng.sample(plot_words, 2)]
        if len(set(words)) < 3:
            continue
        query = " ".join(words)
        if query not in seen:
            seen.add(query)
            searches.append(query)

    # Suggestions: the start of a title as typed on a phone, with one typo.
    typos, seen = [], set()
    for title, _plot in texts:
        typed = " ".join(title.split()[:2])[:18].strip()
        if len(typed) < 5:
            continue
        typo = misspell(typed, rng)
        if typo.casefold() != typed.casefold() and typo not in seen:
            seen.add(typo)
            typos.append(typo)

    # The feed: users following 500 to 1,000 people, every (user, page 1-30) once per pass.
    feed_users = list(
        User.objects.filter(is_active=True, following_count__gte=500, following_count__lte=1000).order_by(
            "following_count", "id"
        )
    )
    if not feed_users:  # a smaller data set: the users who follow the most people
        feed_users = list(User.objects.filter(is_active=True).order_by("-following_count", "id")[:50])
    feed_target = feed_users[0]

    # Writers and voters: ordinary active users.
    people = list(User.objects.filter(is_active=True, role="user").order_by("?")[:4000])

    # Review creates: (user, movie) pairs without a review yet.
    pairs = {(rng.choice(people).pk, rng.choice(movie_ids)) for _ in range(16_000)}
    pairs = _without_existing(connection, "reviews", "movie_id", pairs)
    people_by_id = {person.pk: person for person in people}

    # Votes: reviews of the busiest titles, voters who are not the author and have not voted yet.
    targets = list(
        Review.objects.filter(movie_id__in=[row[0] for row in busiest], moderation_status="approved")
        .order_by("?")
        .values_list("id", "user_id")[:4000]
    )
    votes = set()
    for _ in range(20_000):
        review_id, author_id = rng.choice(targets)
        voter = rng.choice(people)
        if voter.pk != author_id:
            votes.add((voter.pk, str(review_id)))
    votes = _without_existing(connection, "review_votes", "review_id", votes)

    return {
        "inputs": inputs,
        "movie_ids": movie_ids[:cold_ids],
        "hot": {"id": str(hot_id), "title": hot_title, "review_count": hot_reviews},
        "searches": searches,
        "typos": typos,
        "feed_users": feed_users,
        "feed_target": feed_target,
        "people_by_id": people_by_id,
        "review_pairs": sorted(pairs, key=lambda pair: rng.random()),
        "vote_pairs": sorted(votes, key=lambda pair: rng.random()),
        "vote_targets": targets,
    }


def _without_existing(connection, table: str, column: str, pairs: set) -> list:
    users = [str(user_id) for user_id, _ in pairs]
    others = [str(other) for _, other in pairs]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.user_id::text, t.{column}::text FROM {table} t "
            f"JOIN unnest(%s::uuid[], %s::uuid[]) AS p(u, o) ON t.user_id = p.u AND t.{column} = p.o",
            [users, others],
        )
        existing = {(row[0], row[1]) for row in cursor.fetchall()}
    return [(user_id, other) for user_id, other in pairs if (str(user_id), str(other)) not in existing]


def misspell(text: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha() and i > 0]
    if not letters:
        return text
    i = rng.choice(letters)
    kind = rng.choice(("drop", "swap", "double", "vowel"))
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "swap" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == "vowel":
        vowels = "aeiou"
        return text[:i] + rng.choice([v for v in vowels if v != text[i].lower()]) + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


# --- endpoints ----------------------------------------------------------------------------------


def review_body(movie_id: str, rng: random.Random) -> str:
    overall = rng.randint(3, 10)
    sub = {
        name: max(1, min(10, overall + rng.randint(-2, 2)))
        for name in (
            "cultural_authenticity_rating",
            "production_quality_rating",
            "story_rating",
            "acting_rating",
            "cinematography_rating",
        )
    }
    phrases = [
        "The acting carried it, even when the story slowed down in the middle.",
        "Na correct film, the Lagos scenes dey sweet well well.",
        "Strong cast, weak ending; the music was the best part.",
        "A family drama that feels true to home, worth watching with your people.",
    ]
    return json.dumps(
        {
            "movie_id": movie_id,
            "lemon_pie_rating": overall,
            **sub,
            "review_text": f"{MARKER} {rng.choice(phrases)}",
            "review_language": "en",
            "nollywood_tags": ["bench"],
        }
    )


def build_endpoints(data: dict, rng: random.Random) -> list[dict]:
    """Every measured endpoint: its request lines (METHOD, PATH, TOKEN, BODY), split into slices."""
    inputs = data["inputs"]
    hot = data["hot"]["id"]
    api = "/api/v1"
    list_filters = "genre=Drama&language=Yoruba"
    feed_lines = []
    for page in range(1, 31):
        for user in data["feed_users"]:
            feed_lines.append(("GET", f"{api}/users/feed?page={page}", inputs.token(user), ""))
    rng.shuffle(feed_lines)
    people = data["people_by_id"]
    review_lines = [
        ("POST", f"{api}/reviews", inputs.token(people[user_id]), review_body(str(movie_id), rng))
        for user_id, movie_id in data["review_pairs"]
    ]
    vote_lines = [
        (
            "POST",
            f"{api}/reviews/{review_id}/vote",
            inputs.token(people[user_id]),
            json.dumps({"vote_type": "helpful" if rng.random() < 0.7 else "unhelpful"}),
        )
        for user_id, review_id in data["vote_pairs"]
    ]
    q = urllib.parse.quote
    return [
        {"key": "H", "label": "H: GET /ping (baseline)", "lines": [("GET", f"{api}/ping", "", "")]},
        {"key": "detail_hot", "label": "movie detail, cached", "lines": [("GET", f"{api}/movies/{hot}", "", "")]},
        {
            "key": "detail_cold",
            "label": "movie detail, cold",
            "cold": "movie",
            "lines": [("GET", f"{api}/movies/{movie_id}", "", "") for movie_id in data["movie_ids"]],
        },
        {
            "key": "list_20",
            "label": f"movies ?{list_filters} (20)",
            "lines": [("GET", f"{api}/movies?{list_filters}", "", "")],
        },
        {
            "key": "list_100",
            "label": "same, page_size=100",
            "lines": [("GET", f"{api}/movies?{list_filters}&page_size=100", "", "")],
        },
        {
            "key": "search",
            "label": "search, 3 words, uncached",
            "cold": "search",
            "lines": [("GET", f"{api}/movies/search?q={q(text)}", "", "") for text in data["searches"]],
        },
        {
            "key": "suggest",
            "label": "suggestions, typo, uncached",
            "cold": "suggest",
            "lines": [("GET", f"{api}/movies/suggestions?q={q(text)}", "", "") for text in data["typos"]],
        },
        {
            "key": "movie_reviews",
            "label": "busiest movie's reviews by helpfulness",
            "lines": [("GET", f"{api}/movies/{hot}/reviews?ordering=-helpfulness", "", "")],
        },
        {"key": "feed", "label": "feed (follows 500-1000), cold", "cold": "feed", "lines": feed_lines},
        {"key": "review_create", "label": "review create (POST)", "write": True, "lines": review_lines},
        {"key": "vote", "label": "vote (POST)", "write": True, "lines": vote_lines},
    ]


def split(lines: list, repeatable: bool) -> dict:
    """Disjoint slices per use, so no pass re-sends what an earlier one sent (a single repeatable
    request is shared by every pass)."""
    if repeatable:
        return dict.fromkeys(SLICES, lines)
    out, start = {}, 0
    for name, share in SLICES.items():
        size = max(1, int(len(lines) * share))
        out[name] = lines[start : start + size]
        start += size
    return out


def write_lines(path: Path, lines: list) -> Path:
    with path.open("w") as handle:
        for method, target, token, body in lines:
            handle.write(f"{method}\t{target}\t{token}\t{body}\n")
    return path


# --- caches ----------------------------------------------------------------------------------------


def forget(kind: str | None) -> None:
    """Drop cached answers of one kind, so the next pass reads the database."""
    from django.core.cache import cache

    from catalog.cache import catalog_invalidate

    if kind in ("search", "suggest"):
        # Stored under the catalogue's version (a run within their TTL of the last one would meet
        # its answers): a new version orphans them all.
        catalog_invalidate()
    for pattern in {"movie": ["movie:*"], "feed": ["feed:*"]}.get(kind or "", []):
        cache.delete_pattern(pattern)


# --- queries per request ------------------------------------------------------------------------


def count_queries(endpoint: dict) -> dict:
    """Send the endpoint's probe requests through Django's test client (same settings, same
    middleware) and count the SQL statements each one ran."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(raise_request_exception=False)
    probes = endpoint["slices"]["probe"][:3] or endpoint["lines"][:1]
    counts, statuses, sql = [], [], []
    if not endpoint.get("cold") and not endpoint.get("write"):
        _send(client, probes[0])  # warm: a hot endpoint is measured with its cache filled
    for line in probes:
        forget(endpoint.get("cold"))
        with CaptureQueriesContext(connection) as captured:
            response = _send(client, line)
        counts.append(len(captured.captured_queries))
        statuses.append(response.status_code)
        sql.append([query["sql"] for query in captured.captured_queries])
    return {"queries": max(counts), "per_probe": counts, "statuses": statuses, "sql_first_probe": sql[0]}


def _send(client, line):
    method, target, token, body = line
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if method == "GET":
        return client.get(target, **headers)
    return client.post(target, data=body, content_type="application/json", **headers)


# --- the same SQL, directly --------------------------------------------------------------------------


def captured_sql(path: str) -> list[str]:
    """Every SQL statement one anonymous request runs (transaction control included), as sent."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = Client().get(path)
    assert response.status_code == 200, (path, response.status_code)
    return [query["sql"] for query in captured.captured_queries]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_sql(
    database_url: str, statement_sets: list[list[str]], *, index_off: bool = False, warm: bool = True
) -> list[float]:
    """Milliseconds to run each set of statements (one request's SQL) over a plain psycopg
    connection, after one untimed pass over all of them (`warm`)."""
    import psycopg

    timings = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        if index_off:
            for setting in ("enable_bitmapscan", "enable_indexscan", "enable_indexonlyscan"):
                conn.execute(f"SET {setting} = off")
        for statements in statement_sets if warm else ():  # the buffers warm, as for the server's run
            for statement in statements:
                _run(conn, statement)
        for statements in statement_sets:
            started = time.perf_counter()
            for statement in statements:
                _run(conn, statement)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _run(conn, statement: str) -> None:
    cursor = conn.execute(statement)
    if cursor.description is not None:
        cursor.fetchall()


def explain(database_url: str, statement: str, *, index_off: bool = False) -> str:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        if index_off:
            for setting in ("enable_bitmapscan", "enable_indexscan", "enable_indexonlyscan"):
                conn.execute(f"SET {setting} = off")
        rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}").fetchall()
    return "\n".join(row[0] for row in rows)


def capture_sql(data: dict) -> dict:
    """The SQL each search and suggestion request of the direct-timing sets runs (Django test
    client), captured before the server starts."""
    from urllib.parse import quote

    return {
        "search": [captured_sql(f"/api/v1/movies/search?q={quote(text)}") for text in data["sql_searches"]],
        "suggest": [captured_sql(f"/api/v1/movies/suggestions?q={quote(text)}") for text in data["sql_typos"]],
    }


# The word index (every-word match) or the trigram indexes (the whole-query fallback).
_SUGGEST_INDEXES = re.compile(r"movie_titles_words|movie_titles_\w+_trgm")


def direct_sql(args, captured: dict) -> dict:
    """Time the captured SQL over one psycopg connection. It runs after the load runs, each set
    once (like the endpoint's latency pass, whose requests are each sent once to a database the
    run has warmed), so both sides meet the same cache state; plus EXPLAIN ANALYZE of each."""
    search_sets, suggest_sets = captured["search"], captured["suggest"]
    search_ms = time_sql(args.database_url, search_sets, warm=False)
    suggest_ms = time_sql(args.database_url, suggest_sets, warm=False)
    suggest_off_ms = time_sql(args.database_url, suggest_sets[:15], index_off=True, warm=False)
    page_sql = next(s for s in search_sets[0] if "ts_rank" in s)
    suggest_sql = next(s for s in suggest_sets[0] if "movie_titles" in s)
    search_plan = explain(args.database_url, page_sql)
    suggest_plan = explain(args.database_url, suggest_sql)
    suggest_plan_off = explain(args.database_url, suggest_sql, index_off=True)

    def summary(values):
        return {
            "n": len(values),
            "p50_ms": round(percentile(values, 50), 2),
            "p95_ms": round(percentile(values, 95), 2),
            "p99_ms": round(percentile(values, 99), 2),
        }

    return {
        "search": {
            **summary(search_ms),
            "statements_per_request": len(search_sets[0]),
            "gin_index_used": "movies_search_gin" in search_plan,
        },
        "suggest": {**summary(suggest_ms), "index_used": _SUGGEST_INDEXES.search(suggest_plan) is not None},
        "suggest_index_off": {
            **summary(suggest_off_ms),
            "index_used": _SUGGEST_INDEXES.search(suggest_plan_off) is not None,
        },
        "plans": {"search": search_plan, "suggest": suggest_plan, "suggest_index_off": suggest_plan_off},
        "example_sql": {"search": search_sets[0], "suggest": suggest_sets[0]},
    }


# --- the server ---------------------------------------------------------------------------------------


class Server:
    def __init__(self, args, env: dict, log_path: Path):
        self.args, self.env, self.log_path = args, env, log_path
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.args.port}"

    def command(self) -> list[str]:
        return [
            str(Path(sys.executable).parent / "gunicorn"),
            "lemonnpie.wsgi",
            "--bind",
            f"127.0.0.1:{self.args.port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(self.args.workers),
            "--threads",
            str(self.args.threads),
            "--keep-alive",
            "30",
            "--backlog",
            "4096",
            "--worker-connections",
            "2000",
            "--timeout",
            "120",
        ]

    def start(self) -> None:
        env = {**os.environ, **self.env}
        self.log_handle = self.log_path.open("w")
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdout=self.log_handle, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/ping", timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if getattr(self, "log_handle", None):
            self.log_handle.close()


# --- wrk ------------------------------------------------------------------------------------------------


def run_wrk(url: str, file: Path, *, threads: int, connections: int, duration: float, out: Path | None) -> dict:
    threads = min(threads, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        url,
        "--",
        str(file),
        str(threads),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    if out is not None:
        out.write_text(" ".join([*command[:-4], url]) + "\n\n" + result.stdout + result.stderr)
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON "))
    stats = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = stats["duration_us"] / 1e6
    stats["rps"] = round(stats["requests"] / seconds, 1) if seconds else 0.0
    return stats


def split_rounds(lines: list, rounds: int) -> list[list]:
    """`lines` in `rounds` disjoint parts (a single repeatable request: the same line each round)."""
    if len(lines) == 1:
        return [lines] * rounds
    size = len(lines) // rounds
    return [lines[index * size : (index + 1) * size] for index in range(rounds)]


def combine(runs: list[dict]) -> dict:
    """Several wrk runs as one: counts added, req/s over the total time; latency percentiles
    are the worst of the runs (a conservative reading)."""
    seconds = sum(run["duration_us"] for run in runs) / 1e6
    requests = sum(run["requests"] for run in runs)
    latency = {name: max(run["latency_us"][name] for run in runs) for name in runs[0]["latency_us"]}
    latency["mean"] = sum(run["latency_us"]["mean"] * run["requests"] for run in runs) / max(1, requests)
    return {
        "requests": requests,
        "duration_us": int(seconds * 1e6),
        "bytes": sum(run["bytes"] for run in runs),
        "repeats": sum(run["repeats"] for run in runs),
        "errors": {name: sum(run["errors"][name] for run in runs) for name in runs[0]["errors"]},
        "latency_us": latency,
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "runs": len(runs),
    }


# --- database sessions ----------------------------------------------------------------------------------


class SessionCounter:
    """Counts the sessions PostgreSQL opens for the benchmark database (`pg_stat_database.sessions`)
    over one connection of its own, held from the first reading to the last, so it counts none."""

    def __init__(self, database_url: str):
        import psycopg

        self.conn = psycopg.connect(database_url, autocommit=True)

    def read(self) -> dict:
        time.sleep(1.2)  # statistics reach the shared counters within a second
        self.conn.execute("SELECT pg_stat_clear_snapshot()")
        sessions = self.conn.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()[0]
        backends = self.conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()[0]
        now = self.conn.execute("SELECT now()").fetchone()[0]
        return {"sessions": sessions, "backends": backends, "at": now}

    def started_since(self, since) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_start > %s AND backend_type = 'client backend'",
            [since],
        ).fetchone()[0]

    def close(self) -> None:
        self.conn.close()


# --- 1,000 concurrent votes ---------------------------------------------------------------------------------


def concurrent_votes(server: Server, data: dict, count: int, rng: random.Random) -> dict:
    """`count` different users vote on one review at the same instant; then its stored counts must
    equal what it had plus what was accepted, and equal a recount of the vote rows."""
    from accounts.models import User
    from reviews.models import Review, ReviewVote

    review = (
        Review.objects.filter(pk=data["vote_targets"][0][0])
        .values("id", "user_id", "helpful_votes", "unhelpful_votes")
        .get()
    )
    already = set(ReviewVote.objects.filter(review_id=review["id"]).values_list("user_id", flat=True))
    voters = list(
        User.objects.filter(is_active=True).exclude(pk=review["user_id"]).exclude(pk__in=already).order_by("?")[:count]
    )
    kinds = ["helpful" if i % 3 else "unhelpful" for i in range(len(voters))]
    tokens = [data["inputs"].token(voter) for voter in voters]
    statuses = [None] * len(voters)
    barrier = threading.Barrier(len(voters))
    threading.stack_size(256 * 1024)

    def vote(i):
        conn = http.client.HTTPConnection("127.0.0.1", server.args.port, timeout=300)
        try:
            conn.connect()
            body = json.dumps({"vote_type": kinds[i]})
            headers = {"Authorization": f"Bearer {tokens[i]}", "Content-Type": "application/json"}
            barrier.wait()
            conn.request("POST", f"/api/v1/reviews/{review['id']}/vote", body, headers)
            statuses[i] = conn.getresponse().status
        except Exception as exc:
            statuses[i] = repr(exc)
        finally:
            conn.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=vote, args=(i,)) for i in range(len(voters))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    accepted = [kind for kind, status in zip(kinds, statuses, strict=True) if status == 200]
    after = Review.objects.filter(pk=review["id"]).values("helpful_votes", "unhelpful_votes").get()
    rows = {
        kind: ReviewVote.objects.filter(review_id=review["id"], vote_type=kind).count()
        for kind in ("helpful", "unhelpful")
    }
    expected = {
        "helpful_votes": review["helpful_votes"] + accepted.count("helpful"),
        "unhelpful_votes": review["unhelpful_votes"] + accepted.count("unhelpful"),
    }
    status_counts = {}
    for status in statuses:
        status_counts[str(status)] = status_counts.get(str(status), 0) + 1
    exact = (
        after == expected
        and after["helpful_votes"] == rows["helpful"]
        and after["unhelpful_votes"] == rows["unhelpful"]
    )
    return {
        "review_id": str(review["id"]),
        "votes_sent": len(voters),
        "statuses": status_counts,
        "seconds": round(elapsed, 2),
        "before": {"helpful_votes": review["helpful_votes"], "unhelpful_votes": review["unhelpful_votes"]},
        "after": after,
        "expected": expected,
        "recount": rows,
        "exact": exact,
        "voters": [str(voter.pk) for voter in voters],
    }


# --- clean-up ------------------------------------------------------------------------------------------------


def remove_writes(since, vote_pairs: list, concurrent: dict | None) -> dict:
    """Take back every review and vote the run wrote, through the services (aggregates stay exact)."""
    from django.db.models import Q

    from reviews import services
    from reviews.models import Review, ReviewVote

    started = time.perf_counter()
    reviews = list(
        Review.objects.filter(review_text__startswith=MARKER).select_related("user").order_by("movie_id", "id")
    )
    for review in reviews:
        services.review_delete(review=review, actor=review.user)
    voters = {user_id for user_id, _ in vote_pairs}
    if concurrent:
        voters |= set(concurrent["voters"])
    votes = list(
        ReviewVote.objects.filter(created_at__gte=since)
        .filter(Q(user_id__in=list(voters)))
        .select_related("user", "review")
        .order_by("review_id", "id")
    )
    for vote in votes:
        services.review_unvote(review=vote.review, user=vote.user)
    return {
        "reviews_deleted": len(reviews),
        "votes_removed": len(votes),
        "seconds": round(time.perf_counter() - started, 1),
    }


# --- report -------------------------------------------------------------------------------------------------------


def ms(us) -> str:
    return f"{us / 1000:.1f}"


def targets(results: dict) -> list[dict]:
    e = results["endpoints"]
    sql = results.get("sql", {})
    out = []

    def add(name, ok, measured):
        out.append({"target": name, "met": bool(ok), "measured": measured})

    def ratio(key):
        return e[key]["ratio"] if key in e else float("nan")

    if "detail_hot" in e:
        add("cached detail ≥ 60% of H", ratio("detail_hot") >= 0.60, f"{ratio('detail_hot'):.0%}")
    if "detail_cold" in e:
        q = e["detail_cold"]["queries"]["queries"]
        add(
            "cold detail ≥ 35% of H, ≤ 3 queries",
            ratio("detail_cold") >= 0.35 and q <= 3,
            f"{ratio('detail_cold'):.0%}, {q} queries",
        )
    if "list_20" in e and "list_100" in e:
        q20, q100 = e["list_20"]["queries"]["queries"], e["list_100"]["queries"]["queries"]
        p20, p100 = e["list_20"]["latency"]["latency_us"]["p50"], e["list_100"]["latency"]["latency_us"]["p50"]
        add("list: same queries at 20 and 100 rows", q20 == q100, f"{q20} and {q100}")
        add("list: p50(100) ≤ 2.5 x p50(20)", p100 <= 2.5 * p20, f"{p100 / p20:.2f}x ({ms(p100)} vs {ms(p20)} ms)")
    if "search" in e and "search" in sql:
        p95 = e["search"]["latency"]["latency_us"]["p95"] / 1000
        direct = sql["search"]["p95_ms"]
        add(
            "search p95 ≤ 2 x direct SQL p95 + 5 ms (GIN index used)",
            p95 <= 2 * direct + 5 and sql["search"]["gin_index_used"],
            f"{p95:.1f} ms vs limit {2 * direct + 5:.1f} ms (SQL p95 {direct:.1f} ms)",
        )
    if "suggest" in e and "suggest_index_off" in sql:
        p95 = e["suggest"]["latency"]["latency_us"]["p95"] / 1000
        off = sql["suggest_index_off"]["p95_ms"]
        add("suggestions p95 ≤ 20 ms", p95 <= 20, f"{p95:.1f} ms")
        add(
            "suggestions ≥ 10x faster than without the index",
            off / p95 >= 10,
            f"{off / p95:.0f}x ({off:.0f} ms SQL without index)",
        )
    if "feed" in e:
        p95 = e["feed"]["latency"]["latency_us"]["p95"] / 1000
        add(
            "feed (follows 500-1000) p95 ≤ 50 ms cold",
            p95 <= 50 and e["feed"]["latency"]["repeats"] == 0,
            f"{p95:.1f} ms",
        )
    if "vote" in e:
        exact = results.get("concurrent_votes", {}).get("exact")
        sent = results.get("concurrent_votes", {}).get("votes_sent", 0)
        add(
            f"votes ≥ 25% of H; {sent:,} concurrent votes on one review exact",
            ratio("vote") >= 0.25 and exact,
            f"{ratio('vote'):.0%}, exact={exact}",
        )
    conns = results.get("connections")
    if conns:
        add(
            "zero new DB connections per request (steady state)",
            conns["new_sessions"] == 0,
            f"{conns['new_sessions']} new in {conns['requests']} requests",
        )
    return out


def render_table(results: dict) -> str:
    lines = [
        "| endpoint | req/s | H beside it | vs H | p50 ms | p95 ms | p99 ms | p99 ms under load | queries/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["endpoints"].values():
        t, lat = row["throughput"], row["latency"]["latency_us"]
        note = ""
        if t["errors"]["status"] or row["latency"]["errors"]["status"]:
            note = f" ⚠ {t['errors']['status'] + row['latency']['errors']['status']} non-2xx"
        if row.get("cold") and (t["repeats"] or row["latency"]["repeats"]):
            note += f" ({t['repeats'] + row['latency']['repeats']} repeats)"
        lines.append(
            f"| {row['label']}{note} | {t['rps']:.0f} | {row['paired_h']['rps']:.0f} | {row['ratio']:.0%} | "
            f"{ms(lat['p50'])} | {ms(lat['p95'])} | {ms(lat['p99'])} | {ms(t['latency_us']['p99'])} | "
            f"{row['queries']['queries']} |"
        )
    lines.append("")
    lines.append("| target | measured | met |")
    lines.append("|---|---|---|")
    for target in results["targets"]:
        lines.append(f"| {target['target']} | {target['measured']} | {'yes' if target['met'] else '**NO**'} |")
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (bench/run installs it with apt-get)")
    env = bench_env(args)
    django_setup(env)
    from django.db import connection

    results_dir = Path(args.results)
    (results_dir / "wrk").mkdir(parents=True, exist_ok=True)
    for old in (results_dir / "wrk").glob("*.txt"):
        old.unlink()
    rng = random.Random(args.seed)
    run_started = datetime.datetime.now(datetime.UTC)
    meta = {
        "started": run_started.isoformat(timespec="seconds"),
        "command": "bench/run " + " ".join(sys.argv[1:] if argv is None else argv),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "server": {
            "command": "gunicorn lemonnpie.wsgi --worker-class gthread "
            f"--workers {args.workers} --threads {args.threads} --keep-alive 30",
            "database": "psycopg pool"
            if args.db_pool
            else f"persistent connections (CONN_MAX_AGE={env['CONN_MAX_AGE']})",
            "db_pool_size": args.db_pool,
        },
        "wrk": {
            "threads": args.wrk_threads,
            "connections": args.connections,
            "rounds": args.rounds,
            "duration_s": args.duration,
            "latency_duration_s": args.latency_duration,
            "warmup_s": args.warmup,
        },
        "counts": {
            "movies": connection.cursor().execute("SELECT count(*) FROM movies").fetchone()[0],
            "reviews": connection.cursor().execute("SELECT count(*) FROM reviews").fetchone()[0],
            "users": connection.cursor().execute("SELECT count(*) FROM users").fetchone()[0],
        },
    }
    log(f"database {args.database_url}: {meta['counts']}; load average {meta['loadavg_start']}")

    log("picking inputs")
    data = pick_inputs(rng)
    # Disjoint query sets for the direct-SQL timing (the endpoint runs use their own, never cached).
    data["sql_searches"] = data["searches"][-200:]
    data["searches"] = data["searches"][:-200]
    data["sql_typos"] = data["typos"][-200:]
    data["typos"] = data["typos"][:-200]
    endpoints = build_endpoints(data, rng)
    if args.only:
        endpoints = [endpoint for endpoint in endpoints if endpoint["key"] in {"H", *args.only}]
    scratch = Path(tempfile.mkdtemp(prefix="lnp-bench-"))
    for endpoint in endpoints:
        repeatable = len(endpoint["lines"]) == 1
        endpoint["slices"] = split(endpoint["lines"], repeatable)
        endpoint["files"] = {
            name: write_lines(scratch / f"{endpoint['key']}-{name}.tsv", lines)
            for name, lines in endpoint["slices"].items()
        }
        log(f"  {endpoint['key']}: {len(endpoint['lines'])} distinct request(s)")

    results = {
        "meta": meta,
        "inputs": {
            "hot_movie": data["hot"],
            "feed_users": len(data["feed_users"]),
            "feed_following": [u.following_count for u in data["feed_users"][:1]]
            + [data["feed_users"][-1].following_count],
            "example_search": data["searches"][0],
            "example_typo": data["typos"][0],
        },
        "endpoints": {},
    }
    concurrent = None
    server = Server(args, env, results_dir / "server.log")
    try:
        log("counting queries per request (Django test client)")
        for endpoint in endpoints:
            endpoint["queries"] = count_queries(endpoint)
            bad = [s for s in endpoint["queries"]["statuses"] if s >= 300]
            log(
                f"  {endpoint['key']}: {endpoint['queries']['queries']} queries, "
                f"status {endpoint['queries']['statuses']}"
            )
            if bad:
                raise SystemExit(f"{endpoint['key']} answered {bad} to its probe; not benchmarking a failing endpoint")
        captured = None
        if not args.only or {"search", "suggest"} & set(args.only):
            log("capturing the search and suggestion SQL for the direct timing")
            forget("search")
            forget("suggest")
            captured = capture_sql(data)
        connection.close()

        log(f"starting {meta['server']['command']}")
        server.start()
        # Warm-up of the whole server: every endpoint for a moment, so every worker thread has
        # imported, connected and cached what steady state has (the measured runs start after).
        log(f"warm-up: every endpoint for {args.warmup:.0f} s")
        for endpoint in endpoints:
            run_wrk(
                server.url,
                endpoint["files"]["prewarm"],
                threads=args.wrk_threads,
                connections=args.connections,
                duration=args.warmup,
                out=None,
            )
        sessions = SessionCounter(args.database_url)
        baseline_sessions = sessions.read()
        requests_measured = 0
        h_runs = []
        h_files = endpoints[0]["files"]
        for endpoint in endpoints:
            key = endpoint["key"]
            log(f"{endpoint['label']}: warm-up {args.warmup:.0f} s")
            run_wrk(
                server.url,
                endpoint["files"]["warm"],
                threads=args.wrk_threads,
                connections=args.connections,
                duration=args.warmup,
                out=None,
            )
            # Throughput: `rounds` pairs of (H, this endpoint), each for duration / rounds seconds, so
            # H is measured right beside every endpoint and a change of load (other jobs on the
            # machine) weighs on both sides of the ratio alike. Each round of a cold endpoint sends
            # its own part of the requests, never one sent before.
            parts = split_rounds(endpoint["slices"]["throughput"], args.rounds)
            slice_seconds = args.duration / args.rounds
            h_rounds, rounds = [], []
            for number, part in enumerate(parts, start=1):
                h_rounds.append(
                    run_wrk(
                        server.url,
                        h_files["throughput"],
                        threads=args.wrk_threads,
                        connections=args.connections,
                        duration=slice_seconds,
                        out=results_dir / "wrk" / f"{key}-H-round{number}.txt",
                    )
                )
                if key == "H":
                    continue
                forget(endpoint.get("cold"))
                rounds.append(
                    run_wrk(
                        server.url,
                        write_lines(scratch / f"{key}-round{number}.tsv", part),
                        threads=args.wrk_threads,
                        connections=args.connections,
                        duration=slice_seconds,
                        out=results_dir / "wrk" / f"{key}-round{number}.txt",
                    )
                )
            throughput = combine(rounds or h_rounds)
            paired_h = combine(h_rounds)
            forget(endpoint.get("cold"))
            latency = run_wrk(
                server.url,
                endpoint["files"]["latency"],
                threads=1,
                connections=1,
                duration=args.latency_duration,
                out=results_dir / "wrk" / f"{key}-latency.txt",
            )
            requests_measured += throughput["requests"] + latency["requests"] + (paired_h["requests"] if rounds else 0)
            log(
                f"  {throughput['rps']:.0f} req/s beside H {paired_h['rps']:.0f} req/s "
                f"({throughput['rps'] / paired_h['rps']:.0%}; non-2xx {throughput['errors']['status']}, "
                f"repeats {throughput['repeats']}); "
                f"1 connection: p50 {ms(latency['latency_us']['p50'])} p95 {ms(latency['latency_us']['p95'])} "
                f"p99 {ms(latency['latency_us']['p99'])} ms; load {os.getloadavg()[0]:.2f}"
            )
            h_runs.extend(h_rounds)
            results["endpoints"][key] = {
                "label": endpoint["label"],
                "example": endpoint["lines"][0][1],
                "cold": bool(endpoint.get("cold")),
                "throughput": throughput,
                "paired_h": paired_h,
                "ratio": throughput["rps"] / paired_h["rps"] if paired_h["rps"] else 0.0,
                "latency": latency,
                "queries": endpoint["queries"],
                "loadavg": os.getloadavg(),
            }
        ended = sessions.read()
        results["connections"] = {
            "new_sessions": ended["sessions"] - baseline_sessions["sessions"],
            "new_backends_alive": sessions.started_since(baseline_sessions["at"]),
            "backends_at_start": baseline_sessions["backends"],
            "backends_at_end": ended["backends"],
            "requests": requests_measured,
        }
        sessions.close()
        results["connections"]["new_per_request"] = results["connections"]["new_sessions"] / max(1, requests_measured)
        log(
            "database sessions opened during the measured runs: "
            f"{results['connections']['new_sessions']} for {requests_measured} requests"
        )
        h_rps = [run["rps"] for run in h_runs]
        results["h_rps"] = combine(h_runs)["rps"]
        results["h_runs_rps"] = h_rps
        if captured:
            log("timing the same SQL directly (psycopg; each request's statements once, as the endpoint saw them)")
            results["sql"] = direct_sql(args, captured)
            log(
                f"  search p95 {results['sql']['search']['p95_ms']} ms, "
                f"suggestions p95 {results['sql']['suggest']['p95_ms']} ms, "
                f"without the indexes {results['sql']['suggest_index_off']['p95_ms']} ms"
            )

        if "vote" in {endpoint["key"] for endpoint in endpoints} and args.concurrent_votes:
            log(f"{args.concurrent_votes} concurrent votes on one review")
            concurrent = concurrent_votes(server, data, args.concurrent_votes, rng)
            log(
                f"  statuses {concurrent['statuses']}, exact: {concurrent['exact']} "
                f"({concurrent['after']} vs expected {concurrent['expected']})"
            )
            results["concurrent_votes"] = {k: v for k, v in concurrent.items() if k != "voters"}
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_writes:
            log("removing the reviews and votes the run wrote (through the services)")
            results["cleanup"] = remove_writes(run_started, data["vote_pairs"], concurrent)
            log(f"  {results['cleanup']}")

    meta["loadavg_end"] = os.getloadavg()
    results["targets"] = targets(results)
    table = render_table(results)
    if not args.no_drift_check:
        log("recompute_stats --dry-run (every stored aggregate against a recount)")
        check = subprocess.run(
            [sys.executable, "manage.py", "recompute_stats", "--dry-run", "--fail-on-drift", "--no-progress"],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        results["drift_check"] = {"exit_code": check.returncode, "output": check.stdout.strip().splitlines()[-5:]}
        log("  " + " / ".join(results["drift_check"]["output"]))
    results["table"] = table
    header = (
        f"LemonNPie benchmark {meta['started']} (commit {meta['commit']}), {meta['cpus']} CPUs, "
        f"load average {meta['loadavg_start'][0]:.2f} → {meta['loadavg_end'][0]:.2f}; H = {results['h_rps']:.0f} req/s "
        f"(min {min(h_rps):.0f}, max {max(h_rps):.0f} over {len(h_rps)} rounds); "
        f"server: {meta['server']['command']}, {meta['server']['database']}; "
        f"wrk {args.wrk_threads} threads x {args.connections} connections, {args.duration:.0f} s per endpoint; "
        f"latency columns: 1 connection, {args.latency_duration:.0f} s"
    )
    print()
    print(header)
    print()
    print(table)
    (results_dir / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    (results_dir / "latest.md").write_text(header + "\n\n" + table + "\n")
    log(f"raw results: {results_dir / 'latest.json'} and {results_dir / 'wrk'}/")
    return 0 if all(target["met"] for target in results["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
