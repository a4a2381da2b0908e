"""Routes of this app on the one API router (see lemonnpie/api_router.py)."""

from analytics.api import views
from lemonnpie.api.fastpath import stored_read
from lemonnpie.api.routers import optional_slash_path

urlpatterns = [
    optional_slash_path("ping", stored_read(views.PingView.as_view(), views.ping_read), name="ping"),
    optional_slash_path("admin/dashboard", views.DashboardView.as_view(), name="admin-dashboard"),
    optional_slash_path("admin/analytics", views.AnalyticsView.as_view(), name="admin-analytics"),
]


def register(router):
    pass
