#!/usr/bin/env python
"""LemonNPie load benchmark: `bench/run` (see the README, section "Performance").

1. Picks its inputs from the benchmark database (hot and busy titles, 100k ids for cold detail
   reads, list filters, distinct 3-word searches and misspelt titles, the worst shapes of a
   suggestion query, users following 500+ people, fresh (user, movie) pairs to review and
   (user, review) pairs to vote) and mints their JWTs. With `--peer`, the same kinds of inputs
   from the peer's own database (`../shared/peer`, the seed's FastAPI stack).
2. Counts the SQL queries of every endpoint with Django's test client (CaptureQueriesContext) and
   captures the SQL of a set of searches and suggestions (timed directly in step 4).
3. Starts the application server (`--server`, default the Dockerfile's) with production settings
   (and the peer with its own `run` script), warms up, and runs wrk (`bench/lua/replay.lua`)
   twice per endpoint: a throughput pass with many connections in rounds interleaved with H and
   the peer's same endpoint, and a latency pass over one connection (p50/p95/p99 without queueing
   in front of the server).
4. Times the captured search / suggestion SQL directly with psycopg, each request's statements
   once on the database the run has warmed, as the endpoints' latency passes met them (and
   suggestions with index scans switched off), keeping an EXPLAIN ANALYZE of each.
   Checks that 1,000 concurrent votes on one review leave its counts exact, counts the database
   sessions opened while the measured load ran, prints one table (throughput, LemonNPie/peer,
   share of the baseline **H** of the same run, the load average) with every target, writes
   `bench/results/latest.json`, `bench/results/latest.md` and the wrk outputs, then removes every
   review and vote it wrote through the services (aggregates stay exact; `recompute_stats
   --dry-run` confirms it).
"""

import argparse
import datetime
import http.client
import json
import math
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
# The application servers `--server` can run (README, "Performance": how the default was chosen).
SERVERS = {
    "gthread": "gunicorn lemonnpie.wsgi --worker-class gthread --workers {workers} --threads {threads} --keep-alive 30",
    "sync": "gunicorn lemonnpie.wsgi --worker-class sync --workers {workers}",
    "gevent": "gunicorn lemonnpie.wsgi --worker-class gevent --workers {workers} --worker-connections 1000",
    "uvicorn": "uvicorn lemonnpie.asgi:application --workers {workers} --loop uvloop --http httptools "
    "--timeout-keep-alive 30 --no-access-log",
    # bin/serve's settings (production)
    "granian-wsgi": "granian lemonnpie.wsgi:application --interface wsgi --workers {workers} "
    "--blocking-threads {threads} --blocking-threads-idle-timeout 600 --no-ws --respawn-failed-workers",
    "granian-asgi": "granian lemonnpie.asgi:application --interface asgi --workers {workers} --no-ws",
}
DEFAULT_SERVER = "granian-wsgi"  # bin/serve, the Dockerfile's


