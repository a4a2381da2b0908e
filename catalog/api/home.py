"""`GET /api/v1/home`: the rows of a home screen in one call, cached until the catalogue changes."""

import orjson
from django.core.cache import cache
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from catalog import selectors, services
from catalog.api.schema import errors
from catalog.api.views import add_movie_states, signed_in
from catalog.cache import HOME_TTL, trending_ids_get, versioned_key
from catalog.shapes import MovieSummary
from lemonnpie.api.exceptions import ApplicationError
from lemonnpie.api.renderers import JSONBytesResponse, render_json
from lemonnpie.metrics import cache_lookup

HOME_ROWS = ("featured", "trending", "new_releases", "top_rated")
DEFAULT_SIZE, MAX_SIZE = 10, 20


class HomeSerializer(serializers.Serializer):
    featured = MovieSummary.serializer(
        many=True, help_text="Curated titles; while none are, the best by Bayesian average (see README)."
    )
    trending = MovieSummary.serializer(
        many=True, help_text="Most reviews and votes this week; then the most reviewed; then the newest."
    )
    new_releases = MovieSummary.serializer(many=True, help_text="Released titles, newest first.")
    top_rated = MovieSummary.serializer(
        many=True, help_text="Titles with 3+ approved reviews by Bayesian average (prior: 5 reviews at the mean)."
    )


def home_rows(*, size: int) -> dict[str, list[dict]]:
    """The four rows (films and series only), `size` titles each: five queries and the trending
    ranking (cached by the beat job)."""
    build = MovieSummary.builder()

    def first(queryset) -> list[dict]:
        return [build(row) for row in selectors.movie_summary_rows(queryset[:size])]

    ranking = trending_ids_get()
    if ranking is None:
        ranking = services.trending_refresh()
    return {
        "featured": first(selectors.movie_featured()),
        "trending": [build(row) for row in selectors.movie_rows_in_order(movie_ids=ranking[:size])],
        "new_releases": first(selectors.movie_new_releases()),
        "top_rated": first(selectors.movie_top_rated()),
    }


def _size(request) -> int:
    raw = request.query_params.get("size", DEFAULT_SIZE)
    try:
        size = int(raw)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_SIZE:
        raise ApplicationError(
            "Invalid size.",
            error="validation_error",
            details=[{"field": "size", "message": f"An integer from 1 to {MAX_SIZE}."}],
        )
    return size


class HomeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["movies"],
        operation_id="home_retrieve",
        parameters=[
            OpenApiParameter("size", int, description=f"Titles per row, 1..{MAX_SIZE} (default {DEFAULT_SIZE}).")
        ],
        responses={200: HomeSerializer, **errors(400)},
        description="Featured, trending, new releases and top rated rows of MovieSummary in one call. Shorts and "
        "music videos are left out. Cached until the catalogue changes (at most 10 minutes); a signed-in caller's "
        "rows add `my_review`, `in_watchlist` and `in_favorites`.",
    )
    def get(self, request):
        size = _size(request)
        key = versioned_key(f"home:{size}")
        body = cache_lookup("catalog_home", cache.get(key), expect=bytes)
        if body is None:
            body = render_json(home_rows(size=size))
            cache.set(key, body, HOME_TTL)
        if not signed_in(request):
            return JSONBytesResponse(body)
        data = orjson.loads(body)
        add_movie_states(request, [row for name in HOME_ROWS for row in data[name]])
        response = JSONBytesResponse(render_json(data))
        response["Cache-Control"] = "private"
        return response
