"""What the social endpoints read: ordered querysets with their joins and prefetches done."""

import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery, Value

from accounts.models import User
from catalog.models import Movie
from lemonnpie.api.exceptions import NotFound
from lemonnpie.db.planner import estimated_rows, set_local
from lemonnpie.metrics import cache_lookup
from lemonnpie.replicas import read_alias
from reviews.models import Review
from social.cache import FEED_TTL, feed_generation, feed_page_key
from social.models import FavoriteEntry, Follow, WatchlistEntry
from social.shapes import FeedItem, MovieListRow


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
    """The follow row of `follower_id` → `following_id`, or None."""
    return Follow.objects.filter(follower_id=follower_id, following_id=following_id).first()


def _movie_entries(model, *, user: User) -> QuerySet:
    """The user's entries, newest first, as MovieListRow rows (movie joined; one query)."""
    return MovieListRow.rows(model.objects.filter(user=user).order_by("-added_at", "-id"))


def watchlist_list(*, user: User) -> QuerySet:
    """The caller's own watchlist, newest first (nobody else's is ever readable), as MovieListRow rows."""
    return _movie_entries(WatchlistEntry, user=user)


def favorites_list(*, user: User) -> QuerySet:
    """The caller's own favourites, newest first, as MovieListRow rows."""
    return _movie_entries(FavoriteEntry, user=user)


def movie_list_row(*, model, user: User, movie_id) -> dict:
    """One entry of the user's list as a MovieListRow row."""
    return MovieListRow.rows(model.objects.filter(user=user, movie_id=movie_id))[0]


# --- feed -----------------------------------------------------------------------------------


def feed_queryset(*, user: User) -> QuerySet[Review]:
    """Approved reviews by the (active) people `user` follows, newest first.

    One SQL statement: `user_id IN (SELECT following_id FROM user_follows WHERE follower_id = ...)`
    served by the `user_follows_unique` (follower, following) index and the reviews
    (user, -created_at) index; PostgreSQL merges, never Python.
    """
    followed = Follow.objects.filter(follower=user, following__is_active=True).values("following_id")
    return Review.objects.visible().filter(user_id__in=followed).order_by("-created_at", "-id")


@dataclass(frozen=True)
class FollowedAuthors:
    """The active people someone follows with their stored approved-review counts, and roughly
    how many reviews exist at all (the planner's statistic), to choose how to page their feed."""

    reviews: dict
    all_reviews: int

    @property
    def count(self) -> int:
        return sum(self.reviews.values())


# Read with every follow row (an InitPlan: evaluated once per query).
_ALL_REVIEWS = estimated_rows("reviews")


def followed_authors(*, user: User) -> FollowedAuthors:
    """`followed_authors(user=u).reviews` is `{user_id: approved review count}` of the active
    people `u` follows, from the stored counters (kept exact by reviews.services in the same
    transaction as the rows; `recompute_stats` repairs drift). One query reading one user row
    per follow by primary key (the correlated subquery keeps PostgreSQL from hashing the whole
    users table for a big follow list)."""
    author_reviews = User.objects.filter(pk=OuterRef("following_id"), is_active=True).values("review_count")[:1]
    rows = list(
        Follow.objects.filter(follower=user).values_list("following_id", Subquery(author_reviews), _ALL_REVIEWS)
    )
    return FollowedAuthors(
        reviews={author_id: reviews for author_id, reviews, _ in rows if reviews is not None},
        all_reviews=rows[0][2] if rows else 0,
    )


def feed_page_ids(*, authors: FollowedAuthors, offset: int, limit: int) -> list:
    """The ids of one page of the feed of someone following `authors`, newest first.

    Two ways to find them, chosen from the exact counts rather than left to the planner (whose
    estimate for a 500-person follow list is off by 20x and picked a 400 ms plan for page 5):
    walk every approved review newest first keeping the authors' ones, which reads about
    `(offset + limit) * all / count` rows; or fetch all `count` of the authors' reviews through
    the (user, created_at) index and sort them. The walk wins when the authors write a fair share."""
    count = authors.count
    if not count:
        return []
    walk = count * count > (offset + limit) * max(authors.all_reviews, count)
    sql = (
        "SELECT id FROM reviews WHERE moderation_status = 'approved' AND user_id = ANY(%s) "
        "ORDER BY created_at DESC, id DESC LIMIT %s OFFSET %s"
    )
    params: list = [list(authors.reviews), limit, offset]
    alias = read_alias(Review)
    if not walk:
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]
    # Along reviews_approved_created_idx, never a sort of every match (settings local to the transaction).
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        set_local(cursor, enable_sort="off", enable_bitmapscan="off")
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class FeedPage:
    count: int
    reviews: list[dict]  # FeedItem rows


