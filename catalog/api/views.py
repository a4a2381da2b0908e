"""Movies and series (API.md §5). Thin: selectors read, services write, `catalog.cache` remembers."""

import functools
import hashlib
import uuid
from functools import partial

import orjson
from django.core.cache import cache
from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Role
from catalog import selectors, services
from catalog.api import filters
from catalog.api.schema import errors
from catalog.api.serializers import MovieSuggestionListSerializer, MovieWriteSerializer
from catalog.cache import (
    COUNT_TTL,
    DETAIL_TTL,
    FEATURED_TTL,
    SEARCH_TTL,
    SUGGESTIONS_PARTIAL_TTL,
    SUGGESTIONS_TTL,
    TRENDING_TTL,
    current_key,
    movie_detail_key,
    query_key,
    request_key,
    suggestions_key,
    trending_generation,
    trending_ids_get,
    versioned_key,
)
from catalog.models import Movie, MovieType
from catalog.shapes import MovieDetail, MovieSearchResult, MovieSummary
from lemonnpie.api.exceptions import NotFound
from lemonnpie.api.fastpath import FastReads, StoredRead
from lemonnpie.api.http_cache import PRIVATE, StoredAnswer, cached_answer, stored_response
from lemonnpie.api.permissions import has_role
from lemonnpie.api.renderers import JSONBytesResponse, render_json
from lemonnpie.api.schema import error_responses
from lemonnpie.api.throttles import UserRateThrottle
from lemonnpie.cache import VersionedKey
from lemonnpie.db.compiled import OneStatementPaginator
from lemonnpie.metrics import cache_lookup
from social import images
from social.selectors import movie_states

UUID_RE = "[0-9a-fA-F-]{36}"


class MoviePermission(permissions.BasePermission):
    """Anyone reads; moderators and admins add titles; only admins change or delete them."""

    message = "Only administrators may change or delete titles; moderators may add them."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.action == "create":
            return has_role(request.user, Role.MODERATOR, Role.ADMIN)
        return has_role(request.user, Role.ADMIN)


