"""Every write of the social app: follows (with their counters), watchlist and favourites.

Counters (`User.followers_count`, `User.following_count`) change only in SQL with F(), and only
when a follow row was really inserted or deleted: the insert is one `INSERT ... ON CONFLICT ...
RETURNING id, (xmax = 0)` against the unique constraint (lemonnpie.db.upsert) and the delete
counts the rows it removed, so two requests racing on the same pair can never both count. Both
user rows are updated in primary-key order (here, and the recount in social/recompute.py locks
its batches in key order too), so A→B and B→A at the same moment cannot deadlock.
"""

import logging
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from catalog.models import Movie
from lemonnpie.api.exceptions import ApplicationError, NotFound
from lemonnpie.db.upsert import insert_or_get
from notifications.services import notify_new_follower
from social.cache import feed_cache_invalidate
from social.models import FavoriteEntry, Follow, WatchlistEntry
from social.selectors import parse_uuid

logger = logging.getLogger(__name__)


def _follow_counters_add(*, follower_id, following_id, delta: int) -> None:
    """Apply `delta` to both counters, locking the two user rows in primary-key order."""
    for user_id in sorted([follower_id, following_id]):
        field = "following_count" if user_id == follower_id else "followers_count"
        change = F(field) + delta if delta > 0 else Greatest(F(field) + delta, Value(0))
        User.objects.filter(pk=user_id).update(**{field: change})


@transaction.atomic
def follow_create(*, follower: User, following_id) -> tuple[Follow, bool]:
    """Follow a visible user; idempotent. Returns (row, created); counters move only when created."""
    following_id = parse_uuid(following_id)
    if following_id == follower.pk:
        raise ApplicationError("You cannot follow yourself.", error="bad_request", status=400)
    if not User.objects.filter(pk=following_id, is_active=True).exists():
        raise NotFound("User not found.")
    follow, created = insert_or_get(
        Follow,
        conflict=("follower", "following"),
        follower=follower.pk,
        following=following_id,
        created_at=timezone.now(),
    )
    if created:
        _follow_counters_add(follower_id=follower.pk, following_id=following_id, delta=1)
        transaction.on_commit(lambda: feed_cache_invalidate(user_ids=[follower.pk]))
        notify_new_follower(follower_id=follower.pk, followed_id=following_id)
    return follow, created


@transaction.atomic
def follow_delete(*, follower: User, following_id) -> bool:
    """Unfollow; idempotent (404 only for an id that is no user at all). True when a row went."""
    following_id = parse_uuid(following_id)
    if not User.objects.filter(pk=following_id).exists():
        raise NotFound("User not found.")
    deleted, _ = Follow.objects.filter(follower_id=follower.pk, following_id=following_id).delete()
    if deleted:
        _follow_counters_add(follower_id=follower.pk, following_id=following_id, delta=-1)
        transaction.on_commit(lambda: feed_cache_invalidate(user_ids=[follower.pk]))
    return bool(deleted)


@transaction.atomic
def follow_delete_rows(*, follow_ids: Iterable[int]) -> int:
    """Delete follow rows by id (the admin's bulk delete) keeping both counters exact."""
    count = 0
    for follower_id, following_id in Follow.objects.filter(pk__in=list(follow_ids)).values_list(
        "follower_id", "following_id"
    ):
        deleted, _ = Follow.objects.filter(follower_id=follower_id, following_id=following_id).delete()
        if deleted:
            _follow_counters_add(follower_id=follower_id, following_id=following_id, delta=-1)
            count += 1
            transaction.on_commit(partial(feed_cache_invalidate, user_ids=[follower_id]))
    return count


# --- watchlist and favourites ---------------------------------------------------------------


def _movie_list_add(model, *, user: User, movie_id):
    movie_id = parse_uuid(movie_id)
    if not Movie.objects.filter(pk=movie_id).exists():
        raise NotFound("Movie not found.")
    return insert_or_get(model, conflict=("user", "movie"), user=user.pk, movie=movie_id, added_at=timezone.now())


def _movie_list_remove(model, *, user: User, movie_id) -> bool:
    movie_id = parse_uuid(movie_id)
    deleted, _ = model.objects.filter(user_id=user.pk, movie_id=movie_id).delete()
    if not deleted and not Movie.objects.filter(pk=movie_id).exists():
        raise NotFound("Movie not found.")
    return bool(deleted)


@transaction.atomic
def watchlist_add(*, user: User, movie_id) -> tuple[WatchlistEntry, bool]:
    """Put a movie on the user's watchlist; idempotent. Returns (entry, created)."""
    return _movie_list_add(WatchlistEntry, user=user, movie_id=movie_id)


@transaction.atomic
def watchlist_remove(*, user: User, movie_id) -> bool:
    """Take a movie off the user's watchlist; idempotent (404 only for an unknown movie)."""
    return _movie_list_remove(WatchlistEntry, user=user, movie_id=movie_id)


@transaction.atomic
def favorite_add(*, user: User, movie_id) -> tuple[FavoriteEntry, bool]:
    """Mark a movie as a favourite; idempotent. Returns (entry, created)."""
    return _movie_list_add(FavoriteEntry, user=user, movie_id=movie_id)


@transaction.atomic
def favorite_remove(*, user: User, movie_id) -> bool:
    """Unmark a favourite; idempotent (404 only for an unknown movie)."""
    return _movie_list_remove(FavoriteEntry, user=user, movie_id=movie_id)


# --- feed invalidation ----------------------------------------------------------------------


# Above this many followers, a review's feed invalidation leaves the request for the worker.
FEED_INLINE_FOLLOWERS = 500


def feed_invalidate_followers(*, author_id) -> None:
    """Forget the cached feeds of everyone who follows `author_id` (their feed shows its reviews)."""
    # One query for all of them (a server-side cursor would cost three round trips even for one follower).
    follower_ids = list(Follow.objects.filter(following_id=author_id).values_list("follower_id", flat=True))
    feed_cache_invalidate(user_ids=follower_ids)


def feed_invalidate_after_review(*, author_id) -> None:
    """A review by `author_id` changed: forget their followers' cached feeds. Up to
    `FEED_INLINE_FOLLOWERS` followers are done here (the same one query and one DEL); a larger
    audience goes to the worker, so the review write never waits on thousands of cache keys (a feed
    left stale meanwhile is bounded by its TTL). Published without retries: a broker outage is
    logged by the caller, never waited on."""
    from social.tasks import feed_invalidate_followers_task

    follower_ids = list(
        Follow.objects.filter(following_id=author_id).values_list("follower_id", flat=True)[: FEED_INLINE_FOLLOWERS + 1]
    )
    if len(follower_ids) <= FEED_INLINE_FOLLOWERS:
        feed_cache_invalidate(user_ids=follower_ids)
    else:
        feed_invalidate_followers_task.apply_async(kwargs={"author_id": str(author_id)}, retry=False)
