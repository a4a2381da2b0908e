"""Queue, publish, relay and deliver outbox messages (see `outbox.models.OutboxMessage`).

Why an outbox and not just kombu's publish retry: a retry policy only waits a few seconds inside
the request, and a message that fails after it is gone. Here the job is a database row committed
with the change that needs it, so a broker outage of any length loses nothing: the request answers
at once, the beat job `outbox.tasks.relay` publishes what never reached the broker once it is back
(and republishes what the broker took but nobody ran, e.g. a broker restarted without its data),
and `outbox_deliver` runs each message at most once, however many copies are in the queue.
"""

import importlib
import logging
from datetime import timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from lemonnpie.metrics import OUTBOX
from outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

# Inside a request: a couple of quick tries, then leave the message to the relay.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError as BrokerUnavailable
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (BrokerUnavailable, RedisConnectionError, RedisTimeoutError, OSError)


BROKER_ERRORS = _broker_errors()


def _task(name: str):
    """The registered Celery task `name`, importing its module first if nothing did yet."""
    if name not in current_app.tasks:
        importlib.import_module(name.rpartition(".")[0])
    try:
        return current_app.tasks[name]
    except KeyError:
        raise ValueError(f"Unknown task {name!r}") from None


def outbox_enqueue(*, task: str, kwargs: dict) -> OutboxMessage:
    """Record a job in the current transaction; it is published when that transaction commits
    (and not at all if it rolls back). `kwargs` must be JSON; never put secrets in it."""
    _task(task)  # fail now, in the caller's transaction, on a name that is not a task
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(partial(_queued, message.pk))
    return message


def _queued(message_id: int) -> None:
    OUTBOX.labels(event="queued").inc()
    outbox_publish(message_id=message_id)


def outbox_publish(*, message_id: int, retry_policy: dict | None = None) -> bool:
    """Hand one message to the broker. False (and the message stays pending) when it is down."""
    from outbox.tasks import deliver

    try:
        deliver.apply_async(
            kwargs={"message_id": message_id}, retry=True, retry_policy=retry_policy or PUBLISH_RETRY_POLICY
        )
    except BROKER_ERRORS as exc:
        OUTBOX.labels(event="publish_failed").inc()
        logger.warning("outbox: message %s not published, the relay will retry: %s", message_id, type(exc).__name__)
        _note(message_id, published=False, error=f"publish: {type(exc).__name__}: {exc}")
        return False
    OUTBOX.labels(event="published").inc()
    _note(message_id, published=True)
    return True


def _note(message_id: int, *, published: bool, error: str = "") -> None:
    """Record a publish attempt; best effort (the database may be the thing that is down)."""
    changes: dict[str, object] = {"publish_attempts": F("publish_attempts") + 1}
    if published:
        changes["published_at"] = timezone.now()
    else:
        changes["last_error"] = error[:1000]
    try:
        OutboxMessage.objects.filter(pk=message_id).update(**changes)
    except OperationalError:
        logger.warning("outbox: could not record the publish attempt of message %s", message_id)


def outbox_pending(*, now=None):
    """Messages the relay should publish: undelivered, a few seconds old (the request's own
    publish comes first), and either never published or published long ago without a delivery;
    not those that failed `OUTBOX_MAX_ATTEMPTS` deliveries (left for a person to look at)."""
    now = now or timezone.now()
    settle = timedelta(seconds=settings.OUTBOX_SETTLE_SECONDS)
    republish = timedelta(seconds=settings.OUTBOX_REPUBLISH_AFTER_SECONDS)
    return (
        OutboxMessage.objects.filter(delivered_at__isnull=True, created_at__lte=now - settle)
        .filter(Q(published_at__isnull=True) | Q(published_at__lte=now - republish))
        .filter(delivery_attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
        .order_by("id")
    )


def outbox_relay(*, limit: int = 500, now=None) -> dict:
    """Publish pending messages (stops at the first failure: the broker is still down) and delete
    delivered ones older than `OUTBOX_KEEP_DAYS`. Returns what it did."""
    now = now or timezone.now()
    published = failed = 0
    for message_id in outbox_pending(now=now).values_list("id", flat=True)[:limit]:
        if outbox_publish(message_id=message_id):
            published += 1
        else:
            failed += 1
            break
    horizon = now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    purged, _ = OutboxMessage.objects.filter(delivered_at__lt=horizon).delete()
    return {"published": published, "failed": failed, "purged": purged}


def outbox_deliver(*, message_id: int) -> str:
    """Run one message's task, once: the row is claimed under a lock and marked delivered in the
    same transaction. Another copy of the message arriving meanwhile, or later, does nothing.
    Returns "delivered", "skipped" (done already, or being run right now) or "missing"."""
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
            if message is None:
                exists = OutboxMessage.objects.filter(pk=message_id).exists()
                OUTBOX.labels(event="skipped").inc()
                return "skipped" if exists else "missing"
            if message.delivered_at is not None:
                OUTBOX.labels(event="skipped").inc()
                return "skipped"
            _task(message.task).run(**message.kwargs)
            message.delivered_at = timezone.now()
            message.delivery_attempts += 1
            message.last_error = ""
            message.save(update_fields=["delivered_at", "delivery_attempts", "last_error"])
    except Exception as exc:
        OutboxMessage.objects.filter(pk=message_id).update(
            delivery_attempts=F("delivery_attempts") + 1, last_error=f"deliver: {type(exc).__name__}: {exc}"[:1000]
        )
        raise
    OUTBOX.labels(event="delivered").inc()
    return "delivered"
