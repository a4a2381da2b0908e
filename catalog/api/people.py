"""People (`/people`, `/people/{id}`) and the reference lists for filter menus (`/genres`,
`/languages`). Thin: selectors read; reference lists are cached until the catalogue changes."""

import django_filters
from django.core.cache import cache
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import selectors
from catalog.api.filters import NamesFilter
from catalog.api.schema import errors
from catalog.api.views import UUID_RE, _parse_id, _validated
from catalog.cache import REFERENCE_TTL, versioned_key
from catalog.models import LISTED_TYPES, CastRole, MovieType, Person
from catalog.shapes import MovieBrief
from lemonnpie.api.exceptions import NotFound
from lemonnpie.api.renderers import JSONBytesResponse, render_json
from lemonnpie.metrics import cache_lookup

# --- shapes -------------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    credit_count = serializers.IntegerField(read_only=True, help_text="Credits in the catalogue, every role.")

    class Meta:
        model = Person
        fields = ["id", "name", "credit_count"]
        read_only_fields = fields


class CreditSerializer(serializers.Serializer):
    movie = MovieBrief.serializer()
    character_name = serializers.CharField(allow_blank=True, help_text="Empty for crew and unnamed parts.")


class FilmographySerializer(serializers.Serializer):
    actor = CreditSerializer(many=True)
    director = CreditSerializer(many=True)
    producer = CreditSerializer(many=True)
    writer = CreditSerializer(many=True)


class PersonDetailSerializer(PersonSerializer):
    filmography = FilmographySerializer(read_only=True, help_text="Credits by role, newest release first.")

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "filmography"]
        read_only_fields = fields


def person_detail(person: Person, credits: list[dict]) -> dict:
    filmography = {role: [] for role in CastRole.values}
    brief = MovieBrief.builder("movie__")
    for credit in credits:
        filmography[credit["role_type"]].append({"movie": brief(credit), "character_name": credit["character_name"]})
    return {"id": str(person.pk), "name": person.name, "credit_count": person.credit_count, "filmography": filmography}


class NameCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField(help_text="Titles with this name.")


class NameCountListSerializer(serializers.Serializer):
    results = NameCountSerializer(many=True)


# --- filters ------------------------------------------------------------------------------------


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_noop",
        max_length=200,
        help_text="Part of a name; accents, case and spacing ignored (`funke akindele` finds `Fúnkẹ́ Akíndélé`).",
    )

    class Meta:
        model = Person
        fields = []

    def filter_noop(self, qs, name, value):
        return qs


class ReferenceFilter(django_filters.FilterSet):
    type = NamesFilter(
        method="filter_noop",
        max_length=100,
        help_text="Count titles of these types (movie, series, short, music_video; comma-separated). "
        "Without it: films and series, as `/movies` lists them.",
    )

    class Meta:
        model = Person
        fields = []

    def filter_noop(self, qs, name, value):
        return qs

    def types(self) -> tuple[str, ...]:
        wanted = self.form.cleaned_data.get("type")
        if not wanted:
            return LISTED_TYPES
        unknown = sorted(set(wanted) - set(MovieType.values))
        if unknown:
            raise serializers.ValidationError({"type": [f"Unknown type(s): {', '.join(unknown)}."]})
        return tuple(sorted(set(wanted)))


# --- views --------------------------------------------------------------------------------------


class PersonViewSet(viewsets.GenericViewSet):
    """People credited in the catalogue and their filmographies."""

    permission_classes = [AllowAny]
    lookup_value_regex = UUID_RE
    filter_backends = [DjangoFilterBackend]
    filterset_class = PersonFilter
    serializer_class = PersonSerializer
    queryset = Person.objects.none()  # schema only: reads go through selectors

    @extend_schema(
        tags=["people"],
        responses={200: PersonSerializer(many=True), **errors(400, 404)},
        description="People, the most credited first; `q` searches every spelling of their names, "
        "accent-insensitively. Two queries whatever the page size.",
    )
    def list(self, request, *args, **kwargs):
        filterset = _validated(PersonFilter, request, Person.objects.none())
        page = self.paginate_queryset(selectors.person_list(q=filterset.form.cleaned_data.get("q") or ""))
        return self.get_paginated_response(PersonSerializer(page, many=True).data)

    @extend_schema(
        tags=["people"],
        responses={200: PersonDetailSerializer, **errors(404)},
        description="A person with their filmography by role (actor, director, producer, writer), newest "
        "release first. Shorts and music videos are included. Two queries.",
    )
    def retrieve(self, request, pk=None, *args, **kwargs):
        person = selectors.person_get(person_id=_parse_id(pk))
        if person is None:
            raise NotFound("No such person.")
        return Response(person_detail(person, selectors.person_credits(person_id=person.pk)))


_TYPE_PARAMETER = OpenApiParameter(
    "type",
    str,
    description="Count titles of these types (movie, series, short, music_video; comma-separated). "
    "Without it: films and series, as `/movies` lists them.",
)


class _ReferenceView(APIView):
    """`{results: [{name, count}]}` of one kind of name, cached until the catalogue changes."""

    permission_classes = [AllowAny]
    name = ""
    select = None  # staticmethod(selector) in subclasses

    def get(self, request):
        types = _validated(ReferenceFilter, request, Person.objects.none()).types()
        key = versioned_key(f"{self.name}:{','.join(types)}")
        body = cache_lookup(f"catalog_{self.name}", cache.get(key), expect=bytes)
        if body is None:
            body = render_json({"results": self.select(types=types)})
            cache.set(key, body, REFERENCE_TTL)
        return JSONBytesResponse(body)


def _reference_schema(name: str, noun: str):
    return extend_schema(
        tags=["movies"],
        operation_id=f"{name}_list",
        parameters=[_TYPE_PARAMETER],
        responses={200: NameCountListSerializer, **errors(400)},
        description=f"Every {noun} with its number of titles, most used first (names differing only in "
        "case count as one), for filter menus. Cached until the catalogue changes.",
    )


class GenreListView(_ReferenceView):
    name = "genres"
    select = staticmethod(selectors.genre_counts)

    @_reference_schema("genres", "genre")
    def get(self, request):
        return super().get(request)


class LanguageListView(_ReferenceView):
    name = "languages"
    select = staticmethod(selectors.language_counts)

    @_reference_schema("languages", "language")
    def get(self, request):
        return super().get(request)
