#!/usr/bin/env python
"""Application servers side by side: `bench/servers` (README, "Performance": the server).

Starts every server of `--servers` at once (each on its own port, idle while the others are
measured), then for each endpoint runs `--rounds` rounds in which every server in turn gets the
same kind of load for `--duration / --rounds` seconds (wrk, 16 connections; the order rotates per
round), so a change of load from other jobs on the machine weighs on all of them alike; then a
latency pass over one connection per server. Cold endpoints give each server its own requests,
never sent before. Prints req/s and p99 per server and endpoint, each as a ratio to the first
server, with the load average, and writes `<results>/servers.json` and `servers.md`.
It reuses bench/run.py's inputs, endpoints, server start-up and wrk runs.
"""

import argparse
import datetime
import json
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # bench/run.py, beside this file

# A greenlet (gevent) or a thread of asgiref's (ASGI) per request: with persistent connections each
# would keep its own (the ASGI servers reached PostgreSQL's 100 connections in seconds); pooled.
POOLED = {"gevent", "uvicorn", "granian-asgi"}
DEFAULT_ONLY = ["detail_hot", "detail_cold", "list_20", "search_warm", "search", "suggest"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default="gthread,sync,gevent,uvicorn,granian-wsgi,granian-asgi")
    parser.add_argument("--first-port", type=int, default=int(os.environ.get("BENCH_PORT", "8765")))
    parser.add_argument("--workers", type=int, default=2, help="processes of every server")
    parser.add_argument("--threads", type=int, default=4, help="threads per process (gthread, granian-wsgi)")
    parser.add_argument("--sync-workers", type=int, default=5, help="processes of gunicorn sync (2 x cores + 1)")
    parser.add_argument("--pool", type=int, default=4, help="psycopg pool per process of gevent and the ASGI servers")
    parser.add_argument("--duration", type=float, default=12, help="seconds per endpoint and server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-duration", type=float, default=4)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", action="append", default=[], help=f"endpoint keys (default {DEFAULT_ONLY} and H)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--results", default=str(bench.RESULTS))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (bench/run installs it with apt-get)")
    names = args.servers.split(",")
    unknown = set(names) - set(bench.SERVERS)
    if unknown:
        raise SystemExit(f"unknown servers {sorted(unknown)}; known: {sorted(bench.SERVERS)}")
    base = bench.parse_args(["--only", "x"])  # the bench's defaults (database, Redis, slices)
    base.only = args.only or DEFAULT_ONLY
    base.peer = False
    env = bench.bench_env(base)
    bench.django_setup(env)
    results_dir = Path(args.results)
    (results_dir / "wrk-servers").mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    meta = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": "bench/servers " + " ".join(sys.argv[1:] if argv is None else argv),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=bench.ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "loadavg_start": os.getloadavg(),
        "servers": {},
    }
    _data, endpoints, scratch = bench.prepare(base, rng, meta)
    from django.db import connection

    connection.close()
    servers = []
    try:
        for index, name in enumerate(names):
            server_args = argparse.Namespace(
                **{
                    **vars(base),
                    "server": name,
                    "port": args.first_port + index,
                    "workers": args.sync_workers if name == "sync" else args.workers,
                    "threads": args.threads,
                }
            )
            server_env = dict(env)
            if name in POOLED:
                server_env.update(DB_POOL_MAX_SIZE=str(args.pool), CONN_MAX_AGE="0")
            server = bench.Server(server_args, server_env, results_dir / f"server-{name}.log")
            bench.log(f"starting {name}: {' '.join(server.command()[1:])}")
            server.start()
            servers.append((name, server))
            meta["servers"][name] = " ".join(["…/" + Path(server.command()[0]).name, *server.command()[1:]])
        results = {}
        for endpoint in endpoints:
            key = endpoint["key"]
            lines = endpoint["lines"]
            warm_set = len(lines) == 1 or endpoint.get("warm_set", False)
            for _name, server in servers:
                if warm_set and len(lines) > 1:
                    bench.warm_all(server.url, lines)
                bench.run_wrk(
                    server.url,
                    endpoint["files"]["warm"],
                    threads=2,
                    connections=args.connections,
                    duration=args.warmup,
                    out=None,
                )
            # Each server's own requests for a cold endpoint: the throughput slice cut per round and server.
            count = len(servers)
            if warm_set:  # the same requests for everyone
                parts = [endpoint["slices"]["throughput"]] * (args.rounds * count)
                latency_parts = [endpoint["slices"]["latency"]] * count
            else:
                parts = bench.split_rounds(endpoint["slices"]["throughput"], args.rounds * count)
                latency_parts = bench.split_rounds(endpoint["slices"]["latency"], count)
            runs = {name: [] for name, _ in servers}
            for number in range(args.rounds):
                order = servers[number % count :] + servers[: number % count]
                for name, server in order:
                    position = number * count + names.index(name)
                    bench.forget(endpoint.get("cold"))
                    runs[name].append(
                        bench.run_wrk(
                            server.url,
                            bench.write_lines(scratch / f"{name}-{key}-{number}.tsv", parts[position]),
                            threads=2,
                            connections=args.connections,
                            duration=args.duration / args.rounds,
                            out=results_dir / "wrk-servers" / f"{name}-{key}-round{number + 1}.txt",
                        )
                    )
            row = {}
            for name, server in servers:
                bench.forget(endpoint.get("cold"))
                latency = bench.run_wrk(
                    server.url,
                    bench.write_lines(scratch / f"{name}-{key}-latency.tsv", latency_parts[names.index(name)]),
                    threads=1,
                    connections=1,
                    duration=args.latency_duration,
                    out=results_dir / "wrk-servers" / f"{name}-{key}-latency.txt",
                )
                row[name] = {"throughput": bench.combine(runs[name]), "latency": latency}
            results[key] = {"label": endpoint["label"], "servers": row}
            bench.log(
                f"{endpoint['label']}: "
                + ", ".join(
                    f"{name} {cell['throughput']['rps']:.0f} req/s "
                    f"(p99 {bench.ms(cell['latency']['latency_us']['p99'])} ms, "
                    f"non-2xx {cell['throughput']['errors']['status']})"
                    for name, cell in row.items()
                )
                + f"; load {os.getloadavg()[0]:.1f}"
            )
    finally:
        for _name, server in servers:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    meta["loadavg_end"] = os.getloadavg()
    table = render(names, results)
    header = (
        f"Application servers {meta['started']} (commit {meta['commit']}), {os.cpu_count()} CPUs, load average "
        f"{meta['loadavg_start'][0]:.1f} → {meta['loadavg_end'][0]:.1f}; {args.rounds} interleaved rounds of "
        f"{args.duration / args.rounds:.0f} s per server and endpoint, wrk 2 threads x {args.connections} "
        f"connections; p99: {args.latency_duration:.0f} s over one connection; ratio: req/s against {names[0]}"
    )
    servers_list = "\n".join(f"- `{name}`: `{command}`" for name, command in meta["servers"].items())
    (results_dir / "servers.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2, default=str))
    (results_dir / "servers.md").write_text(f"{header}\n\n{servers_list}\n\n{table}\n")
    print(f"\n{header}\n\n{servers_list}\n\n{table}")
    return 0


def render(names: list[str], results: dict) -> str:
    lines = [
        "| endpoint | " + " | ".join(f"{name} req/s (ratio) / p99 ms" for name in names) + " | load |",
        "|---|" + "---:|" * (len(names) + 1),
    ]
    for row in results.values():
        first = row["servers"][names[0]]["throughput"]["rps"]
        cells = []
        for name in names:
            cell = row["servers"][name]
            t = cell["throughput"]
            bad = f" ⚠ {t['errors']['status']} non-2xx" if t["errors"]["status"] else ""
            cells.append(
                f"{t['rps']:.0f} ({t['rps'] / first:.2f}) / {bench.ms(cell['latency']['latency_us']['p99'])}{bad}"
            )
        load = sum(row["servers"][name]["throughput"]["load"]["mean"] for name in names) / len(names)
        lines.append(f"| {row['label']} | " + " | ".join(cells) + f" | {load:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