# --- configuration --------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lnp_bench")
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8765")))
    parser.add_argument(
        "--server",
        choices=sorted(SERVERS),
        default=os.environ.get("BENCH_SERVER", DEFAULT_SERVER),
        help=f"application server (default {DEFAULT_SERVER}, the Dockerfile's)",
    )
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread, granian)")
    parser.add_argument(
        "--peer",
        action="store_true",
        help="run the seed-stack peer (../shared/peer) side by side, interleaved, and report LemonNPie/peer",
    )
    parser.add_argument("--peer-dir", default=os.environ.get("BENCH_PEER_DIR", str(ROOT.parent / "shared" / "peer")))
    parser.add_argument(
        "--peer-database-url",
        default=os.environ.get("BENCH_PEER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/peer_bench"),
    )
    parser.add_argument("--peer-redis-url", default=os.environ.get("BENCH_PEER_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--peer-port", type=int, default=int(os.environ.get("BENCH_PEER_PORT", "18800")))
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
    parser.add_argument(
        "--no-direct-sql", action="store_true", help="skip timing the search and suggestion SQL directly"
    )
    parser.add_argument("--no-inprocess", action="store_true", help="skip bench/inprocess.py")
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
    busiest = list(
        Movie.objects.order_by("-review_count", "id").values_list("id", "title", "review_count")[:HOT_MOVIES]
    )
    hot_id, hot_title, hot_reviews = busiest[0]
    sample = movie_ids[:24_000]
    texts = []
    for start in range(0, len(sample), 4000):
        texts += list(Movie.objects.filter(pk__in=sample[start : start + 4000]).values_list("title", "plot_summary"))
    searches, typos = searches_and_typos(texts, rng)

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
        "hot_ids": [str(row[0]) for row in busiest],
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


HOT_MOVIES = 300  # the cached-detail pass reads the most-reviewed titles, each cached


def searches_and_typos(texts: list[tuple[str, str]], rng: random.Random) -> tuple[list[str], list[str]]:
    """From (title, plot) pairs: distinct 3-word searches (one word of a title and two of its plot,
    the words a fan remembers) and distinct title starts as typed on a phone, with one typo."""
    texts = list(texts)
    rng.shuffle(texts)
    searches, seen = [], set()
    word = re.compile(r"[^\W\d_]{4,}")
    for title, plot in texts:
        title_words = [w.lower() for w in word.findall(title)]
        plot_words = [w.lower() for w in word.findall(plot or "")]
        if not title_words or len(plot_words) < 2:
            continue
        words = [rng.choice(title_words), *rng.sample(plot_words, 2)]
        if len(set(words)) < 3:
            continue
        query = " ".join(words)
        if query not in seen:
            seen.add(query)
            searches.append(query)
    typos, seen = [], set()
    for title, _plot in texts:
        typed = " ".join(title.split()[:2])[:18].strip()
        if len(typed) < 5:
            continue
        typo = misspell(typed, rng)
        if typo.casefold() != typed.casefold() and typo not in seen:
            seen.add(typo)
            typos.append(typo)
    return searches, typos


def pathological_suggestions(rng: random.Random, count: int) -> dict[str, list[str]]:
    """The worst shapes of `q` for suggestions (issue 15, item 5), each request distinct:
    ~40 random 4-letter words (199 characters), one 199-letter word, and one or two very common
    short words (`the s`, `the the the`: a third of the catalogue matches)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    common = ["the", "of", "and", "my", "a", "in", "to", "love", "man", "life"]
    shapes = {"suggest_words": set(), "suggest_long": set(), "suggest_common": set()}
    while len(shapes["suggest_words"]) < count:
        shapes["suggest_words"].add(" ".join("".join(rng.choices(letters, k=4)) for _ in range(40)))
    while len(shapes["suggest_long"]) < count:
        shapes["suggest_long"].add("".join(rng.choices(letters, k=199)))
    while len(shapes["suggest_common"]) < count:
        words = rng.choices(common, k=rng.randint(1, 3))
        shapes["suggest_common"].add(" ".join([*words, "".join(rng.choices(letters, k=rng.randint(0, 2)))]).strip())
    return {key: sorted(values, key=lambda _: rng.random()) for key, values in shapes.items()}


def pick_peer_inputs(database_url: str, rng: random.Random, *, cold_ids: int = 100_000) -> dict:
    """The peer's inputs by the same recipes, from its own database (`../shared/peer/schema.sql`):
    its most-reviewed titles, its ids, searches and typos from its titles and plots."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        movie_ids = [str(row[0]) for row in conn.execute("SELECT id FROM movies ORDER BY id")]
        rng.shuffle(movie_ids)
        hot = [
            str(row[0])
            for row in conn.execute(
                "SELECT movie_id FROM reviews WHERE moderation_status = 'approved' "
                "GROUP BY movie_id ORDER BY count(*) DESC, movie_id LIMIT %s",
                [HOT_MOVIES],
            )
        ]
        texts = conn.execute(
            "SELECT title, coalesce(plot_summary, '') FROM movies WHERE id = ANY(%s::uuid[])", [movie_ids[:24_000]]
        ).fetchall()
    searches, typos = searches_and_typos(texts, rng)
    return {"movie_ids": movie_ids[:cold_ids], "hot_ids": hot, "searches": searches, "typos": typos}


def list_filters(database_urls: list[str], rng: random.Random, count: int = 200) -> list[str]:
    """`count` list queries both servers answer alike: a genre, a year or both (each present in
    every database with 100+ titles), page 1-3."""
    import psycopg

    genres, years = None, None
    for url in database_urls:
        with psycopg.connect(url, autocommit=True) as conn:
            found_genres = {
                row[0] for row in conn.execute("SELECT genre FROM movie_genres GROUP BY 1 HAVING count(*) >= 100")
            }
            found_years = {
                int(row[0])
                for row in conn.execute(
                    "SELECT extract(year FROM release_date)::int FROM movies WHERE release_date IS NOT NULL "
                    "GROUP BY 1 HAVING count(*) >= 100"
                )
            }
        genres = found_genres if genres is None else genres & found_genres
        years = found_years if years is None else years & found_years
    genres, years = sorted(genres), sorted(years)
    queries = []
    for _ in range(count):
        kind = rng.random()
        query = {}
        if kind < 0.4:
            query["genre"] = rng.choice(genres)
        elif kind < 0.8:
            query["year"] = rng.choice(years)
        else:
            query["genre"], query["year"] = rng.choice(genres), rng.choice(years)
        query["page"] = rng.choice((1, 1, 1, 2, 3)) if len(query) == 1 else 1
        queries.append(urllib.parse.urlencode(query))
    return queries


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
    """Every measured endpoint: its request lines (METHOD, PATH, TOKEN, BODY), split into slices;
    `peer_lines` are the same kind of requests for the peer (`--peer`), from its own data."""
    inputs = data["inputs"]
    peer = data.get("peer")
    hot = data["hot"]["id"]
    api = "/api/v1"
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

    def get(paths):
        return [("GET", path, "", "") for path in paths]

    def details(ids):
        return get(f"{api}/movies/{movie_id}" for movie_id in ids)

    def lists(queries, extra=""):
        return get(f"{api}/movies?{query}{extra}" for query in queries)

    def searches(texts):
        return get(f"{api}/movies/search?q={q(text)}" for text in texts)

    def suggestions(texts):
        return get(f"{api}/movies/suggestions?q={q(text)}" for text in texts)

    def both(lnp, theirs):
        return {"lines": lnp, **({"peer_lines": theirs} if peer else {})}

    endpoints = [
        {
            "key": "H",
            "label": "H: GET /ping (baseline; peer: GET /hello)",
            **both(get([f"{api}/ping"]), get(["/hello"])),
        },
        {
            "key": "detail_hot",
            "label": f"movie detail, cached ({len(data['hot_ids'])} busiest)",
            "warm_set": True,
            **both(details(data["hot_ids"]), peer and details(peer["hot_ids"])),
        },
        {
            "key": "detail_cold",
            "label": "movie detail, cold",
            "cold": "movie",
            **both(details(data["movie_ids"]), peer and details(peer["movie_ids"])),
        },
        {
            "key": "list_20",
            "label": "movies ?genre/year (20 rows)",
            "warm_set": True,
            **both(lists(data["list_queries"]), lists(data["list_queries"])),
        },
        {
            "key": "list_100",
            "label": "same, page_size=100",
            "warm_set": True,
            **both(lists(data["list_queries"], "&page_size=100"), lists(data["list_queries"], "&page_size=100")),
        },
        {
            "key": "search_warm",
            "label": "search, cached answers (400 queries)",
            "warm_set": True,
            **both(searches(data["warm_searches"]), peer and searches(peer["warm_searches"])),
        },
        {
            "key": "search",
            "label": "search, 3 words, uncached",
            "cold": "search",
            **both(searches(data["searches"]), peer and searches(peer["searches"])),
        },
        {
            "key": "suggest",
            "label": "suggestions, typo, uncached",
            "cold": "suggest",
            **both(suggestions(data["typos"]), peer and suggestions(peer["typos"])),
        },
        {
            "key": "suggest_words",
            "label": "suggestions, 40 random 4-letter words",
            "cold": "suggest",
            "lines": suggestions(data["pathological"]["suggest_words"]),
        },
        {
            "key": "suggest_long",
            "label": "suggestions, one 199-letter word",
            "cold": "suggest",
            "lines": suggestions(data["pathological"]["suggest_long"]),
        },
        {
            "key": "suggest_common",
            "label": "suggestions, common short words",
            "cold": "suggest",
            "lines": suggestions(data["pathological"]["suggest_common"]),
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
    return endpoints


def split(lines: list, repeatable: bool) -> dict:
    """Disjoint slices per use, so no pass re-sends what an earlier one sent (a single repeatable
    request, or a warm set of requests, is shared by every pass)."""
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
        for line in probes:  # warm: a hot endpoint is measured with its cache filled
            _send(client, line)
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


_NO_BUDGET = re.compile(r"(set_config\('statement_timeout', )'\d+'")


def time_sql(
    database_url: str, statement_sets: list[list[str]], *, index_off: bool = False, warm: bool = True
) -> list[float]:
    """Milliseconds to run each set of statements (one request's SQL) over a plain psycopg
    connection, after one untimed pass over all of them (`warm`)."""
    import psycopg

    timings = []
    if index_off:  # the cost without the index, not cut short by the request's time budget
        statement_sets = [
            [_NO_BUDGET.sub(r"\1'0'", statement) for statement in statements] for statements in statement_sets
        ]
    with psycopg.connect(database_url, autocommit=True) as conn:
        if index_off:
            for setting in ("enable_bitmapscan", "enable_indexscan", "enable_indexonlyscan"):
                conn.execute(f"SET {setting} = off")
        for statements in statement_sets if warm else ():  # the buffers warm, as for the server's run
            try:
                for statement in statements:
                    _run(conn, statement)
            except psycopg.errors.QueryCanceled:
                conn.execute("ROLLBACK")
        for statements in statement_sets:
            started = time.perf_counter()
            try:
                for statement in statements:
                    _run(conn, statement)
            except psycopg.errors.QueryCanceled:
                # The request's own statement_timeout (the suggestions' time budget) ended it here,
                # as it would have ended the request: timed up to that point.
                conn.execute("ROLLBACK")
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


INPROCESS = ROOT / "bench" / "inprocess.py"
# In-process cost targets (issue 15), milliseconds per request with the Django test client.
INPROCESS_TARGETS = {"ping": 0.3, "detail": 0.4}


def inprocess(args) -> dict | None:
    """`bench/inprocess.py --json` (the in-process cost of ping and of a cached detail, Django's
    test client in a loop), on the same database and Redis, before the server starts."""
    if not INPROCESS.exists() or args.no_inprocess:
        return None
    log("in-process cost (bench/inprocess.py)")
    done = subprocess.run(
        [
            sys.executable,
            str(INPROCESS),
            "--json",
            "--database-url",
            args.database_url,
            "--redis-url",
            args.redis_url,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        log(f"  failed: {done.stderr.strip()[-500:]}")
        return {"error": done.stderr.strip()[-2000:]}
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    log("  " + ", ".join(f"{name} {value['wall_ms']:.3f} ms" for name, value in measured.items()))
    return measured


# --- the server ---------------------------------------------------------------------------------------


class Server:
    def __init__(self, args, env: dict, log_path: Path):
        self.args, self.env, self.log_path = args, env, log_path
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.args.port}"

    def command(self) -> list[str]:
        args = self.args
        words = SERVERS[args.server].format(workers=args.workers, threads=args.threads).split()
        words[0] = str(Path(sys.executable).parent / words[0])
        if words[0].endswith("gunicorn"):
            return [*words, "--bind", f"127.0.0.1:{args.port}", "--backlog", "4096", "--timeout", "120"]
        if words[0].endswith("uvicorn"):
            return [*words, "--host", "127.0.0.1", "--port", str(args.port), "--backlog", "4096"]
        return [*words, "--host", "127.0.0.1", "--port", str(args.port), "--backlog", "4096", "--log-level", "warning"]

    def start(self) -> None:
        env = {**os.environ, **self.env}
        self.log_handle = self.log_path.open("w")
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdout=self.log_handle, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.args.server} exited ({self.process.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/ping", timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise SystemExit(f"{self.args.server} did not answer within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if getattr(self, "log_handle", None):
            self.log_handle.close()


class PeerServer:
    """The seed-stack peer, started and stopped by its own scripts (`<peer dir>/run` and `stop`:
    2 uvicorn workers, its Redis DB flushed at each start, so it starts cold as LemonNPie does)."""

    def __init__(self, args, log_path: Path, scratch: Path):
        self.args, self.log_path = args, log_path
        self.dir = Path(args.peer_dir)
        self.run_script = self.dir / "run"
        self.env = {
            **os.environ,
            "PORT": str(args.peer_port),
            "PEER_PIDFILE": str(scratch / "peer.pid"),
            "PEER_LOG": str(log_path),
            "PEER_REDIS_URL": args.peer_redis_url,
            "PEER_DATABASE_URL": "postgresql+asyncpg://" + args.peer_database_url.split("://", 1)[1],
        }
        if not self.run_script.exists():
            raise SystemExit(f"no peer at {self.dir} (set BENCH_PEER_DIR or --peer-dir)")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.args.peer_port}"

    def start(self) -> None:
        started = subprocess.run([str(self.run_script)], env=self.env, capture_output=True, text=True)
        if started.returncode:
            raise SystemExit(f"the peer did not start: {started.stderr.strip()[-2000:]}")

    def stop(self) -> None:
        subprocess.run([str(self.dir / "stop")], env=self.env, capture_output=True, text=True)


def peer_counts(database_url: str) -> dict:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("movies", "reviews", "users")
        }


def warm_all(url: str, lines: list, workers: int = 8) -> list[int]:
    """Send each GET line once (so a warm set is cached before it is measured); the statuses."""
    import concurrent.futures

    def fetch(line):
        try:
            with urllib.request.urlopen(url + line[1], timeout=120) as response:  # noqa: S310 (http://127.0.0.1)
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return -1

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fetch, lines))


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
    load_before = os.getloadavg()[0]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    load_after = os.getloadavg()[0]
    if out is not None:
        out.write_text(" ".join([*command[:-4], url]) + "\n\n" + result.stdout + result.stderr)
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON "))
    stats = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = stats["duration_us"] / 1e6
    stats["rps"] = round(stats["requests"] / seconds, 1) if seconds else 0.0
    stats["load"] = {"before": load_before, "after": load_after, "mean": (load_before + load_after) / 2}
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
        # the 1-minute load average around each run (the machine is shared)
        "load": {
            "mean": sum(run["load"]["mean"] for run in runs) / len(runs),
            "max": max(max(run["load"]["before"], run["load"]["after"]) for run in runs),
        },
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


def settle_database() -> None:
    """`VACUUM (ANALYZE)` the bench database: the rows a run wrote and took back leave dead tuples
    in the tables its reads scan (movies, reviews) until autovacuum gets there, and a run that met
    them measured uncached search at 0.6x the peer where a settled database gives 0.95x."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    log(f"VACUUM (ANALYZE) of the bench database: {time.perf_counter() - started:.1f} s")


# --- report -------------------------------------------------------------------------------------------------------


def ms(us) -> str:
    return f"{us / 1000:.1f}"


# LemonNPie/peer throughput floors per endpoint (issue 15): every read path at least the peer's,
# the fixed-JSON baseline at least half of the peer's hello.
PEER_TARGETS = {
    "H": 0.5,
    "detail_hot": 1.0,
    "detail_cold": 1.0,
    "list_20": 1.0,
    "list_100": 1.0,
    "search_warm": 1.0,
    "search": 1.0,
    "suggest": 1.0,
}
# Writes before issue 15 (review POST ~128/s, vote ~220/s), less 10% for a shared machine's noise.
WRITE_FLOORS = {"review_create": 115, "vote": 200}


def targets(results: dict) -> list[dict]:
    e = results["endpoints"]
    sql = results.get("sql", {})
    out = []

    def add(name, ok, measured):
        out.append({"target": name, "met": bool(ok), "measured": measured})

    # Read paths against the seed-stack peer (`--peer`): absolute ratios of throughput.
    for key in PEER_TARGETS:
        peer = e.get(key, {}).get("peer")
        if peer:
            floor = PEER_TARGETS[key]
            add(
                f"{e[key]['label']}: LemonNPie/peer ≥ {floor:.1f}",
                peer["ratio"] >= floor,
                f"{peer['ratio']:.2f} ({e[key]['throughput']['rps']:.0f} vs {peer['throughput']['rps']:.0f} req/s)",
            )
    if "detail_cold" in e:
        q = e["detail_cold"]["queries"]["queries"]
        add("cold detail ≤ 3 queries", q <= 3, f"{q} queries")
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
    slow = {key: e[key]["latency"]["latency_us"]["p99"] / 1000 for key in e if key.startswith("suggest")}
    if slow:
        worst = max(slow, key=slow.get)
        add(
            "every suggestion query p99 ≤ 100 ms (typos, 40 words, one long word, common words)",
            slow[worst] <= 100,
            ", ".join(f"{key} {value:.1f} ms" for key, value in slow.items()),
        )
    if "feed" in e:
        lat = e["feed"]["latency"]
        p95, p99 = lat["latency_us"]["p95"] / 1000, lat["latency_us"]["p99"] / 1000
        add(
            "feed (follows 500-1000) p95 ≤ 50 ms, p99 ≤ 250 ms cold",
            p95 <= 50 and p99 <= 250 and lat["repeats"] == 0,
            f"{p95:.1f} / {p99:.1f} ms",
        )
    for key, floor in WRITE_FLOORS.items():
        if key in e:
            rps = e[key]["throughput"]["rps"]
            add(f"{e[key]['label']} ≥ {floor} req/s (no regression)", rps >= floor, f"{rps:.0f} req/s")
    if "vote" in e:
        exact = results.get("concurrent_votes", {}).get("exact")
        sent = results.get("concurrent_votes", {}).get("votes_sent", 0)
        add(f"{sent:,} concurrent votes on one review exact", exact, f"exact={exact}")
    measured = results.get("inprocess") or {}
    for name, limit in INPROCESS_TARGETS.items():
        if name in measured:
            wall = measured[name]["wall_ms"]
            add(f"in-process {name} ≤ {limit} ms (test client)", wall <= limit, f"{wall:.3f} ms")
    conns = results.get("connections")
    if conns:
        new, allowed = conns["new_sessions"], conns.get("recycles_allowed", 0)
        replaced = new == conns["new_backends_alive"] and conns["backends_at_start"] == conns["backends_at_end"]
        add(
            "zero new DB connections per request (steady state: only CONN_MAX_AGE's replacements)",
            new == 0 or (replaced and new <= allowed),
            f"{new} new in {conns['requests']} requests over {conns.get('seconds', 0):.0f} s"
            + (f", each replacing one at its CONN_MAX_AGE (at most {allowed})" if new and replaced else ""),
        )
    return out


def recycles_allowed(args, env: dict, seconds: float) -> int:
    """Persistent connections the server may replace in `seconds` (one per worker thread per
    `CONN_MAX_AGE`); none with a pool, whose connections live as long as the server."""
    max_age = int(env.get("CONN_MAX_AGE") or 0)
    if max_age <= 0:
        return 0
    threads = args.workers * (args.threads if args.server in ("gthread", "granian-wsgi") else 1)
    return threads * math.ceil(seconds / max_age)


def render_table(results: dict) -> str:
    """One row per endpoint: LemonNPie's throughput, the peer's beside it and their ratio (with
    --peer), H beside it, latency over one connection, queries, and the load average."""
    peer = any("peer" in row for row in results["endpoints"].values())
    head = "| endpoint | req/s |"
    rule = "|---|---:|"
    if peer:
        head += " peer req/s | LemonNPie/peer | p99 ms peer |"
        rule += "---:|---:|---:|"
    head += " H beside it | vs H | p50 ms | p95 ms | p99 ms | p99 ms under load | queries/req | load |"
    rule += "---:|---:|---:|---:|---:|---:|---:|---:|"
    lines = [head, rule]
    for row in results["endpoints"].values():
        t, lat = row["throughput"], row["latency"]["latency_us"]
        note = ""
        if t["errors"]["status"] or row["latency"]["errors"]["status"]:
            note = f" ⚠ {t['errors']['status'] + row['latency']['errors']['status']} non-2xx"
        if row.get("cold") and (t["repeats"] or row["latency"]["repeats"]):
            note += f" ({t['repeats'] + row['latency']['repeats']} repeats)"
        cells = f"| {row['label']}{note} | {t['rps']:.0f} |"
        if peer:
            theirs = row.get("peer")
            if theirs:
                pt = theirs["throughput"]
                flag = f" ⚠ {pt['errors']['status']} non-2xx" if pt["errors"]["status"] else ""
                cells += (
                    f" {pt['rps']:.0f}{flag} | **{theirs['ratio']:.2f}** |"
                    f" {ms(theirs['latency']['latency_us']['p99'])} |"
                )
            else:
                cells += " - | - | - |"
        cells += (
            f" {row['paired_h']['rps']:.0f} | {row['ratio']:.0%} | "
            f"{ms(lat['p50'])} | {ms(lat['p95'])} | {ms(lat['p99'])} | {ms(t['latency_us']['p99'])} | "
            f"{row['queries']['queries']} | {t['load']['mean']:.1f} |"
        )
        lines.append(cells)
    lines.append("")
    lines.append("| target | measured | met |")
    lines.append("|---|---|---|")
    for target in results["targets"]:
        lines.append(f"| {target['target']} | {target['measured']} | {'yes' if target['met'] else '**NO**'} |")
    return "\n".join(lines)


def prepare(args, rng: random.Random, meta: dict) -> tuple[dict, list[dict], Path]:
    """Pick the inputs (and the peer's, with --peer), build the endpoints (only those of
    `args.only`, and H) and write their request files into a scratch directory."""
    settle_database()
    log("picking inputs")
    data = pick_inputs(rng)
    # Disjoint query sets: 400 searches answered from the cache (warmed first), 200 for the
    # direct-SQL timing, the rest for the uncached runs (each sent once).
    data["warm_searches"] = data["searches"][:400]
    data["sql_searches"] = data["searches"][-200:]
    data["searches"] = data["searches"][400:-200]
    data["sql_typos"] = data["typos"][-200:]
    data["typos"] = data["typos"][:-200]
    data["pathological"] = pathological_suggestions(rng, 4000)
    if args.peer:
        log(f"picking the peer's inputs from {args.peer_database_url}")
        data["peer"] = peer = pick_peer_inputs(args.peer_database_url, rng)
        peer["warm_searches"], peer["searches"] = peer["searches"][:400], peer["searches"][400:]
        meta["peer"] = {
            "dir": str(Path(args.peer_dir).resolve()),
            "database": args.peer_database_url,
            "counts": peer_counts(args.peer_database_url),
        }
        log(f"  peer database: {meta['peer']['counts']}")
    data["list_queries"] = list_filters([args.database_url] + ([args.peer_database_url] if args.peer else []), rng)
    endpoints = build_endpoints(data, rng)
    if args.only:
        endpoints = [endpoint for endpoint in endpoints if endpoint["key"] in {"H", *args.only}]
    scratch = Path(tempfile.mkdtemp(prefix="lnp-bench-"))
    for endpoint in endpoints:
        for side in ("lines", "peer_lines"):
            if side not in endpoint:
                continue
            prefix = "peer-" if side == "peer_lines" else ""
            lines = endpoint[side]
            slices = split(lines, len(lines) == 1 or endpoint.get("warm_set", False))
            endpoint[f"{prefix}slices"] = slices
            endpoint[f"{prefix}files"] = {
                name: write_lines(scratch / f"{prefix}{endpoint['key']}-{name}.tsv", part)
                for name, part in slices.items()
            }
        peer_note = f", peer {len(endpoint['peer_lines'])}" if "peer_lines" in endpoint else ""
        log(f"  {endpoint['key']}: {len(endpoint['lines'])} distinct request(s){peer_note}")
    return data, endpoints, scratch


# --- main -----------------------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (bench/run installs it with apt-get)")
    if args.peer and not (Path(args.peer_dir) / "run").exists():
        raise SystemExit(f"no peer at {args.peer_dir} (set BENCH_PEER_DIR or --peer-dir)")
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
            "name": args.server,
            "command": SERVERS[args.server].format(workers=args.workers, threads=args.threads),
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

    data, endpoints, scratch = prepare(args, rng, meta)

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
    peer_server = PeerServer(args, results_dir / "peer.log", scratch) if args.peer else None
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
        if not args.no_direct_sql and (not args.only or {"search", "suggest"} & set(args.only)):
            log("capturing the search and suggestion SQL for the direct timing")
            forget("search")
            forget("suggest")
            captured = capture_sql(data)
        connection.close()
        results["inprocess"] = inprocess(args)

        log(f"starting {meta['server']['command']}")
        server.start()
        if peer_server:
            log(f"starting the peer: {peer_server.run_script} (port {args.peer_port})")
            peer_server.start()
        sides = [("lnp", server.url, "")] + ([("peer", peer_server.url, "peer-")] if peer_server else [])
        # Warm-up of the whole server: every endpoint for a moment, so every worker thread has
        # imported, connected and cached what steady state has (the measured runs start after).
        log(f"warm-up: every endpoint for {args.warmup:.0f} s")
        for endpoint in endpoints:
            for _side, url, prefix in sides:
                if f"{prefix}files" in endpoint:
                    run_wrk(
                        url,
                        endpoint[f"{prefix}files"]["prewarm"],
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
            own = [(side, url, prefix) for side, url, prefix in sides if f"{prefix}files" in endpoint]
            for side, url, prefix in own:
                if endpoint.get("warm_set"):
                    statuses = warm_all(url, endpoint["peer_lines" if side == "peer" else "lines"])
                    failed = sum(1 for status in statuses if not 200 <= status < 300)
                    log(f"{endpoint['label']}: {side} warmed with each of {len(statuses)} requests ({failed} non-2xx)")
                log(f"{endpoint['label']}: {side} warm-up {args.warmup:.0f} s")
                run_wrk(
                    url,
                    endpoint[f"{prefix}files"]["warm"],
                    threads=args.wrk_threads,
                    connections=args.connections,
                    duration=args.warmup,
                    out=None,
                )
            # Throughput: `rounds` rounds of H, this endpoint and (with --peer) the peer's, each for
            # duration / rounds seconds, so H and the peer are measured right beside every endpoint
            # and a change of load (other jobs on the machine) weighs on every side alike; the
            # order of the two servers alternates per round. Each round of a cold endpoint sends its
            # own part of the requests, never one sent before.
            parts = {
                side: split_rounds(endpoint[f"{prefix}slices"]["throughput"], args.rounds) for side, _, prefix in own
            }
            slice_seconds = args.duration / args.rounds
            h_rounds, rounds = [], {side: [] for side, _, _ in own}
            for number in range(1, args.rounds + 1):
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
                order = own if number % 2 else own[::-1]
                for side, url, prefix in order:
                    if key == "H" and side == "lnp":
                        continue
                    if side == "lnp":
                        forget(endpoint.get("cold"))
                    rounds[side].append(
                        run_wrk(
                            url,
                            write_lines(scratch / f"{prefix}{key}-round{number}.tsv", parts[side][number - 1]),
                            threads=args.wrk_threads,
                            connections=args.connections,
                            duration=slice_seconds,
                            out=results_dir / "wrk" / f"{prefix}{key}-round{number}.txt",
                        )
                    )
            throughput = combine(rounds["lnp"] or h_rounds)
            paired_h = combine(h_rounds)
            latency = {}
            for side, url, prefix in own:
                if side == "lnp":
                    forget(endpoint.get("cold"))
                latency[side] = run_wrk(
                    url,
                    endpoint[f"{prefix}files"]["latency"],
                    threads=1,
                    connections=1,
                    duration=args.latency_duration,
                    out=results_dir / "wrk" / f"{prefix}{key}-latency.txt",
                )
            requests_measured += (
                throughput["requests"] + latency["lnp"]["requests"] + (paired_h["requests"] if rounds["lnp"] else 0)
            )
            peer_result = None
            if "peer" in rounds:
                peer_result = {"throughput": combine(rounds["peer"]), "latency": latency["peer"]}
                peer_result["ratio"] = throughput["rps"] / peer_result["throughput"]["rps"]
            log(
                f"  {throughput['rps']:.0f} req/s beside H {paired_h['rps']:.0f} req/s "
                f"({throughput['rps'] / paired_h['rps']:.0%}; non-2xx {throughput['errors']['status']}, "
                f"repeats {throughput['repeats']}); "
                f"1 connection: p50 {ms(latency['lnp']['latency_us']['p50'])} "
                f"p95 {ms(latency['lnp']['latency_us']['p95'])} "
                f"p99 {ms(latency['lnp']['latency_us']['p99'])} ms; load {throughput['load']['mean']:.2f}"
            )
            if peer_result:
                log(
                    f"  peer {peer_result['throughput']['rps']:.0f} req/s "
                    f"(non-2xx {peer_result['throughput']['errors']['status']}): LemonNPie/peer "
                    f"{peer_result['ratio']:.2f}; peer 1 connection p99 {ms(latency['peer']['latency_us']['p99'])} ms"
                )
            h_runs.extend(h_rounds)
            results["endpoints"][key] = {
                "label": endpoint["label"],
                "example": endpoint["lines"][0][1],
                "cold": bool(endpoint.get("cold")),
                "throughput": throughput,
                "paired_h": paired_h,
                "ratio": throughput["rps"] / paired_h["rps"] if paired_h["rps"] else 0.0,
                "latency": latency["lnp"],
                "queries": endpoint["queries"],
                "loadavg": os.getloadavg(),
                **({"peer": peer_result} if peer_result else {}),
            }
        ended = sessions.read()
        measured_seconds = (ended["at"] - baseline_sessions["at"]).total_seconds()
        results["connections"] = {
            "new_sessions": ended["sessions"] - baseline_sessions["sessions"],
            "new_backends_alive": sessions.started_since(baseline_sessions["at"]),
            "backends_at_start": baseline_sessions["backends"],
            "backends_at_end": ended["backends"],
            "requests": requests_measured,
            "seconds": measured_seconds,
            # Each persistent connection is replaced once per CONN_MAX_AGE (Django closes it at the
            # end of the first request past that age): one per worker thread per period, at most.
            "recycles_allowed": recycles_allowed(args, env, measured_seconds),
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
            try:
                results["sql"] = direct_sql(args, captured)
            except Exception as error:  # a late failure must not lose the run's numbers
                results["sql_error"] = repr(error)
                log(f"  direct SQL timing failed: {error!r}")
            else:
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
        if peer_server:
            peer_server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep_writes:
            log("removing the reviews and votes the run wrote (through the services)")
            results["cleanup"] = remove_writes(run_started, data["vote_pairs"], concurrent)
            log(f"  {results['cleanup']}")
            settle_database()

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
        + (
            f"peer: {meta['peer']['dir']} on its own database ({meta['peer']['counts']}), interleaved round by round; "
            if "peer" in meta
            else ""
        )
        + f"wrk {args.wrk_threads} threads x {args.connections} connections, {args.duration:.0f} s per endpoint; "
        f"latency columns: 1 connection, {args.latency_duration:.0f} s; load: the 1-minute load average "
        "during the endpoint's runs (the machine is shared with other jobs)"
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
