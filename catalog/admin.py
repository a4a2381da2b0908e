"""Django admin for the catalogue: titles with their genres, languages and cast inline.

Saves write only the editable columns (never the review aggregates a concurrent review may be
changing), deletes go through `movie_delete`, and every change drops the cached views on commit.
The search vector follows on its own (database triggers)."""

from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import ExtractYear

from catalog import services
from catalog.cache import movie_invalidate
from catalog.models import Movie, MovieCast, MovieGenre, MovieLanguage, Person


class GenreInline(admin.TabularInline):
    model = MovieGenre
    extra = 1


class LanguageInline(admin.TabularInline):
    model = MovieLanguage
    extra = 1


class CastInline(admin.TabularInline):
    model = MovieCast
    extra = 1
    fields = ["position", "actor_name", "character_name", "role_type", "person"]
    readonly_fields = ["person"]  # set from the name by the database


class GenreListFilter(admin.SimpleListFilter):
    title = "genre"
    parameter_name = "genre"

    def lookups(self, request, model_admin):
        names = MovieGenre.objects.order_by("genre").values_list("genre", flat=True).distinct()
        return [(name, name) for name in names]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(genre_rows__genre=self.value())
        return queryset


class YearListFilter(admin.SimpleListFilter):
    title = "release year"
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = (
            Movie.objects.filter(release_date__isnull=False)
            .annotate(year=ExtractYear("release_date"))
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(release_date__year=int(value))
        return queryset


AGGREGATE_FIELDS = ["review_count", "lemon_pie_rating", "critic_count", "created_at", "updated_at"]


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ["title", "type", "release_date", "director", "is_featured", "review_count", "lemon_pie_rating"]
    list_filter = ["type", GenreListFilter, YearListFilter, "is_featured"]
    search_fields = ["title", "local_title", "director", "imdb_id"]
    list_per_page = 50
    show_full_result_count = False
    ordering = [F("release_date").desc(nulls_last=True), "title"]
    inlines = [GenreInline, LanguageInline, CastInline]
    actions = ["feature", "unfeature"]
    readonly_fields = AGGREGATE_FIELDS
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["type", "title", "local_title", "is_featured"]}),
        ("Release", {"fields": ["release_date", "release_date_precision", "runtime", "box_office_ng"]}),
        ("Story and media", {"fields": ["plot_summary", "poster_url", "trailer_url"]}),
        ("Production", {"fields": ["director", "producer", "production_company", "production_state"]}),
        ("IMDb", {"fields": ["imdb_id", "imdb_rating", "imdb_votes"]}),
        ("Reviews (maintained automatically)", {"fields": AGGREGATE_FIELDS}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("search_vector")

    def save_model(self, request, obj, form, change):
        if change:
            # Only what an editor may change: a review landing meanwhile keeps its counters.
            obj.save(update_fields=[*services.EDITABLE_FIELDS, "updated_at"])
        else:
            obj.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        movie_id = form.instance.pk
        transaction.on_commit(lambda: movie_invalidate(movie_id))

    def delete_model(self, request, obj):
        services.movie_delete(movie_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for movie_id in queryset.values_list("pk", flat=True):
            services.movie_delete(movie_id=movie_id)

    @admin.action(description="Feature the selected titles", permissions=["change"])
    def feature(self, request, queryset):
        changed = services.movie_set_featured(movie_ids=queryset.values_list("pk", flat=True), featured=True)
        self.message_user(request, f"{changed} title(s) featured.", messages.SUCCESS)

    @admin.action(description="Stop featuring the selected titles", permissions=["change"])
    def unfeature(self, request, queryset):
        changed = services.movie_set_featured(movie_ids=queryset.values_list("pk", flat=True), featured=False)
        self.message_user(request, f"{changed} title(s) no longer featured.", messages.SUCCESS)


class CreditInline(admin.TabularInline):
    model = MovieCast
    fields = ["movie", "role_type", "actor_name", "character_name"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """People are made from cast names; moderators merge the duplicates folding cannot see."""

    list_display = ["name", "credit_count", "created_at"]
    search_fields = ["name", "names__key"]
    fields = ["name", "spellings"]
    readonly_fields = ["spellings"]
    inlines = [CreditInline]
    actions = ["merge"]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(credits_total=models.Count("credits"))

    @admin.display(description="credits", ordering="credits_total")
    def credit_count(self, person):
        return person.credits_total

    @admin.display(description="spellings (folded)")
    def spellings(self, person):
        return ", ".join(person.names.order_by("key").values_list("key", flat=True))

    def has_add_permission(self, request):
        return False  # a person comes from a credit

    def has_delete_permission(self, request, obj=None):
        return False  # a duplicate is merged, never deleted with its credits' person

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        ids = list(obj.credits.values_list("movie_id", flat=True))
        transaction.on_commit(lambda: services.catalog_invalidate(ids))

    @admin.action(description="Merge the selected people into the one with the most credits", permissions=["change"])
    def merge(self, request, queryset):
        people = list(queryset.order_by("-credits_total", "created_at", "pk"))
        if len(people) < 2:
            self.message_user(request, "Select at least two people to merge.", messages.WARNING)
            return
        kept = people[0]
        merged = services.person_merge(into_id=kept.pk, person_ids=[person.pk for person in people[1:]])
        self.message_user(request, f"{merged} merged into {kept.name}.", messages.SUCCESS)