def _validated(filterset_class, request, queryset):
    """The bound filterset, or the 400 envelope naming every bad parameter."""
    filterset = filterset_class(request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return filterset


class CountCachingPaginator(DjangoPaginator):
    """Django's paginator with the row count kept in the cache under `count_key` (a versioned key,
    so any catalogue change drops it): every page of a filtered list after the first costs no
    COUNT over the matching movies (tens of milliseconds for a broad filter on 100k titles)."""

    def __init__(self, object_list, per_page, *, count_key: str, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        value = cache.get(self.count_key)
        if not isinstance(value, int):
            value = self.object_list.count()
            cache.set(self.count_key, value, COUNT_TTL)
        return value


def _key_part(value) -> str:
    if isinstance(value, list):  # a list filter: order and case do not matter
        return repr(sorted({name.casefold() for name in value}))
    return value.casefold() if isinstance(value, str) else str(value)


def count_key(request, criteria: dict) -> str:
    """The cache key of a list's count: the path (films or series) and the validated filters
    (text filters all ignore case, so their values are case-folded)."""
    known = sorted((name, _key_part(value)) for name, value in criteria.items() if value not in (None, "", []))
    raw = f"{request.path.rstrip('/')}|{known!r}"
    return versioned_key(f"count:{hashlib.sha256(raw.encode()).hexdigest()}")


def signed_in(request) -> bool:
    return bool(request.user and request.user.is_authenticated)


def add_movie_states(request, rows: list[dict]) -> list[dict]:
    """Add the caller's `my_review`, `in_watchlist` and `in_favorites` to MovieSummary/Movie rows
    (one query for the whole page). Anonymous rows are left exactly as they are."""
    if rows and signed_in(request):
        states = movie_states(user=request.user, movie_ids=[row["id"] for row in rows])
        blank = {"my_review": None, "in_watchlist": False, "in_favorites": False}
        for row in rows:
            row.update(states.get(row["id"], blank))  # a title in two home rows is one state
    return rows


def personal_response(request, answer: StoredAnswer, *, many: bool = True):
    """A stored public answer as is for an anonymous caller (ETag, 304, gzip: `stored_response`);
    for a signed-in one, that answer with the caller's state added to each movie (the shared cache
    entry is never changed) and marked private, so no shared cache keeps it (its ETag and gzip come
    from `APICachingMiddleware`)."""
    if not signed_in(request):
        return stored_response(request, answer)
    data = orjson.loads(answer.body)
    add_movie_states(request, data["results"] if many else [data])
    response = JSONBytesResponse(render_json(data))
    response["Cache-Control"] = PRIVATE
    return response


def _parse_id(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("No such title.") from None


class PosterUploadThrottle(UserRateThrottle):
    scope = "uploads"  # shared with /upload/image


class PosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG, PNG, WebP or GIF, at most 5 MB (checked by content, not name).")


def _upload_errors() -> dict:
    return error_responses(
        s413="The file is larger than 5 MB (envelope, `payload_too_large`).",
        s415="The file is not a real JPEG, PNG, WebP or GIF image (envelope, `unsupported_media_type`).",
        s503="Image storage is temporarily unavailable (envelope).",
    )


class _CatalogueReadViewSet(FastReads, viewsets.GenericViewSet):
    """List, detail and search, optionally restricted to one `movie_type`. Anonymous GETs of a
    detail or a search page kept in the cache are answered before DRF (`fast_reads`)."""

    fast_reads = {"retrieve": "stored_detail", "search": "stored_search"}

    movie_type: str | None = None
    list_filter = filters.MovieFilter
    search_filter = filters.MovieSearchFilter
    lookup_value_regex = UUID_RE
    filter_backends = [DjangoFilterBackend]
    permission_classes = [MoviePermission]
    serializer_class = MovieSummary.serializer_class

    @property
    def filterset_class(self):
        return self.search_filter if self.action == "search" else self.list_filter

    def get_queryset(self):
        return selectors.movie_list_queryset(movie_type=self.movie_type)

    def _page(self, queryset, *, count_key: str | None = None, personal: bool = True) -> Response:
        """One page of MovieSummary rows: a count and one query for the rows (genres and languages
        are on the movie rows), whatever the page size (see catalog.shapes). With
        `count_key` the count is kept in the cache until the catalogue changes. `personal=False`
        leaves the caller's state out: a page stored for everyone (`personal_response` adds it)."""
        if count_key:
            self.paginator.django_paginator_class = partial(CountCachingPaginator, count_key=count_key)
        page = self.paginate_queryset(selectors.movie_summary_rows(queryset))
        build = MovieSummary.builder()
        rows = [build(row) for row in page]
        return self.get_paginated_response(add_movie_states(self.request, rows) if personal else rows)

    @staticmethod
    def _detail(movie_id) -> StoredAnswer:
        """One title's answer (its type in `tag`), from the cache when possible (1 h, dropped on
        any change): a hit costs one cache read, no rendering, hashing or compression."""

        def render():
            row = selectors.movie_detail_row(movie_id=movie_id)
            if row is None:
                raise NotFound("No such title.")
            return render_json(MovieDetail.build(row)), row["type"]

        return cached_answer(movie_detail_key(movie_id), area="movie_detail", ttl=DETAIL_TTL, render=render)

    @classmethod
    def stored_detail(cls, request, pk=None, **kwargs) -> StoredRead | None:
        try:
            movie_id = uuid.UUID(pk)
        except (TypeError, ValueError):
            return None
        fill = partial(cls._filled_detail, movie_id)
        return StoredRead(movie_detail_key(movie_id), area="movie_detail", accept=cls._of_this_type, fill=fill)

    @classmethod
    def _filled_detail(cls, movie_id) -> StoredAnswer | None:
        """A cold detail made in the fast lane (`StoredRead.fill`); an unknown title is the view's 404."""
        try:
            return cls._detail(movie_id)
        except NotFound:
            return None

    @classmethod
    def _of_this_type(cls, answer: StoredAnswer) -> bool:
        return not cls.movie_type or answer.tag == cls.movie_type

    @classmethod
    def search_key(cls, request) -> VersionedKey:
        return query_key("search", request, (*cls.search_filter.base_filters, "page", "page_size"))

    @classmethod
    def stored_search(cls, request, **kwargs) -> StoredRead | None:
        if not filters.q_valid_as_sent(request.GET.get("q", "")):
            return None
        return StoredRead(cls.search_key(request), area="movie_search")

    def list(self, request, *args, **kwargs):
        filterset = _validated(self.list_filter, request, self.get_queryset())
        criteria = {name: value for name, value in filterset.form.cleaned_data.items() if name != "ordering"}
        return self._page(filterset.qs, count_key=count_key(request, criteria))

    def retrieve(self, request, pk=None, *args, **kwargs):
        answer = self._detail(_parse_id(pk))
        if self.movie_type and answer.tag != self.movie_type:
            raise NotFound("No such title.")
        return personal_response(request, answer, many=False)

    @classmethod
    def q_alone(cls, request) -> str | None:
        """The valid `q` of a search with no other filter (page and page_size aside), cleaned as
        the filterset cleans it; None when the filterset must read the request."""
        q = request.GET.get("q", "")
        others = (name for name in cls.search_filter.base_filters if name != "q")
        if not filters.q_valid_as_sent(q) or any(name in request.GET for name in others):
            return None
        return q.strip()

    @action(detail=False, methods=["get"])
    def search(self, request, *args, **kwargs):
        q = self.q_alone(request)
        filterset = None if q is not None else _validated(self.search_filter, request, self.get_queryset())
        key = current_key(self.search_key(request))

        def render():
            if filterset is None:  # the common search: compiled once, no filterset or ORM work
                matches = selectors.search_pages(_compiled_search(type(self)), q=q)
            else:
                compiled = selectors.CompiledSearch(lambda: filterset.qs)
                matches = selectors.search_pages(compiled, q=filterset.form.cleaned_data["q"])
            self.paginator.django_paginator_class = OneStatementPaginator
            page = self.paginate_queryset(matches)
            build = MovieSearchResult.builder()
            rows = [build(row) for row in page]
            return render_json(self.get_paginated_response(rows).data)

        return personal_response(request, cached_answer(key, area="movie_search", ttl=SEARCH_TTL, render=render))


@functools.cache
def _compiled_search(viewset: type[_CatalogueReadViewSet]):
    """The viewset's search with `q` alone, compiled once from its own filterset and queryset."""

    def matches():
        queryset = selectors.movie_list_queryset(movie_type=viewset.movie_type)
        return viewset.search_filter({"q": "any"}, queryset=queryset).qs  # q itself filters nothing here

    return selectors.CompiledSearch(matches)


_READ_SCHEMAS = {
    "list": extend_schema(responses={200: MovieSummary.serializer(many=True), **errors(400, 404)}),
    "retrieve": extend_schema(responses={200: MovieDetail.serializer_class, **errors(404)}),
    "search": extend_schema(
        responses={200: MovieSearchResult.serializer(many=True), **errors(400, 404)},
        description="Full-text search, best match first; accents ignored. Each row adds `rank` and an "
        "HTML-escaped `snippet` of the plot with matches in `<mark>`. Cached for 30 minutes.",
    ),
}


@extend_schema_view(
    **{name: extend_schema(tags=["movies"]) for name in ("list", "retrieve", "search")},
    create=extend_schema(
        tags=["movies"],
        request=MovieWriteSerializer,
        responses={201: MovieDetail.serializer_class, **errors(400, 401, 403, 409)},
        description="Admins and moderators. `genres`, `languages` and `cast` are written in the same "
        "transaction; `is_featured` is applied for admins only.",
    ),
    update=extend_schema(
        tags=["movies"],
        request=MovieWriteSerializer,
        responses={200: MovieDetail.serializer_class, **errors(400, 401, 403, 404, 409)},
        description="Admins. Lists given replace the stored ones.",
    ),
    partial_update=extend_schema(
        tags=["movies"],
        request=MovieWriteSerializer,
        responses={200: MovieDetail.serializer_class, **errors(400, 401, 403, 404, 409)},
        description="Admins. Only the fields given change; lists given replace the stored ones.",
    ),
    destroy=extend_schema(tags=["movies"], responses={204: None, **errors(401, 403, 404)}, description="Admins."),
)
@extend_schema_view(**_READ_SCHEMAS)
class MovieViewSet(_CatalogueReadViewSet):
    fast_reads = {**_CatalogueReadViewSet.fast_reads, "suggestions": "stored_suggestions"}

    @classmethod
    def stored_suggestions(cls, request, **kwargs) -> StoredRead | None:
        q = request.GET.get("q", "")
        return StoredRead(suggestions_key(q), area="movie_suggestions") if filters.q_valid_as_sent(q) else None

    """Films and series together (`type` filters); admins and moderators curate them."""

    def create(self, request, *args, **kwargs):
        body = MovieWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        movie = services.movie_create(data=body.validated_data, allow_featured=has_role(request.user, Role.ADMIN))
        return Response(self._fresh_detail(movie.pk), status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        movie_id = _parse_id(pk)
        body = MovieWriteSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        services.movie_update(movie_id=movie_id, data=body.validated_data, allow_featured=True)
        return Response(self._fresh_detail(movie_id))

    def partial_update(self, request, pk=None, *args, **kwargs):
        return self.update(request, pk, partial=True)

    def destroy(self, request, pk=None, *args, **kwargs):
        services.movie_delete(movie_id=_parse_id(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["POST"],
        tags=["movies"],
        summary="Upload the title's poster (admins)",
        request={"multipart/form-data": PosterUploadSerializer},
        responses={200: MovieDetail.serializer_class, **errors(400, 401, 403, 404), **_upload_errors()},
        description="The image goes through the upload pipeline (`/upload/image`: checked by content, re-encoded "
        "as WebP without metadata, 150x150, 400x300 and 800x600 renditions stored; Cloudinary when configured). "
        "The title's `poster` becomes `{url, thumbnail, medium, large}` everywhere it is shown. Replaces any "
        "earlier upload (the external `poster_url` stays as it is).",
    )
    @extend_schema(
        methods=["DELETE"],
        tags=["movies"],
        summary="Remove the uploaded poster (admins)",
        request=None,
        responses={204: None, **errors(401, 403, 404)},
    )
    @action(
        detail=True,
        methods=["post", "delete"],
        parser_classes=[MultiPartParser, FormParser],
        throttle_classes=[UserRateThrottle, PosterUploadThrottle],
    )
    def poster(self, request, pk=None, *args, **kwargs):
        movie_id = _parse_id(pk)
        if request.method == "DELETE":
            services.movie_poster_set(movie_id=movie_id, poster=None)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if not Movie.objects.filter(pk=movie_id).exists():
            raise NotFound("No such title.")
        stored = images.image_upload(data=images.read_upload(request, field="file"))
        poster = {"url": request.build_absolute_uri(stored["url"]), "public_id": stored["public_id"]}
        poster.update({size: request.build_absolute_uri(url) for size, url in stored["optimized_urls"].items()})
        services.movie_poster_set(movie_id=movie_id, poster=poster)
        return Response(self._fresh_detail(movie_id))

    def _fresh_detail(self, movie_id) -> dict:
        return MovieDetail.build(selectors.movie_detail_row(movie_id=movie_id))

    @extend_schema(
        tags=["movies"],
        parameters=[OpenApiParameter("q", str, required=True, description="What is being typed; typos allowed.")],
        responses={200: MovieSuggestionListSerializer, **errors(400)},
        description="At most 10 titles for what is being typed, closest first (trigram similarity), "
        "then the most reviewed; accents are ignored. The titles (or local titles) with every typed word "
        "answer: a word as typed, one slip away (a letter dropped, added, changed, or two swapped), and "
        "the last word also as the start of a word. When no title has them all, the words of three or "
        "more letters must match; when none has those either, titles trigram-similar to the whole of "
        "`q` (similarity 0.3, or word similarity 0.6) answer.",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def suggestions(self, request, *args, **kwargs):
        q = _validated(filters.SuggestionFilter, request, self.get_queryset()).form.cleaned_data["q"]
        key = current_key(suggestions_key(q))
        cut_short = []

        def render():
            rows = selectors.movie_suggestions(q=q)
            cut_short.extend([] if rows.complete else [True])
            return render_json({"results": rows})

        answer = cached_answer(key, area="movie_suggestions", ttl=SUGGESTIONS_TTL, render=render)
        if cut_short:  # an answer cut short by the time budget is kept only briefly
            cache.set(key, answer, SUGGESTIONS_PARTIAL_TTL)
        return stored_response(request, answer)

    @extend_schema(
        tags=["movies"],
        responses={200: MovieSummary.serializer(many=True), **errors(404)},
        description="Titles admins marked featured; the best-rated ones while none are. Cached 30 minutes.",
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def featured(self, request, *args, **kwargs):
        answer = cached_answer(
            request_key("featured", request=request),
            area="movie_featured",
            ttl=FEATURED_TTL,
            render=lambda: render_json(self._page(selectors.movie_featured(), personal=False).data),
        )
        return personal_response(request, answer)

    @extend_schema(
        tags=["movies"],
        responses={200: MovieSummary.serializer(many=True), **errors(404)},
        description="Most reviews and review votes in the last 7 days, then all-time activity (which is "
        "the whole order when the week is quiet). The ranking is recomputed every 10 minutes (cached 15); "
        "the rows are current.",
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def trending(self, request, *args, **kwargs):
        # The ranking (ids) is cached and refreshed by beat; a page of it is stored as an answer
        # under the ranking's generation and the catalogue version, so a new ranking or any change
        # to a title (its counts) is seen at once.
        generation = trending_generation()
        if not generation:  # no ranking yet (or evicted): make it first, so the key names it
            services.trending_refresh()
            generation = trending_generation()

        def render():
            ranking = cache_lookup("movie_trending", trending_ids_get())
            if ranking is None:
                ranking = services.trending_refresh()
            movie_ids = self.paginate_queryset(ranking)
            rows = selectors.movie_rows_in_order(movie_ids=movie_ids)
            build = MovieSummary.builder()
            return render_json(self.get_paginated_response([build(row) for row in rows]).data)

        answer = cached_answer(
            request_key(f"trending:{generation}", request=request),
            area="movie_trending_page",
            ttl=TRENDING_TTL,
            render=render,
        )
        return personal_response(request, answer)


@extend_schema_view(**{name: extend_schema(tags=["series"]) for name in ("list", "retrieve", "search")})
@extend_schema_view(**_READ_SCHEMAS)
class SeriesViewSet(_CatalogueReadViewSet):
    """The same catalogue restricted to `type = series`: a film's id here is a 404."""

    movie_type = MovieType.SERIES
    list_filter = filters.SeriesFilter
    search_filter = filters.SeriesSearchFilter
