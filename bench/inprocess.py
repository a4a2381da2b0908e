#!/usr/bin/env python
"""In-process cost of the hottest requests: Django's test client in a loop, no network, no server.

    .venv/bin/python bench/inprocess.py [--database-url URL] [--redis-url URL] [--requests 4000]
                                        [--rounds 5] [--profile ping|detail] [--json]

Production settings (DEBUG off, throttles on but never biting, the JSON access log written, to
/dev/null here, request ids and metrics on), the busiest title of the database for the cached
movie detail. Prints the best of `--rounds` rounds in milliseconds per request for:
`GET /api/v1/ping`, the cached movie detail, the same with `Accept-Encoding: gzip`, and its
`If-None-Match` revalidation (304). Targets (issue 15): ping ≤ 0.3 ms, cached detail ≤ 0.4 ms.
`--profile` runs one round of one request under cProfile and prints the top of the profile.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS_MS = {"ping": 0.3, "detail": 0.4}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lnp_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"))
    parser.add_argument("--requests", type=int, default=4000, help="requests per round and path")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=["ping", "detail", "detail_gzip", "detail_304"])
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    return parser.parse_args(argv)


def setup(args) -> None:
    os.environ.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DEBUG="0",
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        THROTTLE_ANON="100000000/min",
        THROTTLE_USER="100000000/min",
        CACHE_KEY_PREFIX="lnpinproc",
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
        DJANGO_SETTINGS_MODULE="lemonnpie.settings",
    )
    sys.path.insert(0, str(ROOT))
    import logging

    import django

    django.setup()
    # The access log stays on and is formatted as in production; only its output is discarded.
    sink = open(os.devnull, "w")  # noqa: SIM115 (lives as long as the process)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)
    from lemonnpie.settle import settle

    settle()  # as a serving process starts (lemonnpie.wsgi)


def hot_movie_id() -> str:
    from catalog.models import Movie

    movie_id = Movie.objects.order_by("-review_count", "id").values_list("id", flat=True).first()
    if movie_id is None:
        sys.exit("The database has no titles: load the bench data (README, Performance) first.")
    return str(movie_id)


def requests(movie_id: str) -> dict:
    from django.test import Client

    client = Client()
    detail = f"/api/v1/movies/{movie_id}"
    first = client.get(detail)
    assert first.status_code == 200, first.content[:200]
    etag = first.get("ETag", "")
    return {
        "ping": lambda: client.get("/api/v1/ping"),
        "detail": lambda: client.get(detail),
        "detail_gzip": lambda: client.get(detail, HTTP_ACCEPT_ENCODING="gzip, deflate, br"),
        "detail_304": lambda: client.get(detail, HTTP_IF_NONE_MATCH=etag) if etag else client.get(detail),
    }


def measure(send, count: int) -> tuple[float, float]:
    """(wall, CPU) milliseconds per request. CPU time is this process's own work; wall time adds
    the waits on Redis (and, on a busy machine, on the scheduler)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        send()
    return (time.perf_counter() - wall) * 1000 / count, (time.process_time() - cpu) * 1000 / count


def main(argv=None) -> dict:
    args = parse_args(argv)
    setup(args)
    paths = requests(hot_movie_id())
    for send in paths.values():  # warm: caches filled, code paths loaded
        measure(send, 200)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(measure, paths[args.profile], args.requests)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(45)
        print(out.getvalue())
        return {}
    rounds = {name: [measure(send, args.requests) for _ in range(args.rounds)] for name, send in paths.items()}
    best = {
        name: {"wall_ms": min(r[0] for r in runs), "cpu_ms": min(r[1] for r in runs)} for name, runs in rounds.items()
    }
    if args.json:
        print(json.dumps({name: {k: round(v, 4) for k, v in ms.items()} for name, ms in best.items()}))
    else:
        print(f"in-process cost, best of {args.rounds} rounds of {args.requests} requests (Django test client)")
        print(f"  {'request':<12} {'wall':>9} {'cpu':>9}")
        for name, ms in best.items():
            target = TARGETS_MS.get(name)
            met = target is not None and ms["wall_ms"] <= target
            verdict = "" if target is None else f"  target ≤ {target} ms: {'met' if met else 'MISSED'}"
            print(f"  {name:<12} {ms['wall_ms']:6.3f} ms {ms['cpu_ms']:6.3f} ms{verdict}")
    return best


if __name__ == "__main__":
    main()
