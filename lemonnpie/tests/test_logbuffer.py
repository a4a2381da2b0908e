"""The console handler's batched writes (lemonnpie/logbuffer.py): nothing is lost, nothing is
written twice, warnings are never held back, and the request context is the one logged in."""

import io
import logging
import multiprocessing
import os
import time

import pytest
from django.conf import settings

from lemonnpie.logbuffer import BufferedStreamHandler
from lemonnpie.middleware import JSONLogFormatter, RequestIDLogFilter, _request_id
from lemonnpie.tests.test_platform import base_env, run_manage


class CountingStream(io.StringIO):
    def __init__(self):
        super().__init__()
        self.writes = 0

    def write(self, text):
        self.writes += 1
        return super().write(text)


@pytest.fixture
def logger_to():
    made = []

    def make(stream, **options):
        handler = BufferedStreamHandler(stream, **options)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger = logging.getLogger(f"test.logbuffer.{len(made)}.{os.getpid()}")
        logger.propagate = False
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        made.append((logger, handler))
        return logger, handler

    yield make
    for logger, handler in made:
        logger.removeHandler(handler)
        handler.close()


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_lines_wait_until_the_buffer_is_full_then_go_out_in_one_write(logger_to):
    stream = CountingStream()
    logger, _handler = logger_to(stream, buffer_bytes=120, flush_seconds=60)
    for number in range(7):  # 7 lines of 16 characters: 112 bytes wait
        logger.info("line %05d", number)
    assert stream.getvalue() == "" and stream.writes == 0
    logger.info("line %05d", 7)  # 128 bytes: written, in order, at once
    assert stream.writes == 1
    assert stream.getvalue().splitlines() == [f"INFO line {n:05d}" for n in range(8)]


def test_a_warning_is_written_at_once_with_everything_before_it(logger_to):
    stream = CountingStream()
    logger, _handler = logger_to(stream, buffer_bytes=65536, flush_seconds=60)
    logger.info("first")
    logger.info("second")
    assert stream.getvalue() == ""
    logger.warning("trouble")
    assert stream.getvalue().splitlines() == ["INFO first", "INFO second", "WARNING trouble"]
    assert stream.writes == 1


def test_waiting_lines_are_written_by_the_timer(logger_to):
    stream = CountingStream()
    logger, _handler = logger_to(stream, buffer_bytes=65536, flush_seconds=0.05)
    logger.info("soon")
    assert stream.getvalue() == ""
    wait_for(lambda: stream.getvalue() == "INFO soon\n")
    logger.info("again")  # the timer is started once and serves every later batch
    wait_for(lambda: stream.getvalue() == "INFO soon\nINFO again\n")


def test_flush_and_close_write_what_waits(logger_to):
    stream = CountingStream()
    logger, handler = logger_to(stream, buffer_bytes=65536, flush_seconds=60)
    logger.info("one")
    handler.flush()
    assert stream.getvalue() == "INFO one\n"
    logger.info("two")
    handler.close()
    assert stream.getvalue() == "INFO one\nINFO two\n"


def test_buffer_bytes_zero_writes_every_line_at_once(logger_to):
    stream = CountingStream()
    logger, _handler = logger_to(stream, buffer_bytes=0)
    logger.info("a")
    assert stream.getvalue() == "INFO a\n"
    logger.info("b")
    assert stream.writes == 2


def test_a_line_keeps_the_request_id_it_was_logged_with(logger_to):
    stream = CountingStream()
    logger, handler = logger_to(stream, buffer_bytes=65536, flush_seconds=60)
    handler.setFormatter(JSONLogFormatter())
    handler.addFilter(RequestIDLogFilter())
    token = _request_id.set("req-in-flight")
    try:
        logger.info("handled")
    finally:
        _request_id.reset(token)
    handler.flush()  # written later, outside the request
    assert '"request_id":"req-in-flight"' in stream.getvalue()


def test_a_forked_child_does_not_write_its_parents_waiting_lines(tmp_path, logger_to):
    path = tmp_path / "out.log"
    with open(path, "a", buffering=1) as stream:
        logger, handler = logger_to(stream, buffer_bytes=65536, flush_seconds=60)
        logger.info("parent's")
        pid = os.fork()
        if pid == 0:  # the child: writes only its own line
            try:
                logger.info("child's")
                handler.flush()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        assert path.read_text() == "INFO child's\n"
        handler.flush()
    assert path.read_text() == "INFO child's\nINFO parent's\n"


def _log_one_line_and_return(path: str) -> None:
    handler = BufferedStreamHandler(open(path, "a"), buffer_bytes=65536, flush_seconds=60)  # noqa: SIM115
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("test.logbuffer.child")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.info("written on the way out")


def test_a_multiprocessing_child_writes_its_lines_when_it_ends(tmp_path):
    """granian's workers are `multiprocessing` children: they leave through `os._exit`, past atexit
    (and `logging.shutdown`); the handler's finalizer writes what waits."""
    path = tmp_path / "child.log"
    child = multiprocessing.get_context("fork").Process(target=_log_one_line_and_return, args=(str(path),))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert path.read_text() == "written on the way out\n"


def test_the_console_handler_batches_in_production_and_not_in_development():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["class"] == "lemonnpie.logbuffer.BufferedStreamHandler"
    assert handler["buffer_bytes"] == settings.LOG_BUFFER_BYTES
    assert handler["flush_seconds"] == settings.LOG_FLUSH_SECONDS


@pytest.mark.parametrize(("debug", "expected"), [("0", "65536 1.0"), ("1", "0 1.0")])
def test_production_settings_batch_the_console_and_development_settings_do_not(debug, expected):
    code = "from django.conf import settings; print(settings.LOG_BUFFER_BYTES, settings.LOG_FLUSH_SECONDS)"
    env = base_env(
        DEBUG=debug,
        SECRET_KEY="prod-" + "k3y" * 20,
        ALLOWED_HOSTS="api.lemonnpie.ng",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    result = run_manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == expected.split()
