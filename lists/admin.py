"""Django admin for lists: read-only, browsed per user, with each list's films inline."""

from django.contrib import admin

from diary.admin import ReadOnlyAdmin
from lists.models import FilmList, FilmListEntry


class FilmListEntryInline(admin.TabularInline):
    model = FilmListEntry
    fields = ("position", "movie", "note", "added_at")
    readonly_fields = fields
    ordering = ("position",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FilmList)
class FilmListAdmin(ReadOnlyAdmin):
    list_display = ("title", "user_email", "is_public", "ranked", "entry_count", "like_count", "created_at")
    list_display_links = ("title",)
    list_select_related = ("user",)
    search_fields = ("title", "user__email", "user__name")
    list_filter = ("is_public", "ranked")
    ordering = ("-created_at", "-id")
    readonly_fields = ("user", "title", "description", "ranked", "is_public", "entry_count", "like_count", "created_at")
    fields = readonly_fields
    inlines = [FilmListEntryInline]
