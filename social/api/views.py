"""Thin views over social.selectors / social.services (API.md §4 and §8)."""

from django.core.files.uploadhandler import FileUploadHandler, MemoryFileUploadHandler, TemporaryFileUploadHandler
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from accounts.models import User
from accounts.shapes import UserPublic
from lemonnpie.api.exceptions import NotFound
from lemonnpie.api.pagination import PageNumberPagination
from lemonnpie.api.schema import error_responses
from lemonnpie.api.throttles import UserRateThrottle
from social import images, selectors, services
from social.api.serializers import FeedPageSerializer, ImageUploadRequestSerializer, ImageUploadSerializer
from social.models import FavoriteEntry, WatchlistEntry
from social.shapes import FeedItem, FollowListUser, FollowStatus, MovieListRow

UUID_REGEX = "[0-9a-fA-F-]{36}"


def _errors(*codes: int) -> dict:
    text = {
        400: "Bad input (envelope).",
        401: "Not signed in, or the token is invalid (envelope).",
        404: "Unknown or hidden object, or a non-UUID id (envelope).",
        413: "The file is larger than 5 MB (envelope, `payload_too_large`).",
        415: "The file is not a real JPEG, PNG, WebP or GIF image (envelope, `unsupported_media_type`).",
        429: "Rate limited (envelope, `Retry-After`).",
        503: "Image storage is temporarily unavailable (envelope).",
    }
    return error_responses(**{f"s{code}": text[code] for code in codes})


# --- /users/{id}, followers, following, follow ----------------------------------------------


_USER_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The user's id.")
_MOVIE_ID = OpenApiParameter("movie_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The movie's id.")


