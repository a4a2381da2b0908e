"""A review by a user with 5,000 followers, against real processes: the review is written by the
service in this process, the fan-out runs in a real Celery worker (subprocess) through the outbox
and the broker, and a follower's socket on the real ASGI server gets its notification."""

import asyncio
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from lemonnpie.celery import app as celery_app
from notifications import fanout
from notifications.kinds import Kind
from notifications.models import Notification
from notifications.tests.conftest import publish_review
from notifications.tests.liveserver import access_token, asgi_server, celery_worker, connect, db, next_of, shared_redis
from outbox.models import OutboxMessage
from social.models import Follow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

FOLLOWERS = 5000


@pytest.fixture
def real_celery(settings):
    """This process publishes to the broker instead of running tasks itself."""
    with shared_redis() as url:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        previous = celery_app.conf.broker_url
        celery_app.conf.update(task_always_eager=False, broker_url=settings.CELERY_BROKER_URL or url)
        try:
            yield url
        finally:
            celery_app.conf.update(task_always_eager=True, broker_url=previous)


def author_with_followers(count: int) -> tuple[User, list[User]]:
    author = UserFactory()
    followers = User.objects.bulk_create(
        [User(email=f"follower{i}@example.ng", name=f"Follower {i}", password="!") for i in range(count)]
    )
    Follow.objects.bulk_create([Follow(follower=f, following=author) for f in followers])
    return author, followers


def measured_review(author):
    """Write a review (commit, then the outbox publish); the statements it ran, by kind and table."""
    movie = MovieFactory()
    with CaptureQueriesContext(connection) as queries:
        review = publish_review(author, movie)
    return review, [
        re.sub(r'"s\d+_x\d+"', "<savepoint>", " ".join(q["sql"].split()[:4])) for q in queries.captured_queries
    ]


def test_5000_followers_are_notified_without_slowing_the_review_write(real_celery, settings):
    settings.NOTIFICATIONS_FANOUT_BATCH_SIZE = 500
    author, followers = author_with_followers(FOLLOWERS)
    loner = UserFactory()
    token = access_token(followers[-1])

    with asgi_server(real_celery, port_offset=2) as port, celery_worker(real_celery):

        async def scenario():
            ws = await connect(port, token)
            _, alone = await db(measured_review, loner)
            review, followed = await db(measured_review, author)
            message = await next_of(ws, "notification", timeout=120)
            await ws.close()
            return alone, followed, review, message

        alone, followed, review, message = asyncio.run(scenario())

        def written():
            return Notification.objects.filter(review=review, kind=Kind.FOLLOWED_USER_REVIEWED).count()

        deadline = time.monotonic() + 180
        while written() < FOLLOWERS and time.monotonic() < deadline:
            time.sleep(0.5)

    # The write is the same work with 0 and with 5,000 followers: the fan-out is one outbox row.
    assert followed == alone
    assert written() == FOLLOWERS
    assert message["notification"]["review"]["id"] == str(review.pk)
    batches = OutboxMessage.objects.filter(task=fanout.BATCH_TASK)
    assert batches.count() == FOLLOWERS // 500 and not batches.filter(delivered_at__isnull=True).exists()
