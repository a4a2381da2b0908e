"""What the social endpoints read: ordered querysets with their joins and prefetches done."""

import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Sum

from accounts.models import User
from catalog.models import MovieGenre, MovieLanguage
from lemonnpie.api.exceptions import NotFound
from reviews.models import Review
from social.cache import FEED_TTL, feed_generation, feed_page_key
from social.models import FavoriteEntry, Follow, WatchlistEntry


def parse_uuid(value) -> uuid.UUID:
    """A path id as a UUID; anything else is a 404 (API.md §1), never a 500."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise NotFound() from None


def user_public_get(*, user_id) -> User:
    """A user the public may see: unknown and suspended users are both 404."""
    user = User.objects.filter(pk=parse_uuid(user_id), is_active=True).first()
    if user is None:
        raise NotFound("User not found.")
    return user


def user_get(*, user_id) -> User:
    """Any user by id, as stored (fresh counters included)."""
    return User.objects.get(pk=user_id)


def followers_list(*, user: User) -> QuerySet[Follow]:
    """Follow rows pointing at `user`, newest first; suspended followers are hidden."""
    return (
        Follow.objects.filter(following=user, follower__is_active=True)
        .select_related("follower")
        .order_by("-created_at", "-id")
    )


def following_list(*, user: User) -> QuerySet[Follow]:
    """Follow rows made by `user`, newest first; suspended accounts are hidden."""
    return (
        Follow.objects.filter(follower=user, following__is_active=True)
        .select_related("following")
        .order_by("-created_at", "-id")
    )


def follow_get(*, follower_id, following_id) -> Follow | None:
    return Follow.objects.filter(follower_id=follower_id, following_id=following_id).first()


def _movie_entries(model, *, user: User) -> QuerySet:
    return (
        model.objects.filter(user=user)
        .select_related("movie")
        .prefetch_related(
            Prefetch("movie__genre_rows", queryset=MovieGenre.objects.order_by("genre")),
            Prefetch("movie__language_rows", queryset=MovieLanguage.objects.order_by("language")),
        )
        .order_by("-added_at", "-id")
    )


def watchlist_list(*, user: User) -> QuerySet[WatchlistEntry]:
    """The caller's own watchlist, newest first (nobody else's is ever readable)."""
    return _movie_entries(WatchlistEntry, user=user)


def favorites_list(*, user: User) -> QuerySet[FavoriteEntry]:
    """The caller's own favourites, newest first."""
    return _movie_entries(FavoriteEntry, user=user)


# --- feed -----------------------------------------------------------------------------------


def feed_queryset(*, user: User) -> QuerySet[Review]:
    """Approved reviews by the (active) people `user` follows, newest first.

    One SQL statement: `user_id IN (SELECT following_id FROM user_follows WHERE follower_id = ...)`
    served by the `user_follows_unique` (follower, following) index and the reviews
    (user, -created_at) index; PostgreSQL merges, never Python.
    """
    followed = Follow.objects.filter(follower=user, following__is_active=True).values("following_id")
    return Review.objects.visible().filter(user_id__in=followed).order_by("-created_at", "-id")


def feed_count(*, user: User) -> int:
    """How many reviews `feed_queryset(user)` holds, from the stored counters: the sum of
    `review_count` (approved reviews, kept exact by reviews.services in the same transaction as
    the rows; `recompute_stats` repairs drift) over the active people `user` follows.

    A COUNT over the rows would read every review of everyone followed (80,000+ for someone
    following 500 prolific reviewers); this reads one user row per follow, by primary key.
    """
    author_reviews = User.objects.filter(pk=OuterRef("following_id"), is_active=True).values("review_count")[:1]
    total = Follow.objects.filter(follower=user).aggregate(total=Sum(Subquery(author_reviews)))["total"]
    return total or 0


@dataclass(frozen=True)
class FeedPage:
    count: int
    reviews: list[Review]


def feed_page(*, user: User, page: int, page_size: int) -> FeedPage:
    """One page of the feed. The page's ids and the total are cached per user for 5 minutes
    (`feed:{user_id}...`); the rows are always read fresh by primary key in one query, so vote
    counts, the caller's `user_vote` and moderation are never stale."""
    token = feed_generation(user.pk)
    key = feed_page_key(user.pk, token, page=page, page_size=page_size) if token else None
    cached = cache.get(key) if key else None
    if cached is None:
        queryset = feed_queryset(user=user)
        count = feed_count(user=user)
        offset = (page - 1) * page_size
        if page > 1 and offset >= count:
            raise NotFound("Invalid page.")
        ids = list(queryset.values_list("id", flat=True)[offset : offset + page_size]) if count else []
        cached = {"count": count, "ids": [str(review_id) for review_id in ids]}
        if key:
            cache.set(key, cached, FEED_TTL)
    return FeedPage(count=cached["count"], reviews=_feed_reviews(user=user, ids=cached["ids"]))


def _feed_reviews(*, user: User, ids: list[str]) -> list[Review]:
    if not ids:
        return []
    rows = Review.objects.for_display(user).visible().filter(pk__in=ids, user__is_active=True)
    by_id = {str(review.pk): review for review in rows}
    return [by_id[review_id] for review_id in ids if review_id in by_id]
