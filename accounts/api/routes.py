"""Routes of this app on the one API router (see lemonnpie/api_router.py)."""

from accounts.api import views
from lemonnpie.api.routers import optional_slash_path

urlpatterns = [
    optional_slash_path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    optional_slash_path("auth/login", views.LoginView.as_view(), name="auth-login"),
    optional_slash_path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    optional_slash_path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    optional_slash_path("auth/forgot-password", views.ForgotPasswordView.as_view(), name="auth-forgot-password"),
    optional_slash_path("auth/reset-password", views.ResetPasswordView.as_view(), name="auth-reset-password"),
    optional_slash_path(
        r"auth/verify-email/(?P<token>[^/]+)", views.VerifyEmailView.as_view(), name="auth-verify-email"
    ),
    optional_slash_path(
        "auth/resend-verification", views.ResendVerificationView.as_view(), name="auth-resend-verification"
    ),
    optional_slash_path("auth/change-password", views.ChangePasswordView.as_view(), name="auth-change-password"),
    # A plain path, matched before the router's `users/{id}` routes.
    optional_slash_path("users/profile", views.ProfileView.as_view(), name="users-profile"),
]


def register(router):
    """No viewsets: every accounts endpoint is a plain view above."""
