"""Every write of the social app: follows (with their counters), watchlist and favourites.

Counters (`User.followers_count`, `User.following_count`) change only in SQL with F(), and only
when a follow row was really inserted or deleted: the insert is `ON CONFLICT DO NOTHING
RETURNING id` against the unique constraint and the delete is `DELETE ... RETURNING`, so two
requests racing on the same pair can never both count. Both user rows are updated in primary-key
order everywhere (here and in the recount), so A→B and B→A at the same moment cannot deadlock.
"""

import logging
from collections.abc import Iterable

from django.db import connection, models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import User
from catalog.models import Movie
from lemonnpie.api.exceptions import ApplicationError, NotFound
from notifications.services import notify_new_follower
from social.cache import feed_cache_invalidate
from social.models import FavoriteEntry, Follow, WatchlistEntry
from social.selectors import parse_uuid

logger = logging.getLogger(__name__)


def _upsert(model, *, conflict: Iterable[str], **values) -> tuple[int, bool]:
    """`INSERT ... ON CONFLICT (<unique fields>) DO UPDATE ... RETURNING id, (xmax = 0)`.

    One atomic statement that always yields the row — new, or existing and now locked by this
    transaction — and whether it was inserted, so a concurrent delete can never slip between an
    insert that found a duplicate and the read that follows. Only that unique conflict is absorbed;
    a foreign-key or check violation still raises."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name).column for name in values]
    params = [meta.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()]
    conflict_columns = [meta.get_field(name).column for name in conflict]
    first = quote(conflict_columns[0])
    # Only quoted identifiers from model metadata are formatted in; every value is a parameter.
    template = (
        "INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT ({conflict}) "
        "DO UPDATE SET {first} = EXCLUDED.{first} RETURNING {pk}, (xmax = 0)"
    )
    sql = template.format(
        table=quote(meta.db_table),
        columns=", ".join(quote(column) for column in columns),
        placeholders=", ".join(["%s"] * len(columns)),
        conflict=", ".join(quote(column) for column in conflict_columns),
        first=first,
        pk=quote(meta.pk.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row_id, inserted = cursor.fetchone()
    return row_id, inserted


def _insert_or_get(model, *, conflict: tuple[str, ...], **values):
    """(row, created) for a row keyed by the unique `conflict` fields."""
    row_id, created = _upsert(model, conflict=conflict, **values)
    return model.objects.get(pk=row_id), created


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
    follow, created = _insert_or_get(
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
            transaction.on_commit(lambda follower_id=follower_id: feed_cache_invalidate(user_ids=[follower_id]))
    return count


def _actual_counts():
    followers = (
        Follow.objects.filter(following=OuterRef("pk"))
        .order_by()
        .values("following")
        .annotate(n=Count("*"))
        .values("n")
    )
    following = (
        Follow.objects.filter(follower=OuterRef("pk")).order_by().values("follower").annotate(n=Count("*")).values("n")
    )
    return {
        "actual_followers": Coalesce(Subquery(followers, output_field=models.IntegerField()), 0),
        "actual_following": Coalesce(Subquery(following, output_field=models.IntegerField()), 0),
    }


def _drifted_ids() -> list:
    drifted = User.objects.annotate(**_actual_counts()).filter(
        ~Q(followers_count=F("actual_followers")) | ~Q(following_count=F("actual_following"))
    )
    return list(drifted.order_by("pk").values_list("pk", flat=True))


def follow_counts_recompute(*, fix: bool, chunk_size: int = 500) -> int:
    """Compare every user's follow counters with the follow rows; with `fix`, repair them.

    Returns how many users had drifted (and, with `fix`, were repaired). The repair locks the
    drifted user rows in primary-key order first (as the follow services do), then recounts in
    a new statement, so it sees every committed follow and a concurrent follow that is still
    waiting to bump its counter applies its +1 on top of the recount.
    """
    drifted = _drifted_ids()
    if not fix:
        return len(drifted)
    fixed = 0
    for start in range(0, len(drifted), chunk_size):
        chunk = drifted[start : start + chunk_size]
        with transaction.atomic():
            list(User.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))
            actual = _actual_counts()
            fixed += (
                User.objects.filter(pk__in=chunk)
                .annotate(**actual)
                .filter(~Q(followers_count=F("actual_followers")) | ~Q(following_count=F("actual_following")))
                .update(followers_count=actual["actual_followers"], following_count=actual["actual_following"])
            )
    if fixed:
        logger.warning("follow counters repaired for %d users", fixed)
    return fixed


# --- watchlist and favourites ---------------------------------------------------------------


def _movie_list_add(model, *, user: User, movie_id):
    movie_id = parse_uuid(movie_id)
    if not Movie.objects.filter(pk=movie_id).exists():
        raise NotFound("Movie not found.")
    return _insert_or_get(model, conflict=("user", "movie"), user=user.pk, movie=movie_id, added_at=timezone.now())


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


def feed_invalidate_followers(*, author_id) -> None:
    """Forget the cached feeds of everyone who follows `author_id` (their feed shows its reviews)."""
    # One query for all of them (a server-side cursor would cost three round trips even for one follower).
    follower_ids = list(Follow.objects.filter(following_id=author_id).values_list("follower_id", flat=True))
    feed_cache_invalidate(user_ids=follower_ids)
