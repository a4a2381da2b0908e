"""The outbox: a job exists exactly when its transaction commits, survives a broker outage and
runs once however often it is published."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from accounts.tests.factories import UserFactory
from lemonnpie.metrics import OUTBOX
from lemonnpie.testing import run_in_threads
from outbox import services, tasks
from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

MAIL = "accounts.tasks.send_templated_email"
KWARGS = {"to": "ada@example.ng", "subject": "Hello", "template": "password_changed", "context": {"name": "Ada"}}


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "apply_async", refuse)


def test_a_job_is_published_and_delivered_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_enqueue(task=MAIL, kwargs=KWARGS)
        assert mail.outbox == []  # nothing before the commit
    message.refresh_from_db()
    assert message.published_at is not None and message.delivered_at is not None
    assert (message.publish_attempts, message.delivery_attempts) == (1, 1)
    assert [m.subject for m in mail.outbox] == ["Hello"]


def test_a_rolled_back_transaction_leaves_no_job(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.outbox_enqueue(task=MAIL, kwargs=KWARGS)
        raise RuntimeError("the change failed")
    assert callbacks == [] and not OutboxMessage.objects.exists() and mail.outbox == []


def test_unknown_tasks_are_refused_at_once():
    with pytest.raises(ValueError, match="Unknown task"):
        services.outbox_enqueue(task="accounts.tasks.no_such_task", kwargs={})


def test_broker_down_keeps_the_job_and_the_relay_sends_it_later(django_capture_on_commit_callbacks, monkeypatch):
    failed_before = OUTBOX.labels(event="publish_failed")._value.get()
    with monkeypatch.context() as patch:
        patch.setattr(tasks.deliver, "apply_async", _refuse)
        with django_capture_on_commit_callbacks(execute=True):
            message = services.outbox_enqueue(task=MAIL, kwargs=KWARGS)
        message.refresh_from_db()
        assert message.published_at is None and message.publish_attempts == 1
        assert "OperationalError" in message.last_error
        assert OUTBOX.labels(event="publish_failed")._value.get() == failed_before + 1
        later = timezone.now() + timedelta(seconds=30)
        assert services.outbox_relay(now=later) == {"published": 0, "failed": 1, "purged": 0}
    assert mail.outbox == []
    # The broker is back: the next relay publishes it, the worker delivers it, once.
    assert services.outbox_relay(now=timezone.now() + timedelta(seconds=30))["published"] == 1
    assert len(mail.outbox) == 1
    assert services.outbox_relay(now=timezone.now() + timedelta(hours=1))["published"] == 0


def _refuse(*args, **kwargs):
    raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_the_relay_waits_for_the_requests_own_publish_and_for_lost_messages(settings):
    settings.OUTBOX_SETTLE_SECONDS, settings.OUTBOX_REPUBLISH_AFTER_SECONDS = 5, 600
    now = timezone.now()
    fresh = OutboxMessage.objects.create(task=MAIL, kwargs=KWARGS, created_at=now)
    unpublished = OutboxMessage.objects.create(task=MAIL, kwargs=KWARGS, created_at=now - timedelta(seconds=10))
    in_flight = OutboxMessage.objects.create(
        task=MAIL, kwargs=KWARGS, created_at=now - timedelta(minutes=2), published_at=now - timedelta(minutes=2)
    )
    lost = OutboxMessage.objects.create(
        task=MAIL, kwargs=KWARGS, created_at=now - timedelta(hours=1), published_at=now - timedelta(minutes=11)
    )
    dead = OutboxMessage.objects.create(
        task=MAIL, kwargs=KWARGS, created_at=now - timedelta(hours=1), delivery_attempts=settings.OUTBOX_MAX_ATTEMPTS
    )
    pending = set(services.outbox_pending(now=now).values_list("id", flat=True))
    assert pending == {unpublished.pk, lost.pk}
    assert {fresh.pk, in_flight.pk, dead.pk}.isdisjoint(pending)


def test_delivery_runs_once_however_often_it_is_published():
    message = OutboxMessage.objects.create(task=MAIL, kwargs=KWARGS)
    assert [services.outbox_deliver(message_id=message.pk) for _ in range(3)] == ["delivered", "skipped", "skipped"]
    assert services.outbox_deliver(message_id=10**12) == "missing"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_deliveries_of_one_message_send_one_mail():
    message = OutboxMessage.objects.create(task=MAIL, kwargs=KWARGS)
    results = []
    errors = run_in_threads(lambda _: results.append(services.outbox_deliver(message_id=message.pk)), 6)
    assert not errors, errors
    assert sorted(results) == ["delivered"] + ["skipped"] * 5
    assert len(mail.outbox) == 1


def test_a_failing_job_is_recorded_and_raised_for_celery_to_retry(monkeypatch):
    message = OutboxMessage.objects.create(task=MAIL, kwargs=KWARGS)

    def smtp_down(*args, **kwargs):
        raise ConnectionRefusedError("smtp refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", smtp_down)
    with pytest.raises(ConnectionRefusedError):
        services.outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.delivered_at is None and message.delivery_attempts == 1
    assert "ConnectionRefusedError" in message.last_error


def test_relay_purges_old_delivered_messages(settings):
    settings.OUTBOX_KEEP_DAYS = 7
    now = timezone.now()
    OutboxMessage.objects.create(task=MAIL, kwargs=KWARGS, delivered_at=now - timedelta(days=8))
    kept = OutboxMessage.objects.create(task=MAIL, kwargs=KWARGS, delivered_at=now - timedelta(days=1))
    assert services.outbox_relay(now=now)["purged"] == 1
    assert list(OutboxMessage.objects.values_list("id", flat=True)) == [kept.pk]


def test_relay_command(broker_down):
    OutboxMessage.objects.create(task=MAIL, kwargs=KWARGS, created_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("outbox_relay", "--dry-run", stdout=out)
    assert "1 message(s) waiting" in out.getvalue()
    call_command("outbox_relay", stdout=out)
    assert "published 0, failed 1" in out.getvalue()


def test_registration_stores_no_token_in_the_outbox(api_client, django_capture_on_commit_callbacks, broker_down):
    """The verification link is made by the worker when it mails it: the outbox row holds the
    user's id, never a token, and the request still answers 201 with the broker down."""
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_client.post(
            "/api/v1/auth/register",
            {"email": "new@example.ng", "password": "Ofada-rice-and-ayamase-1", "name": "New"},
            format="json",
        )
    assert answer.status_code == 201
    message = OutboxMessage.objects.get()
    assert message.task == "accounts.tasks.verification_mail"
    assert message.kwargs == {"user_id": answer.json()["user"]["id"]}
    assert message.delivered_at is None and mail.outbox == []
    assert services.outbox_deliver(message_id=message.pk) == "delivered"
    assert "/verify-email/" in mail.outbox[0].body


def test_a_role_change_to_critic_queues_its_sync_through_the_outbox(django_capture_on_commit_callbacks):
    from moderation.services import user_set_role

    admin, person = UserFactory(role="admin"), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        user_set_role(user_id=person.pk, role="critic", actor=admin)
    message = OutboxMessage.objects.get(task="reviews.tasks.review_author_role_sync")
    assert message.kwargs == {"user_id": str(person.pk)} and message.delivered_at is not None
