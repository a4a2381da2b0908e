import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.tests.factories import AdminFactory, ModeratorFactory, UserFactory
from catalog.models import Movie
from catalog.tests.factories import MovieFactory
from conftest import client_for
from moderation.models import AuditAction, AuditLogEntry, Report, ReportStatus
from reviews.models import ModerationStatus, Review
from reviews.tests.helpers import counted_review

pytestmark = pytest.mark.django_db


def report(client, review, reason="spam"):
    return client.post(
        "/api/v1/reports", {"content_type": "review", "content_id": str(review.pk), "reason": reason}, format="json"
    )


@pytest.fixture
def movie():
    return MovieFactory()


@pytest.fixture
def review(movie):
    return counted_review(user=UserFactory(), movie=movie, rating=9)


def test_report_flags_review_and_enters_queue(auth_client, moderator_client, review):
    response = report(auth_client, review)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open"
    review.refresh_from_db()
    assert review.is_flagged and review.moderation_status == ModerationStatus.APPROVED
    queue = moderator_client.get("/api/v1/admin/moderation").json()
    assert [item["content_id"] for item in queue["results"]] == [str(review.pk)]
    assert queue["results"][0]["report_count"] == 1
    assert queue["results"][0]["reports"][0]["reason"] == "spam"


def test_reporting_twice_is_409(auth_client, review):
    assert report(auth_client, review).status_code == 201
    second = report(auth_client, review, reason="abuse")
    assert second.status_code == 409 and second.json()["error"] == "conflict"


@pytest.mark.parametrize(
    "body",
    [
        {"content_type": "review", "content_id": "00000000-0000-0000-0000-000000000000", "reason": "spam"},
        {"content_type": "song", "content_id": "00000000-0000-0000-0000-000000000000", "reason": "spam"},
        {"content_type": "movie", "content_id": "not-a-uuid", "reason": "spam"},
        {"content_type": "movie", "reason": "because"},
    ],
)
def test_bad_reports_are_400(auth_client, body):
    response = auth_client.post("/api/v1/reports", body, format="json")
    assert response.status_code == 400 and response.json()["error"] == "validation_error"


def test_report_users_and_movies_but_not_yourself(auth_client, user, other_user, movie):
    for content_type, target in (("user", other_user), ("movie", movie)):
        body = {"content_type": content_type, "content_id": str(target.pk), "reason": "misinformation"}
        assert auth_client.post("/api/v1/reports", body, format="json").status_code == 201
    body = {"content_type": "user", "content_id": str(user.pk), "reason": "other"}
    assert auth_client.post("/api/v1/reports", body, format="json").status_code == 400


def test_anonymous_cannot_report(api_client, review):
    assert report(api_client, review).status_code == 401


def test_reporting_is_throttled_per_user(monkeypatch, auth_client, other_client):
    from lemonnpie.api.throttles import ScopedRateThrottle

    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "reports", "2/hour")
    movies = [MovieFactory() for _ in range(3)]
    answers = [
        auth_client.post(
            "/api/v1/reports", {"content_type": "movie", "content_id": str(m.pk), "reason": "spam"}, format="json"
        ).status_code
        for m in movies
    ]
    assert answers == [201, 201, 429]
    body = {"content_type": "movie", "content_id": str(movies[0].pk), "reason": "spam"}
    assert other_client.post("/api/v1/reports", body, format="json").status_code == 201


def test_three_reporters_hide_the_review_and_its_aggregates_leave(review, movie):
    movie.refresh_from_db()
    assert movie.review_count == 1
    for _ in range(2):
        assert report(client_for(UserFactory()), review).status_code == 201
    movie.refresh_from_db()
    assert movie.review_count == 1
    assert report(client_for(UserFactory()), review).status_code == 201
    review.refresh_from_db()
    movie.refresh_from_db()
    assert review.moderation_status == ModerationStatus.PENDING
    assert (movie.review_count, movie.rating_sum, movie.rating_count_9, movie.lemon_pie_rating) == (0, 0, 0, None)
    assert APIClient().get(f"/api/v1/reviews/{review.pk}").status_code == 404
    assert AuditLogEntry.objects.filter(action=AuditAction.REVIEW_AUTO_HIDDEN, target_id=review.pk).count() == 1


