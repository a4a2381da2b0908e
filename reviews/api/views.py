"""Review endpoints (API.md §6) plus `movies/{id}/reviews` and `users/{id}/reviews`.

Thin: reads come from `reviews.selectors`, writes from `reviews.services`; after a write the
review is re-read through the selector so every answer has the list row's shape."""

from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Role
from lemonnpie.api.exceptions import NotFound
from lemonnpie.api.permissions import has_role
from lemonnpie.api.schema import error_response
from reviews import rules, selectors, services
from reviews.api.filters import MovieReviewFilter, ReviewFilter, ReviewOrderingFilter
from reviews.api.serializers import (
    ReviewCreateSerializer,
    ReviewUpdateSerializer,
    ReviewVoteSerializer,
)
from reviews.models import Review
from reviews.selectors import CountedRows
from reviews.shapes import Review as ReviewShape

UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


E400 = error_response(400)
E401 = error_response(401)
E403 = error_response(403)
E404 = error_response(404, "`not_found`: unknown, hidden or rejected review, or a non-UUID id.")
E409_LOCK = error_response(409, "`conflict`: the item was busy (lock timeout); retry after `Retry-After` seconds.")
ORDERING = ReviewOrderingFilter.openapi_parameter()


def _review_page(view, queryset) -> Response:
    """A page of reviews (queryset from the selectors: ordered, with `user_vote`) in one query."""
    page = view.paginate_queryset(CountedRows(queryset))
    build = ReviewShape.builder()
    return view.get_paginated_response([build(row) for row in page])


class IsReviewAuthor(permissions.BasePermission):
    message = rules.EDIT_REFUSED

    def has_object_permission(self, request, view, obj):
        return rules.can_edit(request.user, obj)


class IsReviewAuthorOrModerator(permissions.BasePermission):
    message = rules.DELETE_REFUSED

    def has_object_permission(self, request, view, obj):
        return rules.can_delete(request.user, obj)


