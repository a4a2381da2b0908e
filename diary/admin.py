"""Django admin for diaries, film ratings and import/export jobs: read-only, browsed per user.

Rows are never added, edited or deleted here (the counters they feed change only through
`diary.services`); click an email to see one user's rows, as in the social admin."""

from django.contrib import admin
from django.utils.html import format_html

from diary.models import DataExport, DataImport, DiaryEntry, FilmRating


def user_link(user) -> str:
    """The user's email, linking to the current list filtered to that user."""
    return format_html('<a href="?user__id__exact={}">{}</a>', user.pk, user.email)


class ReadOnlyAdmin(admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False
    list_display_links = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "user__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="user", ordering="user__email")
    def user_email(self, obj):
        return user_link(obj.user)


@admin.register(DiaryEntry)
class DiaryEntryAdmin(ReadOnlyAdmin):
    list_display = ("user_email", "movie", "watched_on", "watched_precision", "rating", "rewatch", "liked", "where")
    list_select_related = ("user", "movie")
    search_fields = ("user__email", "user__name", "movie__title")
    list_filter = ("watched_precision", "rewatch", "liked", "where")
    ordering = ("-created_at", "-id")


@admin.register(FilmRating)
class FilmRatingAdmin(ReadOnlyAdmin):
    list_display = ("user_email", "movie", "rating", "rated_at")
    list_select_related = ("user", "movie")
    search_fields = ("user__email", "user__name", "movie__title")
    list_filter = ("rating",)
    ordering = ("-rated_at", "-id")


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ("user_email", "status", "created_at", "expires_at", "downloaded_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    list_filter = ("status",)
    exclude = ("token_hash",)
    ordering = ("-created_at", "-id")


@admin.register(DataImport)
class DataImportAdmin(ReadOnlyAdmin):
    list_display = ("user_email", "status", "rows_done", "rows_total", "created_at", "finished_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    list_filter = ("status",)
    ordering = ("-created_at", "-id")