def feed_page(*, user: User, page: int, page_size: int) -> FeedPage:
    """One page of the feed. The page's ids and the total are cached per user for 5 minutes
    (`feed:{user_id}...`); the rows are always read fresh by primary key in one query, so vote
    counts, the caller's `user_vote` and moderation are never stale."""
    token = feed_generation(user.pk)
    key = feed_page_key(user.pk, token, page=page, page_size=page_size) if token else None
    cached = cache_lookup("feed", cache.get(key)) if key else None
    if cached is None:
        authors = followed_authors(user=user)
        count = authors.count
        offset = (page - 1) * page_size
        if page > 1 and offset >= count:
            raise NotFound("Invalid page.")
        ids = feed_page_ids(authors=authors, offset=offset, limit=page_size)
        cached = {"count": count, "ids": [str(review_id) for review_id in ids]}
        if key:
            cache.set(key, cached, FEED_TTL)
    return FeedPage(count=cached["count"], reviews=_feed_reviews(user=user, ids=cached["ids"]))


def _feed_reviews(*, user: User, ids: list[str]) -> list[dict]:
    """The page's reviews as FeedItem rows, in the page's order (one query)."""
    if not ids:
        return []
    queryset = Review.objects.with_user_vote(user).visible().filter(pk__in=ids, user__is_active=True)
    by_id = {str(row["id"]): row for row in FeedItem.rows(queryset)}
    return [by_id[review_id] for review_id in ids if review_id in by_id]


# --- the caller's own state, for pages other people share ----------------------------------


def movie_states(*, user: User, movie_ids) -> dict[str, dict]:
    """`{movie_id: {my_review, in_watchlist, in_favorites}}` of `user` for these movies, in one query
    whatever their number. `my_review` is `{id, lemon_pie_rating, moderation_status}` of the caller's
    review in any state (a pending one still blocks a second review) or None."""
    ids = list(dict.fromkeys(str(movie_id) for movie_id in movie_ids))
    if not ids:
        return {}
    mine = Review.objects.filter(movie=OuterRef("pk"), user=user)
    rows = (
        Movie.objects.filter(pk__in=ids)
        .annotate(
            review_id=Subquery(mine.values("id")[:1]),
            review_rating=Subquery(mine.values("lemon_pie_rating")[:1]),
            review_status=Subquery(mine.values("moderation_status")[:1]),
            in_watchlist=Exists(WatchlistEntry.objects.filter(movie=OuterRef("pk"), user=user)),
            in_favorites=Exists(FavoriteEntry.objects.filter(movie=OuterRef("pk"), user=user)),
        )
        .values_list("pk", "review_id", "review_rating", "review_status", "in_watchlist", "in_favorites")
    )
    states = {}
    for movie_id, review_id, rating, status, in_watchlist, in_favorites in rows:
        review = {"id": str(review_id), "lemon_pie_rating": rating, "moderation_status": status} if review_id else None
        states[str(movie_id)] = {"my_review": review, "in_watchlist": in_watchlist, "in_favorites": in_favorites}
    return states


def follow_states(*, user: User, user_ids) -> dict[str, dict]:
    """`{user_id: {is_following, follows_you}}` between the caller and these users, in one query."""
    ids = list(dict.fromkeys(str(user_id) for user_id in user_ids))
    uuids = [uuid.UUID(user_id) for user_id in ids]
    if not ids:
        return {}
    states = {user_id: {"is_following": False, "follows_you": False} for user_id in ids}
    rows = (
        Follow.objects.filter(follower=user, following_id__in=uuids)
        .values_list("following_id", Value("is_following", output_field=CharField()))
        .union(
            Follow.objects.filter(following=user, follower_id__in=uuids).values_list(
                "follower_id", Value("follows_you", output_field=CharField())
            ),
            all=True,
        )
    )
    for other_id, side in rows:
        states[str(other_id)][side] = True
    return states
