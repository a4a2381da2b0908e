"""What endpoints, tasks and other apps read about reviews: ordered querysets with the author, the
movie and the viewer's `user_vote` in the same query, and their `values()` rows for the Review
shape (`reviews.shapes`)."""

import functools
import uuid
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from catalog.models import Movie
from lemonnpie.api.exceptions import NotFound
from lemonnpie.db.compiled import CompiledQuery, compile_query
from reviews.models import Review
from reviews.shapes import Review as ReviewShape

TRENDING_WINDOW = timedelta(days=7)
# Fewer recent reviews than this and trending widens to all time (a quiet week still has a list).
TRENDING_MIN_RECENT = 10


def parse_uuid(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound("Review not found.") from None


def review_list(*, viewer=None, ordering: str | None = None):
    """Approved reviews, newest first unless `ordering` names another public ordering."""
    return Review.objects.visible().for_display(viewer).ordered(ordering)


@functools.cache
def _display_query(signed_in: bool) -> CompiledQuery:
    """`review_display_row`'s query, compiled once per kind of viewer (every write's answer runs it)."""

    def build(*, review, viewer):
        return ReviewShape.rows(Review.objects.with_user_vote(User(pk=viewer) if signed_in else None).filter(pk=review))

    return compile_query(build, "review", "viewer")


def review_display_row(*, review_id, viewer=None) -> dict:
    """One review whatever its status, as a Review shape row; 404 when unknown."""
    signed_in = viewer is not None and viewer.is_authenticated
    row = _display_query(signed_in).first(review=parse_uuid(review_id), viewer=viewer.pk if signed_in else None)
    if row is None:
        raise NotFound("Review not found.")
    return row


class CountedRows:
    """`shape.rows(queryset)` for a paginator, counted on `queryset` itself: the joins that bring
    the author and the movie title would otherwise stay in the COUNT (they are inner joins, which
    Django cannot drop), tripling its cost on a busy title."""

    def __init__(self, queryset: QuerySet, shape=ReviewShape):
        self.queryset = queryset
        self.rows = shape.rows(queryset)
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, item):
        return self.rows[item]

    def __len__(self) -> int:
        return self.count()


def movie_review_list(*, movie_id, viewer=None, ordering: str | None = None):
    """Approved reviews of one movie (404 when the movie does not exist)."""
    if not Movie.objects.filter(pk=movie_id).exists():
        raise NotFound("Movie not found.")
    return review_list(viewer=viewer, ordering=ordering).filter(movie_id=movie_id)


def user_review_list(*, author_id, viewer=None):
    """Approved reviews by one user, newest first (404 when the user is unknown or suspended)."""
    if not User.objects.filter(pk=author_id, is_active=True).exists():
        raise NotFound("User not found.")
    return review_list(viewer=viewer).filter(user_id=author_id)


def review_trending(*, viewer=None, now=None):
    """The most helpful recent reviews: approved reviews of the last 7 days by Wilson score
    (then raw helpful votes, then recency); all time when the week had few reviews."""
    since = (now or timezone.now()) - TRENDING_WINDOW
    recent = Review.objects.visible().filter(created_at__gte=since)
    base = recent if recent[:TRENDING_MIN_RECENT].count() >= TRENDING_MIN_RECENT else Review.objects.visible()
    return base.for_display(viewer).most_helpful()
