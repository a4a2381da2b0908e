"""Moderation locks a review through reviews.services.review_lock inside locked_atomic: the same
lock order as every review writer, FOR NO KEY UPDATE, and a busy review is a 409, not a wait."""

import threading

import pytest
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from conftest import client_for
from moderation import services
from reviews.models import ModerationStatus, Review
from reviews.tests.helpers import counted_review


def _report(review):
    return client_for(UserFactory()).post(
        "/api/v1/reports", {"content_type": "review", "content_id": str(review.pk), "reason": "spam"}, format="json"
    )


@pytest.mark.django_db
def test_the_auto_hide_threshold_is_read_at_call_time(settings):
    review = counted_review(user=UserFactory(), movie=MovieFactory(), rating=8)
    settings.MODERATION_AUTO_HIDE_REPORTS = 1
    assert services.auto_hide_reports() == 1
    assert _report(review).status_code == 201
    review.refresh_from_db()
    assert review.moderation_status == ModerationStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_busy_review_answers_409_within_the_lock_timeout(settings):
    settings.REVIEWS_LOCK_TIMEOUT_MS = 200
    review = counted_review(user=UserFactory(), movie=MovieFactory(), rating=8)
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            Review.objects.select_for_update().get(pk=review.pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        response = _report(review)
        assert response.status_code == 409
        assert response.json()["error"] == "conflict" and response["Retry-After"] == "1"
    finally:
        release.set()
        holder.join()
    assert _report(review).status_code == 201  # free again
