"""Thin views over lists.selectors / lists.services."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from lemonnpie.api.exceptions import ApplicationError
from lemonnpie.api.pagination import PageNumberPagination
from lemonnpie.api.schema import error_responses
from lists import selectors, services
from lists.api.serializers import (
    EntriesAddedSerializer,
    EntriesAddSerializer,
    EntryNoteSerializer,
    FilmListEntrySerializer,
    FilmListSerializer,
    FilmListWriteSerializer,
    LikeSerializer,
    ReorderSerializer,
)
from lists.models import FilmList
from social.selectors import parse_uuid, user_public_get

_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The list's id.")
_MOVIE_ID = OpenApiParameter("movie_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The film's id.")
_ORDERING = OpenApiParameter(
    "ordering",
    OpenApiTypes.STR,
    enum=list(selectors.ORDERINGS),
    description="`popular` (most liked, default) or `recent`.",
)
_OWNER_ONLY = "`permission_denied`: only the owner changes a list."


class FilmListViewSet(viewsets.GenericViewSet):
    """Lists of films: public ones for everyone, mine to create and change."""

    pagination_class = PageNumberPagination
    serializer_class = FilmListSerializer
    filter_backends = []
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    queryset = FilmList.objects.none()  # schema only

    def get_permissions(self):
        if self.action in ("list", "retrieve", "entries"):
            return [AllowAny()]
        return [IsAuthenticated()]

    def _list(self):
        return selectors.list_get(list_id=self.kwargs["pk"], viewer=self.request.user)

    def _fresh(self, film_list):
        return FilmListSerializer(selectors.list_get(list_id=film_list.pk, viewer=self.request.user)).data

    @extend_schema(summary="Public lists (popular or recent)", parameters=[_ORDERING])
    def list(self, request):
        ordering = request.query_params.get("ordering") or "popular"
        if ordering not in selectors.ORDERINGS:
            raise ApplicationError(
                "Bad ordering.",
                error="validation_error",
                details=[{"field": "ordering", "message": "Use popular or recent."}],
            )
        page = self.paginate_queryset(selectors.public_lists(ordering=ordering))
        return self.get_paginated_response(FilmListSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a list",
        request=FilmListWriteSerializer,
        responses={201: FilmListSerializer, **error_responses(400)},
    )
    def create(self, request):
        body = FilmListWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        film_list = services.list_create(user=request.user, **body.to_service_fields())
        return Response(self._fresh(film_list), status=status.HTTP_201_CREATED)

    @extend_schema(summary="A list (public, or mine)", parameters=[_ID])
    def retrieve(self, request, pk=None):
        return Response(FilmListSerializer(self._list()).data)

    @extend_schema(
        summary="Edit a list (partial; owner)",
        parameters=[_ID],
        request=FilmListWriteSerializer,
        responses={200: FilmListSerializer, **error_responses(400, s403=_OWNER_ONLY)},
    )
    def partial_update(self, request, pk=None):
        film_list = self._list()
        body = FilmListWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.list_update(film_list=film_list, actor=request.user, **body.to_service_fields())
        return Response(self._fresh(film_list))

    @extend_schema(
        summary="Delete a list (owner)", parameters=[_ID], responses={204: None, **error_responses(s403=_OWNER_ONLY)}
    )
    def destroy(self, request, pk=None):
        services.list_delete(film_list=self._list(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        summary="The films on a list, in order",
        parameters=[_ID],
        responses={200: FilmListEntrySerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add films to a list (owner; at most 1,000 films per list)",
        parameters=[_ID],
        request=EntriesAddSerializer,
        responses={201: EntriesAddedSerializer, **error_responses(400, s403=_OWNER_ONLY)},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=PageNumberPagination)
    def entries(self, request, pk=None):
        film_list = self._list()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.list_entries(film_list=film_list))
            return self.get_paginated_response(FilmListEntrySerializer(page, many=True).data)
        body = EntriesAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        added = services.list_entries_add(
            film_list=film_list,
            actor=request.user,
            items=[{"movie_id": i["movie_id"], "note": i.get("note") or ""} for i in body.validated_data["items"]],
            position=body.validated_data.get("position"),
        )
        data = {"added": added, "list": self._fresh(film_list)}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Change a film's note on a list (owner)",
        parameters=[_ID, _MOVIE_ID],
        request=EntryNoteSerializer,
        responses={200: FilmListEntrySerializer, **error_responses(400, s403=_OWNER_ONLY)},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Take a film off a list (owner; idempotent)",
        parameters=[_ID, _MOVIE_ID],
        responses={204: None, **error_responses(s403=_OWNER_ONLY)},
    )
    @action(
        detail=True, methods=["patch", "delete"], url_path=r"entries/(?P<movie_id>[0-9a-fA-F-]{36})", url_name="entry"
    )
    def entry(self, request, pk=None, movie_id=None):
        film_list = self._list()
        movie_id = parse_uuid(movie_id)
        if request.method == "DELETE":
            services.list_entry_remove(film_list=film_list, actor=request.user, movie_id=movie_id)
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = EntryNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.list_entry_update(
            film_list=film_list, actor=request.user, movie_id=movie_id, note=body.validated_data["note"] or ""
        )
        row = selectors.list_entries(film_list=film_list).get(movie_id=movie_id)
        return Response(FilmListEntrySerializer(row).data)

    @extend_schema(
        summary="Reorder a list in one request (owner): every film, once, in the new order",
        parameters=[_ID],
        request=ReorderSerializer,
        responses={200: FilmListSerializer, **error_responses(400, s403=_OWNER_ONLY)},
    )
    @action(detail=True, methods=["put"])
    def order(self, request, pk=None):
        film_list = self._list()
        body = ReorderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.list_reorder(film_list=film_list, actor=request.user, movie_ids=body.validated_data["order"])
        return Response(self._fresh(film_list))

    @extend_schema(
        methods=["POST"],
        summary="Like a list (idempotent)",
        parameters=[_ID],
        request=None,
        responses={200: LikeSerializer},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Unlike a list (idempotent)",
        parameters=[_ID],
        request=None,
        responses={200: LikeSerializer},
    )
    @action(detail=True, methods=["post", "delete"])
    def like(self, request, pk=None):
        list_id = parse_uuid(pk)
        if request.method == "DELETE":
            services.list_unlike(film_list_id=list_id, user=request.user)
        else:
            services.list_like(film_list_id=list_id, user=request.user)
        film_list = selectors.list_get(list_id=list_id, viewer=request.user)
        liked = film_list.likes.filter(user_id=request.user.pk).exists()
        return Response({"liked": liked, "like_count": film_list.like_count})


@extend_schema(
    summary="A user's lists (all of mine; the public ones of others)",
    parameters=[OpenApiParameter("user_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The user's id.")],
    responses={200: FilmListSerializer(many=True)},
)
class UserListsView(generics.ListAPIView):
    permission_classes = [AllowAny]
    pagination_class = PageNumberPagination
    serializer_class = FilmListSerializer
    filter_backends = []

    def get_queryset(self):
        owner = user_public_get(user_id=self.kwargs["user_id"])
        return selectors.user_lists(owner=owner, viewer=self.request.user)
