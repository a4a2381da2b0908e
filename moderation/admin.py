from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from accounts.admin import UserAdmin
from accounts.models import Role, User
from lemonnpie.api.exceptions import ApplicationError
from moderation import selectors, services
from moderation.models import AuditLogEntry, Report, Resolution
from reviews.admin import ReviewAdmin
from reviews.models import Review


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "content_type", "content_id", "reason", "reporter", "status", "resolution"]
    list_filter = ["status", "reason", "content_type", "resolution"]
    search_fields = ["details", "reporter__email", "content_id"]
    list_select_related = ["reporter", "resolved_by"]
    readonly_fields = [f.name for f in Report._meta.fields]
    actions = ["resolve_actioned", "resolve_dismissed"]
    ordering = ["created_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _resolve(self, request, queryset, resolution):
        done = 0
        for report in queryset:
            try:
                services.report_resolve(
                    report_id=report.pk, resolution=resolution, note="Resolved in the admin.", actor=request.user
                )
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"{report}: {error.message}", messages.WARNING)
        self.message_user(request, f"{done} report(s) resolved as {resolution}.", messages.SUCCESS)

    @admin.action(description="Resolve: actioned", permissions=["change"])
    def resolve_actioned(self, request, queryset):
        self._resolve(request, queryset, Resolution.ACTIONED)

    @admin.action(description="Resolve: dismissed", permissions=["change"])
    def resolve_dismissed(self, request, queryset):
        self._resolve(request, queryset, Resolution.DISMISSED)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target_type", "target_id", "reason"]
    list_filter = ["action", "target_type"]
    search_fields = ["reason", "actor__email", "target_id"]
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in AuditLogEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Reviews and users, as moderators and admins work on them ---------------------------------
# The reviews and accounts apps register plain admins; here they gain the moderation actions,
# which go through moderation.services so every decision is audited and aggregates stay exact.


class ModerationQueueFilter(admin.SimpleListFilter):
    title = "moderation queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("waiting", "Waiting for a decision")]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(selectors.moderation_queue_filter()).order_by("created_at", "id")
        return queryset


class ModerationReviewAdmin(ReviewAdmin):
    list_display = (*ReviewAdmin.list_display, "report_count")
    list_filter = (ModerationQueueFilter, *ReviewAdmin.list_filter)

    def get_queryset(self, request):
        reports = (
            Report.objects.filter(content_type="review", content_id=OuterRef("pk"))
            .order_by()
            .values("content_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        return super().get_queryset(request).annotate(reports_total=Coalesce(Subquery(reports), 0))

    @admin.display(description="reports", ordering="reports_total")
    def report_count(self, review):
        return review.reports_total

    def _decide(self, request, queryset, action):
        done = 0
        for review in queryset.select_related(None).order_by("created_at", "id").only("pk"):
            try:
                services.moderation_decide(
                    review_id=review.pk, action=action, reason="Decided in the Django admin.", actor=request.user
                )
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"Review {review.pk}: {error.message}", messages.WARNING)
        verb = {"approve": "approved", "reject": "rejected"}[action]
        self.message_user(request, f"{done} review(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Approve selected reviews (visible and counted again)", permissions=["change"])
    def approve_reviews(self, request, queryset):
        self._decide(request, queryset, "approve")

    @admin.action(description="Reject selected reviews (hidden everywhere)", permissions=["change"])
    def reject_reviews(self, request, queryset):
        self._decide(request, queryset, "reject")


class ModerationUserAdmin(UserAdmin):
    """Role and active changes made in the admin go through the audited services."""

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            if obj.role == Role.MODERATOR:
                services.sync_moderator_group(obj)
            return
        new_role, new_active = obj.role, obj.is_active
        obj.role, obj.is_active = form.initial.get("role", obj.role), form.initial.get("is_active", obj.is_active)
        super().save_model(request, obj, form, change)
        reason = "Changed in the Django admin."
        try:
            if new_role != obj.role:
                services.user_set_role(user_id=obj.pk, role=new_role, actor=request.user, reason=reason)
            if new_active != obj.is_active:
                change_active = services.user_unsuspend if new_active else services.user_suspend
                change_active(user_id=obj.pk, reason=reason, actor=request.user)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        obj.refresh_from_db()


admin.site.unregister(Review)
admin.site.register(Review, ModerationReviewAdmin)
admin.site.unregister(User)
admin.site.register(User, ModerationUserAdmin)
