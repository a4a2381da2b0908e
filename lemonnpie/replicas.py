"""Read replicas: reads of safe requests go to a healthy, caught-up replica; everything else to the primary.

* `ReplicaRoutingMiddleware` opens a routing scope for each request. Only GET/HEAD/OPTIONS requests of a
  client that has not written lately may read from a replica. A client "wrote lately" when it sends
  the `lnp_primary` cookie (set for `REPLICA_PIN_SECONDS` after any write), when its access token was
  issued less than `REPLICA_PIN_SECONDS` ago (it has just signed up or in), or when its user has the
  short-lived marker in Redis that every write of that user sets. So nobody misses their own review.
* `ReplicaRouter` sends writes to the primary and pins the rest of the request there once anything
  was written (or is about to be: `db_for_write` is asked before every save, update and delete).
  Reads inside a transaction on the primary stay on the primary. Outside a request (Celery tasks,
  management commands, the shell) there is no scope, so everything uses the primary.
* `replica_health` probes each replica at most every `REPLICA_CHECK_SECONDS` per process: a replica
  that cannot be reached, or whose replay is more than `REPLICA_MAX_LAG_SECONDS` behind what it has
  received (`pg_last_xact_replay_timestamp()`), is left out until the next probe. A replica that
  fails during a request is re-probed and the (safe) request is run again on the primary, so a
  replica going down never answers 500/503.
"""

import itertools
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

PRIMARY = DEFAULT_DB_ALIAS
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PIN_COOKIE = "lnp_primary"

# Seconds the replica's replay is behind what it has received; 0 when it has replayed everything it
# received (an idle primary sends nothing, which is not lag), and when it is not in recovery at all.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
END
"""


def replica_aliases() -> list[str]:
    return list(getattr(settings, "REPLICA_DATABASES", []))


@dataclass
class _Scope:
    """What one request may do: read from replicas or not, and what it did."""

    replicas_allowed: bool
    wrote: bool = False
    used: set[str] = field(default_factory=set)


_scope: ContextVar[_Scope | None] = ContextVar("lemonnpie_replica_scope", default=None)


@dataclass
class _Probe:
    healthy: bool
    lag: float | None
    at: float


class ReplicaHealth:
    """Per-process, briefly cached answer to "may reads go to this replica now?"."""

    def __init__(self):
        self._probes: dict[str, _Probe] = {}
        self._lock = threading.Lock()

    def is_healthy(self, alias: str) -> bool:
        probe = self._probes.get(alias)
        if probe is not None and time.monotonic() - probe.at < settings.REPLICA_CHECK_SECONDS:
            return probe.healthy
        if not self._lock.acquire(blocking=False):
            # Another thread is probing: keep the last answer meanwhile (none yet: the primary).
            return probe.healthy if probe is not None else False
        try:
            return self.probe(alias).healthy
        finally:
            self._lock.release()

    def probe(self, alias: str) -> _Probe:
        """Ask the replica how far behind it is, now; unreachable counts as unhealthy."""
        connection = connections[alias]
        try:
            connection.close_if_health_check_failed()
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                lag = float(cursor.fetchone()[0])
        except (OperationalError, InterfaceError):
            connection.close()
            result = _Probe(healthy=False, lag=None, at=time.monotonic())
        else:
            result = _Probe(healthy=lag <= settings.REPLICA_MAX_LAG_SECONDS, lag=lag, at=time.monotonic())
        self._probes[alias] = result
        return result

    def mark_down(self, alias: str) -> None:
        self._probes[alias] = _Probe(healthy=False, lag=None, at=time.monotonic())


replica_health = ReplicaHealth()
_next_replica = itertools.count()


def _pick_replica(scope: _Scope) -> str | None:
    """The next healthy replica, round robin, connected for this request (or None: the primary)."""
    if scope.used:
        return next(iter(scope.used))  # one request reads one replica
    aliases = replica_aliases()
    start = next(_next_replica)
    for offset in range(len(aliases)):
        alias = aliases[(start + offset) % len(aliases)]
        if not replica_health.is_healthy(alias):
            continue
        connection = connections[alias]
        try:
            connection.close_if_health_check_failed()  # a stopped replica breaks kept connections
            connection.ensure_connection()
        except (OperationalError, InterfaceError):
            connection.close()
            replica_health.mark_down(alias)
            continue
        scope.used.add(alias)
        return alias
    return None


class ReplicaRouter:
    """Writes to the primary; reads to a replica only inside a request scope that allows it."""

    def db_for_read(self, model, **hints):
        scope = _scope.get()
        if scope is None or not scope.replicas_allowed or scope.wrote or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return _pick_replica(scope) or PRIMARY

    def db_for_write(self, model, **hints):
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _pin_key(user_id) -> str:
    return f"replica-pin:{user_id}"


def _token_claims(request) -> dict | None:
    """The verified claims of the request's bearer access token, or None (no database access)."""
    header = request.headers.get("Authorization", "")
    kind, _, raw = header.partition(" ")
    if kind != "Bearer" or not raw:
        return None
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.tokens import AccessToken

    try:
        return AccessToken(raw.strip()).payload
    except TokenError:
        return None


def wrote_lately(request) -> bool:
    """Whether this client has written in the last `REPLICA_PIN_SECONDS` (see the module docstring)."""
    if request.COOKIES.get(PIN_COOKIE):
        return True
    claims = _token_claims(request)
    if claims is None:
        return False
    issued = claims.get("iat")
    if isinstance(issued, int | float) and time.time() - issued < settings.REPLICA_PIN_SECONDS:
        return True
    user_id = claims.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])
    return user_id is not None and cache.get(_pin_key(user_id)) is not None


def _remember_write(request, response) -> None:
    seconds = settings.REPLICA_PIN_SECONDS
    user = getattr(request, "user", None)  # DRF puts the token's user here too
    if user is not None and user.is_authenticated:
        cache.set(_pin_key(user.pk), 1, seconds)
    response.set_cookie(PIN_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax", secure=not settings.DEBUG)


class ReplicaRoutingMiddleware:
    """Opens the routing scope of each request (a no-op without replicas)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        safe = request.method in SAFE_METHODS
        scope = _Scope(replicas_allowed=safe and not wrote_lately(request))
        token = _scope.set(scope)
        try:
            response = self.get_response(request)
            if safe and scope.used and response.status_code >= 500 and self._lost_a_replica(scope):
                # A replica failed under this request: answer it again from the primary.
                scope.replicas_allowed, scope.used = False, set()
                response = self.get_response(request)
        finally:
            _scope.reset(token)
        if scope.wrote or not safe:
            _remember_write(request, response)
        return response

    @staticmethod
    def _lost_a_replica(scope: _Scope) -> bool:
        return any(not replica_health.probe(alias).healthy for alias in scope.used)


def read_alias(model) -> str:
    """The alias reads of `model` go to now, for raw SQL that must run where the ORM reads."""
    from django.db import router

    return router.db_for_read(model)
