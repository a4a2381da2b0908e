from django.contrib import admin, messages

from lemonnpie.api.exceptions import ApplicationError
from moderation import services
from moderation.models import AuditLogEntry, Report, Resolution


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
