"""Routes of this app on the one API router (see lemonnpie/api_router.py)."""

from lemonnpie.api.routers import optional_slash_path
from moderation.api import views

urlpatterns = [
    optional_slash_path("admin/moderation", views.ModerationQueueView.as_view(), name="admin-moderation-queue"),
    optional_slash_path(
        rf"admin/moderation/(?P<content_id>{views.UUID_RE})",
        views.ModerationDecisionView.as_view(),
        name="admin-moderation-decide",
    ),
]


def register(router):
    router.register("reports", views.ReportViewSet, basename="report")
    router.register("admin/reports", views.AdminReportViewSet, basename="admin-report")
    router.register("admin/users", views.AdminUserViewSet, basename="admin-user")
    router.register("admin/audit-log", views.AuditLogViewSet, basename="admin-audit-log")
