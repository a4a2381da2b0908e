"""What endpoints, tasks and other apps read about reviews: ordered querysets with the author, the
movie and the viewer's `user_vote` in the same query, and their `values()` rows for the Review
shape (`reviews.shapes`)."""

import functools
import uuid
from datetime import timedelta

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from catalog.models import Movie
from lemonnpie.api.exceptions import NotFound
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


def review_detail(*, review_id, viewer=None) -> Review:
    """One approved review for display; hidden, rejected and unknown reviews are all 404."""
    review = Review.objects.visible().for_display(viewer).filter(pk=review_id).first()
    if review is None:
        raise NotFound("Review not found.")
    return review


def review_for_display(*, review_id, viewer=None) -> Review:
    """One review whatever its moderation status (moderators, re-reads after a write)."""
    review = Review.objects.for_display(viewer).filter(pk=review_id).first()
    if review is None:
        raise NotFound("Review not found.")
    return review


_ANY_REVIEW = uuid.UUID(int=1)  # stand-ins for the parameters of the compiled display query
_ANY_VIEWER = uuid.UUID(int=2)


@functools.cache
def _display_query(signed_in: bool) -> tuple[str, tuple, tuple[str, ...]]:
    """The SQL of `review_display_row` compiled once per kind of viewer: (sql, params with stand-ins,
    column names). Every write's answer runs it; compiling it each time cost more than running it."""
    viewer = User(pk=_ANY_VIEWER) if signed_in else None
    query = ReviewShape.rows(Review.objects.with_user_vote(viewer).filter(pk=_ANY_REVIEW))[:1].query
    sql, params = query.sql_with_params()
    # The order Django's ValuesIterable reads the columns in.
    names = (
        tuple(query.selected)
        if query.selected is not None
        else (
            *query.extra_select,
            *query.values_select,
            *query.annotation_select,
        )
    )
    return sql, tuple(params), names


def review_display_row(*, review_id, viewer=None) -> dict:
    """One review whatever its status, as a Review shape row; 404 when unknown."""
    signed_in = viewer is not None and viewer.is_authenticated
    sql, template, names = _display_query(signed_in)
    stand_ins = {_ANY_REVIEW: parse_uuid(review_id), _ANY_VIEWER: viewer.pk if signed_in else None}
    params = [stand_ins.get(param, param) if isinstance(param, uuid.UUID) else param for param in template]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise NotFound("Review not found.")
    return dict(zip(names, row, strict=True))


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


def review_get(*, review_id) -> Review:
    """The review row whatever its status (for services called by moderation); 404 when unknown."""
    review = Review.objects.filter(pk=review_id).first()
    if review is None:
        raise NotFound("Review not found.")
    return review


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
