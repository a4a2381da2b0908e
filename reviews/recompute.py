"""The reviews app's counters for `recompute_stats` (the protocol: lemonnpie/db/reconcile.py).

The true values are recounted in SQL generated from the one recipe of what a review adds
(`reviews.aggregates.MOVIE_RECIPE` / `USER_RECIPE`); the critic columns follow the author's
current role, and the reviews' `by_critic` flags are realigned with it first."""

from django.db import connection

from accounts.models import User
from catalog.models import Movie
from lemonnpie.db.reconcile import Drift, counter
from reviews.aggregates import (
    COUNTED_SQL,
    MOVIE_AGGREGATE_FIELDS,
    MOVIE_RECIPE,
    USER_AGGREGATE_FIELDS,
    USER_RECIPE,
    aggregate_sql,
)
from reviews.models import Review


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _align_critic_flags(movie_ids: list, drift: Drift, fix: bool) -> None:
    """`by_critic` of each review of these (locked) movies must equal "the author is a critic"."""
    rows = _fetch(
        "SELECT r.id, r.by_critic FROM reviews r JOIN users u ON u.id = r.user_id "
        "WHERE r.movie_id = ANY(%s) AND r.by_critic <> (u.role = 'critic')",
        [movie_ids],
    )
    for review_id, flag in rows:
        drift.record(f"review {review_id}", "by_critic", flag, not flag)
    if fix and rows:
        _fetch(
            "UPDATE reviews SET by_critic = NOT by_critic WHERE id = ANY(%s) RETURNING id",
            [[review_id for review_id, _ in rows]],
        )


def _recount(recipe, columns: tuple[str, ...], *, key: str, ids: list) -> dict:
    """`{key value: {column: true value}}` over the counted reviews of these ids."""
    rows = _fetch(
        f"SELECT r.{key}, {', '.join(aggregate_sql(recipe))} "  # noqa: S608 (SQL from the recipe's fixed names)
        f"FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.{key} = ANY(%s) AND r.{COUNTED_SQL} GROUP BY 1",
        [ids],
    )
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}


def _movie_truth(movie_ids: list) -> dict:
    return _recount(MOVIE_RECIPE, MOVIE_AGGREGATE_FIELDS, key="movie_id", ids=movie_ids)


def _user_truth(user_ids: list) -> dict:
    return _recount(USER_RECIPE, USER_AGGREGATE_FIELDS, key="user_id", ids=user_ids)


def _vote_truth(review_ids: list) -> dict:
    rows = _fetch(
        "SELECT review_id, COUNT(*) FILTER (WHERE vote_type = 'helpful'), "
        "COUNT(*) FILTER (WHERE vote_type = 'unhelpful') FROM review_votes "
        "WHERE review_id = ANY(%s) GROUP BY review_id",
        [review_ids],
    )
    return {row[0]: {"helpful_votes": row[1], "unhelpful_votes": row[2]} for row in rows}


# Movie review count, rating sum, distribution, sub-rating sums and critic score, from the approved
# reviews (critic = the author's current role; the reviews' `by_critic` flags realigned first).
recompute_movie_aggregates = counter(
    "movie aggregates",
    model=Movie,
    fields=MOVIE_AGGREGATE_FIELDS,
    truth=_movie_truth,
    before_truth=_align_critic_flags,
)
# Each review's helpful/unhelpful counters, from its vote rows.
recompute_review_votes = counter(
    "review vote counts", model=Review, fields=("helpful_votes", "unhelpful_votes"), truth=_vote_truth
)
# Each user's approved review count and rating sum (behind `stats.total_reviews`/`average_rating`).
recompute_user_review_counters = counter(
    "user review counters", model=User, fields=USER_AGGREGATE_FIELDS, truth=_user_truth
)

RECOMPUTERS = [recompute_movie_aggregates, recompute_review_votes, recompute_user_review_counters]
