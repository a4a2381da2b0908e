import logging

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts.models import Role
from lemonnpie.api.exceptions import SERVICE_UNAVAILABLE_ERRORS, ApplicationError

logger = logging.getLogger("lemonnpie.api")


class LemonNPieAdminSite(admin.AdminSite):
    site_header = "LemonNPie administration"
    site_title = "LemonNPie admin"
    index_title = "Back office"

    def index(self, request, extra_context=None):
        """Moderators land on the moderation queue; admins get the full index."""
        if getattr(request.user, "role", None) == Role.MODERATOR and "all" not in request.GET:
            return redirect(reverse("admin:reviews_review_changelist") + "?queue=waiting")
        return super().index(request, extra_context)

    def login(self, request, extra_context=None):
        """Sign-in checks the failed-login throttle in the `security` cache and fails closed when it
        cannot be read (as the API's 503): the admin then shows its login page again with a message,
        answered 503 with `Retry-After`, instead of a server error."""
        try:
            return super().login(request, extra_context)
        except (ApplicationError, *SERVICE_UNAVAILABLE_ERRORS) as error:
            if isinstance(error, ApplicationError) and error.status != 503:
                raise
            logger.warning("admin sign-in unavailable: %s", type(error).__name__)
            context = {
                **self.each_context(request),
                "title": "Log in",
                "site_header": self.site_header,
                "form": AdminAuthenticationForm(request),
                "app_path": request.get_full_path(),
                "username": request.POST.get("username", ""),
                "unavailable_message": "Sign-in is temporarily unavailable. Please try again shortly.",
                **(extra_context or {}),
            }
            response = TemplateResponse(request, "admin/login_unavailable.html", context, status=503)
            response["Retry-After"] = "5"
            return response