@extend_schema_view(
    list=extend_schema(
        summary="List approved reviews",
        parameters=[ORDERING],
        responses={200: ReviewShape.serializer(many=True), 400: E400},
    ),
    retrieve=extend_schema(summary="One approved review", responses={200: ReviewShape.serializer_class, 404: E404}),
)
class ReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReviewShape.serializer_class
    filter_backends = [DjangoFilterBackend, ReviewOrderingFilter]
    filterset_class = ReviewFilter
    lookup_value_regex = UUID_PATTERN
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    def get_permissions(self):
        extra = {
            "update": [IsReviewAuthor()],
            "partial_update": [IsReviewAuthor()],
            "destroy": [IsReviewAuthorOrModerator()],
        }.get(self.action, [])
        return [*super().get_permissions(), *extra]

    def get_queryset(self):
        viewer = self.request.user
        if self.action == "list":
            return selectors.review_list(viewer=viewer)
        if self.action == "destroy":
            # Authors may delete their own hidden review (to write a new one); staff any review.
            if has_role(viewer, Role.MODERATOR, Role.ADMIN):
                return Review.objects.all()
            return Review.objects.filter(Q(moderation_status="approved") | Q(user_id=viewer.pk))
        if self.action == "retrieve":
            return Review.objects.visible().for_display(viewer)
        return Review.objects.visible()

    def get_object(self):
        # No filter backends here: query parameters must never turn a detail into a 404.
        review = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if review is None:
            raise NotFound("Review not found.")
        self.check_object_permissions(self.request, review)
        return review

    def _show(self, review_id, status_code=status.HTTP_200_OK):
        row = selectors.review_display_row(review_id=review_id, viewer=self.request.user)
        return Response(ReviewShape.build(row), status=status_code)

    def list(self, request, *args, **kwargs):
        return _review_page(self, self.filter_queryset(self.get_queryset()))

    @extend_schema(
        summary="Write a review",
        request=ReviewCreateSerializer,
        responses={
            201: ReviewShape.serializer_class,
            400: error_response(400, "`validation_error`: a bad field, or an unknown `movie_id`."),
            401: E401,
            409: error_response(409, "`conflict`: you already reviewed this movie (or it was busy: retry)."),
        },
    )
    def create(self, request):
        body = ReviewCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        review = services.review_create(user=request.user, movie_id=data.pop("movie_id"), **data)
        return self._show(review.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit your review (partial body allowed)",
        request=ReviewUpdateSerializer,
        responses={200: ReviewShape.serializer_class, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409_LOCK},
    )
    def update(self, request, pk=None):
        review = self.get_object()
        body = ReviewUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.review_update(review=review, actor=request.user, **body.validated_data)
        return self._show(review.pk)

    @extend_schema(
        summary="Edit your review (partial body)",
        request=ReviewUpdateSerializer,
        responses={200: ReviewShape.serializer_class, 400: E400, 401: E401, 403: E403, 404: E404, 409: E409_LOCK},
    )
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk)

    @extend_schema(
        summary="Delete a review (author, moderator or admin)",
        responses={204: None, 401: E401, 403: E403, 404: E404, 409: E409_LOCK},
    )
    def destroy(self, request, pk=None):
        services.review_delete(review=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Vote a review helpful or unhelpful",
        description="Idempotent; a different vote replaces yours. Not on your own review (400 `bad_request`).",
        request=ReviewVoteSerializer,
        responses={
            200: ReviewShape.serializer_class,
            400: error_response(400, "`validation_error`, or `bad_request` for a vote on your own review."),
            401: E401,
            404: E404,
            409: E409_LOCK,
        },
    )
    @action(detail=True, methods=["post"], url_path="vote")
    def vote(self, request, pk=None):
        body = ReviewVoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # No get_object(): the service locks the review and answers 404 itself for an unknown,
        # hidden or rejected one (and votes have no object-level permission to check).
        review = Review(pk=pk)
        services.review_vote(review=review, user=request.user, vote_type=body.validated_data["vote_type"])
        return self._show(review.pk)

    @extend_schema(
        summary="Remove your vote (idempotent)",
        responses={204: None, 401: E401, 404: E404, 409: E409_LOCK},
    )
    @vote.mapping.delete
    def unvote(self, request, pk=None):
        services.review_unvote(review=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Trending reviews",
        description="Approved reviews of the last 7 days ranked by helpfulness (Wilson lower bound, then helpful "
        "votes, then recency); all-time when the week was quiet.",
        responses={200: ReviewShape.serializer(many=True)},
    )
    @action(detail=False, methods=["get"], filter_backends=[], filterset_class=None)
    def trending(self, request):
        return _review_page(self, selectors.review_trending(viewer=request.user))


class _ReviewPageMixin:
    def list(self, request, *args, **kwargs):
        return _review_page(self, self.filter_queryset(self.get_queryset()))


class MovieReviewListView(_ReviewPageMixin, generics.ListAPIView):
    serializer_class = ReviewShape.serializer_class
    permission_classes = [permissions.AllowAny]
    filter_backends = [DjangoFilterBackend, ReviewOrderingFilter]
    filterset_class = MovieReviewFilter
    queryset = Review.objects.none()  # for the schema; get_queryset answers requests

    @extend_schema(
        summary="Approved reviews of a movie",
        operation_id="movies_reviews_list",
        parameters=[
            OpenApiParameter("movie_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Movie id (UUID)."),
            ORDERING,
        ],
        responses={
            200: ReviewShape.serializer(many=True),
            400: E400,
            404: error_response(404, "`not_found`: unknown movie."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        return selectors.movie_review_list(movie_id=self.kwargs["movie_id"], viewer=self.request.user)


class UserReviewListView(_ReviewPageMixin, generics.ListAPIView):
    serializer_class = ReviewShape.serializer_class
    permission_classes = [permissions.AllowAny]
    filter_backends = []
    queryset = Review.objects.none()

    @extend_schema(
        summary="Approved reviews by a user, newest first",
        operation_id="users_reviews_list",
        parameters=[
            OpenApiParameter("user_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="User id (UUID).")
        ],
        responses={
            200: ReviewShape.serializer(many=True),
            404: error_response(404, "`not_found`: unknown or suspended user."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        return selectors.user_review_list(author_id=self.kwargs["user_id"], viewer=self.request.user)
