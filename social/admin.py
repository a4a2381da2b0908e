"""Django admin for follows, watchlists and favourites: browse and filter per user (read-mostly).

Rows are never added or edited here (that is the users' business, through the API). Deleting a
follow goes through `social.services` so the follow counters stay exact.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.html import format_html

from social import services
from social.models import FavoriteEntry, Follow, WatchlistEntry


def _filter_link(field: str, user) -> str:
    """The user's email, linking to this list filtered to that user."""
    return format_html('<a href="?{}__id__exact={}">{}</a>', field, user.pk, user.email)


class _ReadMostlyAdmin(admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(Follow)
class FollowAdmin(_ReadMostlyAdmin):
    list_display = ("follower_email", "following_email", "created_at")
    list_select_related = ("follower", "following")
    search_fields = ("follower__email", "follower__name", "following__email", "following__name")
    list_filter = ("created_at",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    list_display_links = None  # a click on an email filters the list to that user's graph

    @admin.display(description="follower", ordering="follower__email")
    def follower_email(self, obj):
        return _filter_link("follower", obj.follower)

    @admin.display(description="following", ordering="following__email")
    def following_email(self, obj):
        return _filter_link("following", obj.following)

    def lookup_allowed(self, lookup, value, request=None):
        if lookup in ("follower__id__exact", "following__id__exact"):
            return True
        return super().lookup_allowed(lookup, value, request)

    def delete_model(self, request, obj):
        services.follow_delete_rows(follow_ids=[obj.pk])

    def delete_queryset(self, request, queryset: QuerySet):
        services.follow_delete_rows(follow_ids=list(queryset.values_list("pk", flat=True)))


class _MovieListAdmin(_ReadMostlyAdmin):
    list_display = ("user_email", "movie_title", "added_at")
    list_select_related = ("user", "movie")
    search_fields = ("user__email", "user__name", "movie__title")
    list_filter = ("added_at",)
    date_hierarchy = "added_at"
    ordering = ("-added_at", "-id")
    list_display_links = None  # a click on an email filters the list to that user's entries

    @admin.display(description="user", ordering="user__email")
    def user_email(self, obj):
        return _filter_link("user", obj.user)

    @admin.display(description="movie", ordering="movie__title")
    def movie_title(self, obj):
        return obj.movie.title

    def lookup_allowed(self, lookup, value, request=None):
        if lookup in ("user__id__exact", "movie__id__exact"):
            return True
        return super().lookup_allowed(lookup, value, request)


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(_MovieListAdmin):
    pass


@admin.register(FavoriteEntry)
class FavoriteEntryAdmin(_MovieListAdmin):
    pass
