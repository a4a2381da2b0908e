"""Query parameters of the movie list and search (API.md §5). Every value is validated: a bad one
is a 400 `validation_error` naming the parameter, never a 500 or a silently ignored filter."""

import datetime

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalog.expressions import folded_contains, names_include_all, names_include_any
from catalog.models import LISTED_TYPES, Movie, MovieCast, MovieType

YEAR_MIN, YEAR_MAX = 1870, 2100

ORDERING_FIELDS = ("release_date", "title", "lemon_pie_rating", "review_count", "created_at")
ORDERING_CHOICES = [(value, value) for field in ORDERING_FIELDS for value in (field, f"-{field}")]
NULLABLE_ORDERING = {"release_date", "lemon_pie_rating"}


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField

    def __init__(self, *args, bound: str = "exact", **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        super().__init__(*args, **kwargs)
        self.bound = bound

    def filter(self, qs, value):
        # Ranges on the date itself, so the release_date indexes apply (EXTRACT(YEAR) would not).
        if value in (None, ""):
            return qs
        if self.bound in ("exact", "min"):
            qs = qs.filter(release_date__gte=datetime.date(value, 1, 1))
        if self.bound in ("exact", "max") and value < YEAR_MAX:
            qs = qs.filter(release_date__lt=datetime.date(value + 1, 1, 1))
        if self.bound == "max":
            qs = qs.filter(release_date__isnull=False)
        return qs


MAX_NAMES = 20


class CommaListInput(forms.TextInput):
    """`genre=Drama,Comedy` and `genre=Drama&genre=Comedy` alike: every value given, joined by commas
    (a repeated parameter used to keep only its last value)."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        values = [value for value in values if value not in (None, "")]
        return ",".join(values) if values else None


def split_names(value: str) -> list[str]:
    """`" drama ,, Comedy"` → `["drama", "Comedy"]`: trimmed, inner spaces collapsed, blanks dropped."""
    return [name for name in (" ".join(part.split()) for part in value.split(",")) if name]


class NamesField(forms.CharField):
    """The names of a comma-separated list (`split_names`), at most MAX_NAMES of at most 100 characters."""

    widget = CommaListInput

    def clean(self, value):
        names = split_names(super().clean(value) or "")
        if len(names) > MAX_NAMES:
            raise forms.ValidationError(f"At most {MAX_NAMES} names.")
        if any(len(name) > 100 for name in names):
            raise forms.ValidationError("A name has at most 100 characters.")
        return names or None


@extend_schema_field(OpenApiTypes.STR)
class NamesFilter(django_filters.CharFilter):
    """A comma-separated (or repeated) list of names; the method receives the list."""

    field_class = NamesField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 2000)
        super().__init__(*args, **kwargs)


class MovieFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("type"):
            unknown = sorted(set(data["type"]) - set(MovieType.values))
            if unknown:
                message = "Unknown type(s): %(unknown)s. Use %(known)s."  # user input only as a parameter
                known = ", ".join(MovieType.values)
                self.add_error(
                    "type", forms.ValidationError(message, params={"unknown": ", ".join(unknown), "known": known})
                )
        low, high = data.get("year_min"), data.get("year_max")
        if low is not None and high is not None and low > high:
            self.add_error("year_max", "Must not be before year_min.")
        return data


def _text(**kwargs):
    return django_filters.CharFilter(max_length=kwargs.pop("max_length", 100), **kwargs)


def _names(method: str, help_text: str) -> NamesFilter:
    return NamesFilter(method=method, help_text=help_text + " Case-insensitive; comma-separated or repeated.")


class MovieFilter(django_filters.FilterSet):
    genre = _names("filter_genre", "Titles with ANY of these genres (`Drama,Comedy`).")
    genre_all = _names("filter_genre_all", "Titles with EVERY one of these genres.")
    genre_exclude = _names("filter_genre_exclude", "Titles with NONE of these genres.")
    language = _names("filter_language", "Titles in ANY of these languages (`Yoruba,Igbo`).")
    language_all = _names("filter_language_all", "Titles in EVERY one of these languages.")
    language_exclude = _names("filter_language_exclude", "Titles in NONE of these languages.")
    person = django_filters.UUIDFilter(
        method="filter_person", help_text="Titles crediting this person (`/people/{id}`) in any role."
    )
    year = YearFilter(help_text=f"Release year ({YEAR_MIN}..{YEAR_MAX}).")
    year_min = YearFilter(bound="min", help_text="Released in or after this year.")
    year_max = YearFilter(bound="max", help_text="Released in or before this year.")
    production_state = _text(field_name="production_state", lookup_expr="iexact", help_text="Nigerian state.")
    type = NamesFilter(
        method="filter_type",
        max_length=100,
        help_text="movie, series, short or music_video, comma-separated for several. Without it, films and "
        "series are listed: shorts and music videos only when asked for.",
    )
    rating_min = django_filters.NumberFilter(
        field_name="lemon_pie_rating",
        lookup_expr="gte",
        min_value=0,
        max_value=10,
        max_digits=4,
        decimal_places=2,
        help_text="Minimum LemonNPie rating (0..10); unrated titles are left out.",
    )
    director = _text(
        max_length=255, method="filter_director", help_text="Part of a director's name, accents and case ignored."
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERING_CHOICES,
        method="filter_ordering",
        help_text="Sort field, `-` for descending. Undated and unrated titles always sort last.",
    )

    class Meta:
        model = Movie
        fields = []
        form = MovieFilterForm

    # The names kept on the movie row (migration 0003), GIN-indexed: no join, no per-row probe.
    def filter_genre(self, qs, name, value):
        return qs.filter(names_include_any("genre_keys", value))

    def filter_genre_all(self, qs, name, value):
        return qs.filter(names_include_all("genre_keys", value))

    def filter_genre_exclude(self, qs, name, value):
        return qs.exclude(names_include_any("genre_keys", value))

    def filter_language(self, qs, name, value):
        return qs.filter(names_include_any("language_keys", value))

    def filter_language_all(self, qs, name, value):
        return qs.filter(names_include_all("language_keys", value))

    def filter_language_exclude(self, qs, name, value):
        return qs.exclude(names_include_any("language_keys", value))

    def filter_type(self, qs, name, value):
        return qs.filter(type__in=value)

    def filter_person(self, qs, name, value):
        return qs.filter(Exists(MovieCast.objects.filter(movie=OuterRef("pk"), person_id=value)))

    def filter_queryset(self, queryset):
        if "type" in self.filters and not self.form.cleaned_data.get("type"):
            queryset = queryset.filter(type__in=LISTED_TYPES)
        return super().filter_queryset(queryset)

    def filter_director(self, qs, name, value):
        return qs.filter(folded_contains("director", value))

    def filter_ordering(self, qs, name, value):
        field = value.lstrip("-")
        descending = value.startswith("-")
        if field in NULLABLE_ORDERING:
            primary = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
        else:
            primary = F(field).desc() if descending else F(field).asc()
        return qs.order_by(primary, "id")


class SeriesFilter(MovieFilter):
    """Under /series the type is fixed."""

    type = None


Q_MAX_LENGTH = 200


def q_valid_as_sent(q: str) -> bool:
    """What the `q` filters below accept (required, at most Q_MAX_LENGTH characters once stripped,
    no NUL), decided on the raw value: lets a stored answer be looked up before validation."""
    q = q.strip()
    return 0 < len(q) <= Q_MAX_LENGTH and "\x00" not in q


class MovieSearchFilter(MovieFilter):
    """Search is ranked, so `ordering` does not apply; `q` is required."""

    q = django_filters.CharFilter(
        method="filter_noop",
        required=True,
        max_length=Q_MAX_LENGTH,
        help_text='Search words (1..200 characters). Accents are ignored; `"phrase"`, `or` and `-word` work.',
    )
    ordering = None

    def filter_noop(self, qs, name, value):
        return qs


class SeriesSearchFilter(MovieSearchFilter):
    type = None


class SuggestionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_noop", required=True, max_length=Q_MAX_LENGTH, help_text="The start of a title, typos allowed."
    )

    class Meta:
        model = Movie
        fields = []

    def filter_noop(self, qs, name, value):
        return qs
