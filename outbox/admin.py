from django.contrib import admin

from outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: what is waiting, what failed and why. Jobs never carry secrets (see services)."""

    list_display = ("id", "task", "created_at", "published_at", "delivered_at", "delivery_attempts")
    list_filter = ("task", ("delivered_at", admin.EmptyFieldListFilter))
    search_fields = ("task", "last_error")
    ordering = ("-id",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
