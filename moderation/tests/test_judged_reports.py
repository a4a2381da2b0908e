"""Auto-hide counts only reports no moderator has judged; nobody reports or judges their own content."""

import pytest
from django.test import override_settings

from accounts.tests.factories import ModeratorFactory, UserFactory
from catalog.tests.factories import MovieFactory
from conftest import client_for
from moderation.models import AuditAction, AuditLogEntry, Report
from reviews.models import ModerationStatus
from reviews.tests.helpers import counted_review

pytestmark = pytest.mark.django_db


def report(client, review):
    body = {"content_type": "review", "content_id": str(review.pk), "reason": "spam"}
    return client.post("/api/v1/reports", body, format="json")


def decide(client, review, action="approve"):
    return client.post(f"/api/v1/admin/moderation/{review.pk}", {"action": action, "reason": "ok"}, format="json")


@pytest.fixture
def review():
    return counted_review(user=UserFactory(), movie=MovieFactory(), rating=7)


def test_an_approval_is_not_undone_by_one_more_report(review, moderator_client):
    for _ in range(3):
        assert report(client_for(UserFactory()), review).status_code == 201
    review.refresh_from_db()
    assert review.moderation_status == ModerationStatus.PENDING
    assert decide(moderator_client, review).status_code == 200

    assert report(client_for(UserFactory()), review).status_code == 201
    review.refresh_from_db()
    assert review.moderation_status == ModerationStatus.APPROVED and review.is_flagged
    # Two more fresh reporters make three reports since the approval: hidden again.
    for _ in range(2):
        assert report(client_for(UserFactory()), review).status_code == 201
    review.refresh_from_db()
    assert review.moderation_status == ModerationStatus.PENDING
    assert AuditLogEntry.objects.filter(action=AuditAction.REVIEW_AUTO_HIDDEN, target_id=review.pk).count() == 2


def test_resolved_reports_do_not_count_toward_auto_hide(review, moderator_client):
    first = [report(client_for(UserFactory()), review).json()["id"] for _ in range(2)]
    for report_id in first:
        url = f"/api/v1/admin/reports/{report_id}/resolve"
        assert moderator_client.put(url, {"resolution": "dismissed"}, format="json").status_code == 200
    assert report(client_for(UserFactory()), review).status_code == 201
    review.refresh_from_db()
    assert review.moderation_status == ModerationStatus.APPROVED


@override_settings(MODERATION_AUTO_HIDE_REPORTS=1)
def test_the_auto_hide_threshold_is_read_from_settings_when_reporting(review):
    assert report(client_for(UserFactory()), review).status_code == 201
    review.refresh_from_db()
    assert review.moderation_status == ModerationStatus.PENDING


def test_an_author_cannot_report_their_own_review(review):
    response = report(client_for(review.user), review)
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
    assert not Report.objects.exists()
    review.refresh_from_db()
    assert not review.is_flagged


def test_a_moderator_cannot_decide_on_their_own_review():
    moderator = ModeratorFactory()
    own = counted_review(user=moderator, movie=MovieFactory(), rating=2)
    for _ in range(3):
        report(client_for(UserFactory()), own)
    response = decide(client_for(moderator), own)
    assert response.status_code == 403 and response.json()["error"] == "permission_denied"
    own.refresh_from_db()
    assert own.moderation_status == ModerationStatus.PENDING
    assert decide(client_for(ModeratorFactory()), own).status_code == 200


def test_a_moderator_cannot_resolve_reports_about_their_own_content():
    moderator = ModeratorFactory()
    own = counted_review(user=moderator, movie=MovieFactory(), rating=2)
    about_review = report(client_for(UserFactory()), own).json()["id"]
    about_user = (
        client_for(UserFactory())
        .post(
            "/api/v1/reports",
            {"content_type": "user", "content_id": str(moderator.pk), "reason": "abuse"},
            format="json",
        )
        .json()["id"]
    )
    for report_id in (about_review, about_user):
        url = f"/api/v1/admin/reports/{report_id}/resolve"
        response = client_for(moderator).put(url, {"resolution": "dismissed"}, format="json")
        assert response.status_code == 403, response.content
        assert client_for(ModeratorFactory()).put(url, {"resolution": "dismissed"}, format="json").status_code == 200
