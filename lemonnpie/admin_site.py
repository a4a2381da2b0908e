from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import Role


class LemonNPieAdminSite(admin.AdminSite):
    site_header = "LemonNPie administration"
    site_title = "LemonNPie admin"
    index_title = "Back office"

    def index(self, request, extra_context=None):
        """Moderators land on the moderation queue; admins get the full index."""
        if getattr(request.user, "role", None) == Role.MODERATOR and "all" not in request.GET:
            return redirect(reverse("admin:reviews_review_changelist") + "?queue=waiting")
        return super().index(request, extra_context)
