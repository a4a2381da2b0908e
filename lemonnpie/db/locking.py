"""Transactions with a short Postgres `lock_timeout`, and lock waits turned into a 409.

Every aggregate writer takes its row locks in one order — movie, then review, then vote, then
the author's user row — so two writers never wait on each other in a cycle. A writer that still
waits longer than `REVIEWS_LOCK_TIMEOUT_MS` (a hot movie on release night) gives up and the
client is told to retry (409 `conflict` with `Retry-After`), instead of piling up connections.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection, transaction

from lemonnpie.api.exceptions import Conflict

DEFAULT_LOCK_TIMEOUT_MS = 2000
RETRY_AFTER_SECONDS = 1
# lock_not_available (lock_timeout expired), deadlock_detected
_RETRYABLE_SQLSTATES = frozenset({"55P03", "40P01"})


class LockTimeout(Conflict):
    """Another writer held the rows too long; nothing was changed and the client may retry."""

    def __init__(self):
        super().__init__(
            "This item is busy right now; nothing was changed. Please retry.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


def lock_timeout_ms() -> int:
    return int(getattr(settings, "REVIEWS_LOCK_TIMEOUT_MS", DEFAULT_LOCK_TIMEOUT_MS))


def is_lock_failure(exc: BaseException) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in _RETRYABLE_SQLSTATES


@contextmanager
def locked_atomic(*, timeout_ms: int | None = None):
    """`transaction.atomic()` whose lock waits are bounded; a timeout or deadlock raises LockTimeout.

    Nested in a caller's transaction it runs as a savepoint and restores the caller's timeout."""
    timeout = f"{int(timeout_ms if timeout_ms is not None else lock_timeout_ms())}ms"
    nested = connection.in_atomic_block
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)", [timeout]
                )
                previous = cursor.fetchone()[0]
            yield
            if nested:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
    except OperationalError as exc:
        if is_lock_failure(exc):
            raise LockTimeout() from exc
        raise
