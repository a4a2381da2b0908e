"""`bin/run` for real: stopping it (Ctrl-C to its process group, `kill PID`) stops the embedded
PostgreSQL it started; handles left by killed processes do not keep it running forever; `bin/stop`
stops a server whose users were killed with -9; and a manage.py call prints no XDG warning.

Each test uses its own data directory under ./.data (its own embedded cluster), no DATABASE_URL
and no REDIS_URL, exactly as a newcomer's first `bin/run`."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

from lemonnpie.tests.faultkit import ROOT, wait_for

pytestmark = pytest.mark.slow


def _port() -> int:
    for port in range(18830, 18840):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 18830-18839")


@pytest.fixture
def data_dir():
    path = ROOT / ".data" / f"lifecycle-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    yield path
    postmaster = _postmaster(path)
    if postmaster is not None:  # a failed test must not leave its server behind
        subprocess.run([str(ROOT / "bin" / "stop")], env=_env(path), check=False)
        if postmaster.is_running():
            postmaster.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
            postmaster.wait(30)
    shutil.rmtree(path, ignore_errors=True)


def _env(data: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "XDG_RUNTIME_DIR")}
    return {**env, "LEMONNPIE_DATA_DIR": str(data), "DEBUG": "1", **extra}


def _postmaster(data: Path) -> psutil.Process | None:
    pid_file = data / "pg" / "postmaster.pid"
    try:
        return psutil.Process(int(pid_file.read_text().split()[0]))
    except (FileNotFoundError, ValueError, psutil.NoSuchProcess):
        return None


def _handles(data: Path) -> list[int]:
    path = data / "pg" / ".handle_pids.json"
    return json.loads(path.read_text()) if path.exists() else []


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _start_bin_run(data: Path, log: Path) -> tuple[subprocess.Popen, int]:
    port = _port()
    process = subprocess.Popen(  # its own session: a signal to its group reaches nothing of ours
        [str(ROOT / "bin" / "run")],
        cwd=ROOT,
        env=_env(data, PORT=str(port)),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: _healthy(port) or process.poll() is not None, timeout=420, interval=0.5, what="bin/run")
    except TimeoutError:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    assert process.poll() is None, log.read_text()[-3000:]
    return process, port


def _assert_stopped(process: subprocess.Popen, postmaster: psutil.Process, data: Path, log: Path) -> None:
    process.wait(60)
    postmaster.wait(60)  # raises TimeoutExpired if PostgreSQL is orphaned
    assert _postmaster(data) is None
    assert _handles(data) == [], log.read_text()[-3000:]


def test_stopping_bin_run_stops_its_postgresql_and_the_next_run_recovers(data_dir):
    log = data_dir / "run.log"
    # 1. `kill PID` (SIGTERM to bin/run alone, as a process manager does).
    process, _ = _start_bin_run(data_dir, log)
    postmaster = _postmaster(data_dir)
    assert postmaster is not None and postmaster.is_running()
    process.send_signal(signal.SIGTERM)
    _assert_stopped(process, postmaster, data_dir, log)

    # 2. Stale state: a handle of a process that died without cleaning up (kill -9).
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (data_dir / "pg" / ".handle_pids.json").write_text(json.dumps([dead.pid]))
    # 3. Ctrl-C: SIGINT to the whole foreground process group.
    process, port = _start_bin_run(data_dir, log)
    assert _healthy(port)
    postmaster = _postmaster(data_dir)
    assert dead.pid not in _handles(data_dir)
    os.killpg(process.pid, signal.SIGINT)
    _assert_stopped(process, postmaster, data_dir, log)
    assert "RuntimeDirWarning" not in log.read_text()


def test_bin_stop_stops_a_server_whose_users_were_killed(data_dir):
    shell = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "shell", "-c", "import time; time.sleep(600)"],
        cwd=ROOT,
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    postmaster = wait_for(lambda: _postmaster(data_dir), timeout=120, interval=0.5, what="embedded PostgreSQL")
    wait_for(lambda: shell.pid in _handles(data_dir), timeout=60, interval=0.2, what="the shell's handle")
    refused = subprocess.run([str(ROOT / "bin" / "stop")], env=_env(data_dir), capture_output=True, text=True)
    assert "still used by" in refused.stdout and postmaster.is_running()
    shell.kill()  # -9: no clean-up runs
    shell.wait(10)
    time.sleep(0.5)
    assert postmaster.is_running() and _handles(data_dir) == [shell.pid]
    done = subprocess.run([str(ROOT / "bin" / "stop")], env=_env(data_dir), capture_output=True, text=True)
    assert done.returncode == 0 and "stopped" in done.stdout, done.stdout + done.stderr
    postmaster.wait(30)
    assert "RuntimeDirWarning" not in shell.stdout.read().decode()