def test_report_flag_queue_reject_hidden_resolve(auth_client, moderator, moderator_client, review, movie):
    report_id = report(auth_client, review).json()["id"]
    decision = moderator_client.post(
        f"/api/v1/admin/moderation/{review.pk}", {"action": "reject", "reason": "Hate speech"}, format="json"
    )
    assert decision.status_code == 200, decision.content
    assert decision.json()["moderation_status"] == "rejected"
    movie.refresh_from_db()
    assert movie.review_count == 0 and movie.lemon_pie_rating is None
    assert APIClient().get(f"/api/v1/reviews/{review.pk}").status_code == 404
    assert moderator_client.get("/api/v1/admin/moderation").json()["count"] == 0
    # The decision does not close the report: it stays on the moderators' to-do list until resolved.
    assert Report.objects.get(pk=report_id).status == ReportStatus.OPEN
    resolved = moderator_client.put(
        f"/api/v1/admin/reports/{report_id}/resolve", {"resolution": "actioned", "note": "removed"}, format="json"
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    again = moderator_client.put(
        f"/api/v1/admin/reports/{report_id}/resolve", {"resolution": "actioned"}, format="json"
    )
    assert again.status_code == 409
    actions = list(AuditLogEntry.objects.order_by("created_at").values_list("action", "actor"))
    assert actions == [(AuditAction.REVIEW_REJECTED, moderator.pk), (AuditAction.REPORT_RESOLVED, moderator.pk)]


def test_approve_restores_a_hidden_review(moderator_client, review, movie):
    for _ in range(3):
        report(client_for(UserFactory()), review)
    response = moderator_client.post(
        f"/api/v1/admin/moderation/{review.pk}", {"action": "approve", "reason": "Fair criticism"}, format="json"
    )
    assert response.status_code == 200
    review.refresh_from_db()
    movie.refresh_from_db()
    assert review.moderation_status == ModerationStatus.APPROVED and not review.is_flagged
    assert movie.review_count == 1 and movie.rating_sum == 9


def test_deciding_twice_is_409_and_unknown_content_404(moderator_client, review):
    url = f"/api/v1/admin/moderation/{review.pk}"
    assert moderator_client.post(url, {"action": "reject", "reason": "x"}, format="json").status_code == 200
    assert moderator_client.post(url, {"action": "reject", "reason": "x"}, format="json").status_code == 409
    missing = moderator_client.post(
        "/api/v1/admin/moderation/00000000-0000-0000-0000-000000000000",
        {"action": "reject", "reason": "x"},
        format="json",
    )
    assert missing.status_code == 404
    assert moderator_client.post("/api/v1/admin/moderation/not-a-uuid", {}, format="json").status_code == 404
    assert moderator_client.post(url, {"action": "burn", "reason": "x"}, format="json").status_code == 400


def test_reports_list_filters_by_status(moderator_client, auth_client, review, movie):
    report(auth_client, review)
    auth_client.post(
        "/api/v1/reports", {"content_type": "movie", "content_id": str(movie.pk), "reason": "other"}, format="json"
    )
    first = Report.objects.order_by("created_at").first()
    moderator_client.put(f"/api/v1/admin/reports/{first.pk}/resolve", {"resolution": "dismissed"}, format="json")
    assert moderator_client.get("/api/v1/admin/reports").json()["count"] == 2
    assert moderator_client.get("/api/v1/admin/reports?status=open").json()["count"] == 1
    assert moderator_client.get("/api/v1/admin/reports?status=resolved").json()["count"] == 1
    assert moderator_client.get("/api/v1/admin/reports?status=bogus").status_code == 400


def test_role_change_admin_only_and_moderators_group(admin_client_api, moderator_client, user):
    url = f"/api/v1/admin/users/{user.pk}/role"
    assert moderator_client.put(url, {"role": "moderator"}, format="json").status_code == 403
    assert admin_client_api.put(url, {"role": "overlord"}, format="json").status_code == 400
    response = admin_client_api.put(url, {"role": "moderator"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "moderator"
    user.refresh_from_db()
    assert user.is_staff and user.groups.filter(name="Moderators").exists()
    admin_client_api.put(url, {"role": "user"}, format="json")
    user.refresh_from_db()
    assert not user.is_staff and not user.groups.exists()
    entry = AuditLogEntry.objects.filter(action=AuditAction.ROLE_CHANGED).order_by("created_at").first()
    assert entry.metadata == {"previous": "user", "role": "moderator"}


def test_last_admin_cannot_demote_or_suspend_themselves(admin_user, admin_client_api):
    own = f"/api/v1/admin/users/{admin_user.pk}"
    assert admin_client_api.put(f"{own}/role", {"role": "user"}, format="json").status_code == 400
    assert admin_client_api.post(f"{own}/suspend", {"reason": "oops"}, format="json").status_code == 400
    second = AdminFactory()
    assert admin_client_api.put(f"{own}/role", {"role": "critic"}, format="json").status_code == 200
    # now `second` is the last admin, and an ex-admin cannot touch them
    assert (
        client_for(second).put(f"/api/v1/admin/users/{second.pk}/role", {"role": "user"}, format="json").status_code
        == 400
    )


def test_suspend_takes_effect_on_next_request_and_revokes_refresh(admin_client_api, user):
    refresh = RefreshToken.for_user(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    assert client.get("/api/v1/users/profile").status_code == 200
    response = admin_client_api.post(f"/api/v1/admin/users/{user.pk}/suspend", {"reason": "spam ring"}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert client.get("/api/v1/users/profile").status_code == 401
    assert APIClient().post("/api/v1/auth/refresh", {"refresh": str(refresh)}, format="json").status_code == 401
    assert (
        admin_client_api.post(
            f"/api/v1/admin/users/{user.pk}/unsuspend", {"reason": "appeal"}, format="json"
        ).status_code
        == 200
    )
    user.refresh_from_db()
    assert user.is_active
    assert list(AuditLogEntry.objects.order_by("created_at").values_list("action", flat=True)) == [
        AuditAction.USER_SUSPENDED,
        AuditAction.USER_UNSUSPENDED,
    ]


def test_admin_user_list_search_and_filters(admin_client_api, admin_user):
    UserFactory(email="chioma@example.ng", name="Chioma Obi")
    ModeratorFactory(name="Tunde Mod")
    UserFactory(name="Gone", is_active=False)
    assert admin_client_api.get("/api/v1/admin/users?search=CHIOMA").json()["count"] == 1
    assert admin_client_api.get("/api/v1/admin/users?search=obi").json()["results"][0]["email"] == "chioma@example.ng"
    assert admin_client_api.get("/api/v1/admin/users?role=moderator").json()["count"] == 1
    assert admin_client_api.get("/api/v1/admin/users?is_active=false").json()["count"] == 1
    assert admin_client_api.get("/api/v1/admin/users?role=king").status_code == 400


def test_audit_log_lists_entries_for_admins(admin_client_api, moderator_client, user):
    admin_client_api.put(
        f"/api/v1/admin/users/{user.pk}/role", {"role": "critic", "reason": "film writer"}, format="json"
    )
    body = admin_client_api.get("/api/v1/admin/audit-log").json()
    assert body["count"] == 1 and body["results"][0]["reason"] == "film writer"
    assert moderator_client.get("/api/v1/admin/audit-log").status_code == 403


ADMIN_ROUTES = [
    # (method, path, moderator allowed)
    ("get", "/api/v1/admin/dashboard", True),
    ("get", "/api/v1/admin/analytics", False),
    ("get", "/api/v1/admin/users", False),
    ("put", "/api/v1/admin/users/{uid}/role", False),
    ("post", "/api/v1/admin/users/{uid}/suspend", False),
    ("post", "/api/v1/admin/users/{uid}/unsuspend", False),
    ("get", "/api/v1/admin/reports", True),
    ("put", "/api/v1/admin/reports/{rid}/resolve", True),
    ("get", "/api/v1/admin/moderation", True),
    ("post", "/api/v1/admin/moderation/{cid}", True),
    ("get", "/api/v1/admin/audit-log", False),
]


@pytest.mark.parametrize(("method", "path", "moderator_allowed"), ADMIN_ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "user", "critic", "moderator", "admin"])
def test_permission_matrix(method, path, moderator_allowed, who, review):
    target = UserFactory()
    a_report = Report.objects.create(reporter=UserFactory(), content_type="review", content_id=review.pk, reason="spam")
    url = path.format(uid=target.pk, rid=a_report.pk, cid=review.pk)
    people = {
        "user": UserFactory,
        "critic": lambda: UserFactory(role=Role.CRITIC),
        "moderator": ModeratorFactory,
        "admin": AdminFactory,
    }
    client = APIClient() if who == "anonymous" else client_for(people[who]())
    response = getattr(client, method)(url, {}, format="json")
    if who == "anonymous":
        assert response.status_code == 401
    elif who in ("user", "critic") or (who == "moderator" and not moderator_allowed):
        assert response.status_code == 403
    else:
        # allowed: the empty body may be refused as invalid, but never for permission reasons
        assert response.status_code in (200, 400), (url, response.content)


def test_moderators_group_has_exactly_the_needed_permissions():
    group = Group.objects.get(name="Moderators")
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert ("reviews", "change_review") in codenames and ("moderation", "view_auditlogentry") in codenames
    assert not any(code.startswith("delete_") for _, code in codenames)
    assert ("accounts", "change_user") not in codenames


def test_list_endpoints_have_fixed_query_counts(moderator_client, admin_client_api, django_assert_num_queries):
    def fill(n):
        for _ in range(n):
            r = counted_review(user=UserFactory(), movie=MovieFactory(), rating=5)
            Review.objects.filter(pk=r.pk).update(is_flagged=True)
            Report.objects.create(reporter=UserFactory(), content_type="review", content_id=r.pk, reason="spam")

    counts = {}
    for n in (2, 40):
        fill(n if n == 2 else n - 2)
        for path, client in (
            ("/api/v1/admin/moderation?page_size=100", moderator_client),
            ("/api/v1/admin/reports?page_size=100", moderator_client),
            ("/api/v1/admin/users?page_size=100", admin_client_api),
        ):
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == 200
            counts.setdefault(path, []).append(len(ctx.captured_queries))
    assert all(a == b for a, b in counts.values()), counts
    assert Movie.objects.count() == 40