# `users/profile` (accounts) and `users/{id}/reviews` (reviews) are plain paths matched first.
class UserViewSet(viewsets.GenericViewSet):
    """Public profiles and the follow graph."""

    lookup_value_regex = UUID_REGEX
    serializer_class = UserPublic.serializer_class
    pagination_class = PageNumberPagination
    filter_backends = []
    queryset = User.objects.none()  # schema only: every read goes through a selector

    def get_permissions(self):
        if self.action == "follow":
            return [IsAuthenticated()]
        return [AllowAny()]

    def _target(self):
        return selectors.user_public_get(user_id=self.kwargs["pk"])

    def _follow_page(self, queryset, side: str):
        data = []
        for follow in self.paginate_queryset(queryset):
            user = getattr(follow, side)
            user.followed_at = follow.created_at
            data.append(FollowListUser.of(user))
        return self.get_paginated_response(data)

    @extend_schema(
        summary="A public profile", parameters=[_USER_ID], responses={200: UserPublic.serializer_class, **_errors(404)}
    )
    def retrieve(self, request, pk=None):
        return Response(UserPublic.of(self._target()))

    @extend_schema(
        summary="Who follows this user (newest first)",
        parameters=[_USER_ID],
        responses={200: FollowListUser.serializer(many=True), **_errors(404)},
    )
    @action(detail=True, methods=["get"])
    def followers(self, request, pk=None):
        return self._follow_page(selectors.followers_list(user=self._target()), side="follower")

    @extend_schema(
        summary="Whom this user follows (newest first)",
        parameters=[_USER_ID],
        responses={200: FollowListUser.serializer(many=True), **_errors(404)},
    )
    @action(detail=True, methods=["get"])
    def following(self, request, pk=None):
        return self._follow_page(selectors.following_list(user=self._target()), side="following")

    @extend_schema(
        methods=["POST"],
        summary="Follow this user (idempotent)",
        parameters=[_USER_ID],
        request=None,
        responses={
            201: OpenApiResponse(FollowStatus.serializer_class, description="Now following."),
            200: OpenApiResponse(FollowStatus.serializer_class, description="Was already following."),
            **_errors(400, 401, 404),
        },
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Unfollow this user (idempotent)",
        parameters=[_USER_ID],
        request=None,
        responses={204: OpenApiResponse(description="Not following (any more)."), **_errors(401, 404)},
    )
    @action(detail=True, methods=["post", "delete"])
    def follow(self, request, pk=None):
        if request.method == "DELETE":
            services.follow_delete(follower=request.user, following_id=pk)
            return Response(status=status.HTTP_204_NO_CONTENT)
        follow, created = services.follow_create(follower=request.user, following_id=pk)
        body = {
            "following": True,
            "followed_at": follow.created_at,
            "user": selectors.user_get(user_id=follow.following_id),
        }
        return Response(FollowStatus.of(body), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- /users/watchlist, /users/favorites -----------------------------------------------------


class _MovieListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MovieListRow.serializer_class
    filter_backends = []
    selector = None  # staticmethod(selector) in subclasses

    def get_queryset(self):
        return self.selector(user=self.request.user)

    def list(self, request, *args, **kwargs):
        """MovieListRow rows built like the movie list's (one query for the page)."""
        build = MovieListRow.builder()
        return self.get_paginated_response([build(row) for row in self.paginate_queryset(self.get_queryset())])


class _MovieListEntryView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MovieListRow.serializer_class
    add = remove = None  # staticmethod(service) in subclasses
    model = None  # WatchlistEntry or FavoriteEntry

    def post(self, request, movie_id):
        entry, created = self.add(user=request.user, movie_id=movie_id)
        row = selectors.movie_list_row(model=self.model, user=request.user, movie_id=entry.movie_id)
        return Response(MovieListRow.build(row), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def delete(self, request, movie_id):
        self.remove(user=request.user, movie_id=movie_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


_ENTRY_POST = {
    201: OpenApiResponse(MovieListRow.serializer_class, description="Added."),
    200: OpenApiResponse(MovieListRow.serializer_class, description="Was already on the list."),
    **_errors(401, 404),
}
_ENTRY_DELETE = {204: OpenApiResponse(description="Not on the list (any more)."), **_errors(401, 404)}


@extend_schema(
    summary="My watchlist (private, newest first)",
    responses={200: MovieListRow.serializer(many=True), **_errors(401)},
)
class WatchlistView(_MovieListView):
    selector = staticmethod(selectors.watchlist_list)


class WatchlistEntryView(_MovieListEntryView):
    add = staticmethod(services.watchlist_add)
    remove = staticmethod(services.watchlist_remove)
    model = WatchlistEntry

    @extend_schema(summary="Add a movie to my watchlist", parameters=[_MOVIE_ID], request=None, responses=_ENTRY_POST)
    def post(self, request, movie_id):
        return super().post(request, movie_id)

    @extend_schema(
        summary="Remove a movie from my watchlist", parameters=[_MOVIE_ID], request=None, responses=_ENTRY_DELETE
    )
    def delete(self, request, movie_id):
        return super().delete(request, movie_id)


@extend_schema(
    summary="My favourites (private, newest first)",
    responses={200: MovieListRow.serializer(many=True), **_errors(401)},
)
class FavoritesView(_MovieListView):
    selector = staticmethod(selectors.favorites_list)


class FavoriteEntryView(_MovieListEntryView):
    add = staticmethod(services.favorite_add)
    remove = staticmethod(services.favorite_remove)
    model = FavoriteEntry

    @extend_schema(summary="Add a movie to my favourites", parameters=[_MOVIE_ID], request=None, responses=_ENTRY_POST)
    def post(self, request, movie_id):
        return super().post(request, movie_id)

    @extend_schema(
        summary="Remove a movie from my favourites", parameters=[_MOVIE_ID], request=None, responses=_ENTRY_DELETE
    )
    def delete(self, request, movie_id):
        return super().delete(request, movie_id)


# --- /users/feed ----------------------------------------------------------------------------


class FeedView(APIView):
    """Reviews by the people I follow, newest first; pages cached per user (see selectors.feed_page)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My activity feed",
        operation_id="users_feed_list",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="1-based page number."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page (default 20, at most 100)."),
        ],
        responses={200: FeedPageSerializer, **_errors(401, 404)},
    )
    def get(self, request):
        page_size = PageNumberPagination().get_page_size(request)
        try:
            number = int(request.query_params.get("page", 1))
        except (TypeError, ValueError):
            raise NotFound("Invalid page.") from None
        if number < 1:
            raise NotFound("Invalid page.")
        page = selectors.feed_page(user=request.user, page=number, page_size=page_size)
        build = FeedItem.builder()
        url = request.build_absolute_uri()
        last = max(1, -(-page.count // page_size))
        previous = None
        if number == 2:
            previous = remove_query_param(url, "page")
        elif number > 2:
            previous = replace_query_param(url, "page", number - 1)
        return Response(
            {
                "count": page.count,
                "next": replace_query_param(url, "page", number + 1) if number < last else None,
                "previous": previous,
                "results": [build(row) for row in page.reviews],
            }
        )


# --- /upload/image --------------------------------------------------------------------------


class _FileSizeCapHandler(FileUploadHandler):
    """First in the chain: aborts the upload with 413 as soon as a file passes the limit, so an
    oversized body is never buffered or written to a temporary file in full."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > images.max_bytes():
            raise images.PayloadTooLarge()
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadRateThrottle(UserRateThrottle):
    scope = "uploads"


_MULTIPART_OVERHEAD = 64 * 1024


class ImageUploadView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [UserRateThrottle, UploadRateThrottle]

    @extend_schema(
        summary="Upload an image (avatar, poster)",
        request={"multipart/form-data": ImageUploadRequestSerializer},
        responses={201: ImageUploadSerializer, **_errors(400, 401, 413, 415, 429, 503)},
    )
    def post(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > images.max_bytes() + _MULTIPART_OVERHEAD:
            raise images.PayloadTooLarge()
        django_request = request._request
        django_request.upload_handlers = [
            _FileSizeCapHandler(django_request),
            MemoryFileUploadHandler(django_request),
            TemporaryFileUploadHandler(django_request),
        ]
        serializer = ImageUploadRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > images.max_bytes():
            raise images.PayloadTooLarge()
        result = images.image_upload(data=upload.read())
        result["url"] = request.build_absolute_uri(result["url"])
        result["optimized_urls"] = {
            name: request.build_absolute_uri(url) for name, url in result["optimized_urls"].items()
        }
        return Response(ImageUploadSerializer(result).data, status=status.HTTP_201_CREATED)
