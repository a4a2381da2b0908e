import threading

import pytest
from django.core.cache import caches

from accounts.throttles import WindowCounter, parse_rate


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("20/5min", (20, 300)),
        ("30/min", (30, 60)),
        ("300/m", (300, 60)),
        ("5/hour", (5, 3600)),
        ("2/3hours", (2, 10800)),
        ("1/s", (1, 1)),
        ("10/sec", (10, 1)),
        ("100/day", (100, 86400)),
        (" 7 / 10 mins ", (7, 600)),
    ],
)
def test_rates_are_parsed_with_multipliers(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["20", "x/min", "20/fortnight", "20/5", ""])
def test_bad_rates_are_refused(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


def test_counter_blocks_at_the_limit_and_tells_how_long_to_wait():
    counter = WindowCounter("test:block", limit=3, duration=300)
    start = 3000.0  # the start of a window
    for _ in range(3):
        assert not counter.blocked(start)
        counter.hit(start)
    assert counter.blocked(start + 10)
    wait = counter.wait(start + 10)
    assert wait == pytest.approx(290)  # to the end of this window; then 3 * (1 - g) < 3 at once
    assert not counter.blocked(start + 10 + wait + 1)


def test_the_previous_window_slides_out_gradually():
    counter = WindowCounter("test:slide", limit=4, duration=100)
    for _ in range(4):
        counter.hit(1050.0)  # the middle of window 10
    # At 20% into window 11, 80% of window 10 still counts: 3.2 < 4.
    assert counter.estimate(1120.0) == pytest.approx(3.2)
    assert not counter.blocked(1120.0)
    counter.hit(1120.0)
    assert counter.blocked(1120.0)  # 1 + 3.2 >= 4
    # It frees up when 1 + 4 * (1 - f) < 4, i.e. f > 0.25: at 1125.
    assert counter.wait(1120.0) == pytest.approx(5)
    assert not counter.blocked(1126.0)


def test_counters_are_separate_per_key():
    WindowCounter("test:a", limit=1, duration=60).hit(600.0)
    assert WindowCounter("test:a", limit=1, duration=60).blocked(600.0)
    assert not WindowCounter("test:b", limit=1, duration=60).blocked(600.0)


def test_parallel_hits_are_never_lost():
    """DRF's list-based throttles lose updates under concurrency; an atomic incr does not."""
    counter = WindowCounter("test:parallel", limit=1000, duration=3600)
    now = 7200.0
    barrier = threading.Barrier(10)

    def hit_many():
        barrier.wait()
        for _ in range(20):
            WindowCounter("test:parallel", limit=1000, duration=3600).hit(now)

    threads = [threading.Thread(target=hit_many) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert counter.estimate(now) == 200


def test_counters_live_in_the_security_cache():
    WindowCounter("test:where", limit=5, duration=60).hit(120.0)
    assert caches["security"].get("test:where:2") == 1
    assert caches["default"].get("test:where:2") is None


DEAD_SECURITY = {
    "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",
    "KEY_PREFIX": "sec",
    "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
}


def test_the_auth_counters_fail_closed_with_503_when_redis_is_unreachable(settings):
    from lemonnpie.api.exceptions import ApplicationError

    settings.CACHES = {**settings.CACHES, "security": DEAD_SECURITY}
    counter = WindowCounter("login_failures:203.0.113.7", limit=5, duration=60)
    for act in (counter.acquire, counter.reset):
        with pytest.raises(ApplicationError) as raised:
            act()
        assert raised.value.status == 503 and raised.value.error == "service_unavailable"
        assert raised.value.headers["Retry-After"] == "5"


def test_the_counter_survives_a_redis_that_lost_its_scripts():
    from django_redis import get_redis_connection

    counter = WindowCounter("script-flush-test", limit=10, duration=60)
    assert counter.acquire(now=1000.0).current == 1
    get_redis_connection("security").script_flush()
    decision = counter.acquire(now=1000.0)
    assert decision.allowed and decision.current == 2  # loaded again, counted once


def test_a_connection_gone_stale_while_idle_is_replaced_before_sending():
    import socket

    from django_redis import get_redis_connection

    from lemonnpie import ratelimit

    counter = WindowCounter("stale-connection-test", limit=10, duration=60)
    assert counter.acquire(now=1000.0).current == 1
    held = ratelimit._connection(get_redis_connection("security"))
    held._sock.shutdown(socket.SHUT_RDWR)  # as a server restart or an idle timeout leaves it
    held._sock.close()
    decision = counter.acquire(now=1000.0)
    assert decision.allowed and decision.current == 2


def test_a_command_lost_after_it_was_sent_is_not_sent_again():
    """The server dropped the connection: the send may still succeed, the read fails. The script
    may have counted, so the failure is reported (503 for the auth counters) rather than re-sent;
    the next call opens a new connection."""
    from django_redis import get_redis_connection

    from lemonnpie import ratelimit
    from lemonnpie.api.exceptions import ApplicationError

    counter = WindowCounter("lost-reply-test", limit=10, duration=60)
    assert counter.acquire(now=1000.0).current == 1
    redis = get_redis_connection("security")
    held = ratelimit._connection(redis)
    held.send_command("CLIENT", "ID")
    client_id = held.read_response()
    redis.client_kill_filter(_id=client_id)
    with pytest.raises(ApplicationError):
        counter.acquire(now=1000.0)
    assert counter.acquire(now=1000.0).current == 2  # the lost one never reached the script


@pytest.mark.timeout(60)  # a hang guard: the command must end at its socket timeout
def test_a_redis_that_stops_answering_ends_the_command_at_its_socket_timeout(settings):
    """The counters' connection keeps its timeout in the kernel (`ratelimit._kernel_timed`: a
    blocking socket with SO_RCVTIMEO/SO_SNDTIMEO, no poll() before each call); a Redis that stops
    answering still fails the command (503 for the auth counters) instead of holding the request,
    and the next command, once it answers again, goes through on a new connection."""
    import os
    import signal
    import socket

    from django_redis import get_redis_connection

    from lemonnpie import ratelimit
    from lemonnpie.api.exceptions import ApplicationError
    from lemonnpie.tests.faultkit import ThrowawayRedis

    server = ThrowawayRedis("stopped")
    server.start()
    try:
        options = {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.25}
        settings.CACHES = {
            **settings.CACHES,
            "security": {**DEAD_SECURITY, "LOCATION": server.url(), "OPTIONS": options},
        }
        counter = WindowCounter("stopped-redis-test", limit=10, duration=60)
        assert counter.acquire(now=1000.0).current == 1
        sock = ratelimit._connection(get_redis_connection("security"))._sock
        assert sock.gettimeout() is None  # blocking: the kernel keeps the timeout
        for option in (socket.SO_RCVTIMEO, socket.SO_SNDTIMEO):  # set (all zeros would mean "wait for ever")
            assert sock.getsockopt(socket.SOL_SOCKET, option, 16) != bytes(16)
        os.kill(server.process.pid, signal.SIGSTOP)
        try:
            with pytest.raises(ApplicationError) as raised:
                counter.acquire(now=1000.0)
            assert raised.value.status == 503
        finally:
            os.kill(server.process.pid, signal.SIGCONT)
        assert counter.acquire(now=1000.0).allowed
    finally:
        server.destroy()


def test_tls_connections_keep_pythons_timeouts():
    from redis.connection import Connection, SSLConnection

    from lemonnpie import ratelimit

    assert ratelimit._kernel_timed(SSLConnection) is SSLConnection
    assert issubclass(ratelimit._kernel_timed(Connection), Connection)
