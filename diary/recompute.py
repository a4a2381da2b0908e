"""The diary's counters for `recompute_stats` (the protocol: lemonnpie/db/reconcile.py)."""

from django.db import connection

from accounts.models import User
from diary.models import MovieAudience
from lemonnpie.db.reconcile import Drift, reconcile

# A film counts in movies_watched once per user whether it was logged, reviewed (approved) or both.
_WATCHED_SQL = """
    SELECT user_id, COUNT(DISTINCT movie_id) FROM (
        SELECT user_id, movie_id FROM diary_entries WHERE user_id = ANY(%s)
        UNION
        SELECT user_id, movie_id FROM reviews WHERE user_id = ANY(%s) AND moderation_status = 'approved'
    ) watched GROUP BY user_id
"""
# A film rating counts in the audience aggregate while its author has no approved review of the film.
_AUDIENCE_SQL = """
    SELECT fr.movie_id, COUNT(*), SUM(fr.rating) FROM film_ratings fr
    WHERE fr.movie_id = ANY(%s) AND NOT EXISTS (
        SELECT 1 FROM reviews r WHERE r.user_id = fr.user_id AND r.movie_id = fr.movie_id
        AND r.moderation_status = 'approved')
    GROUP BY fr.movie_id
"""


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _watched_truth(user_ids: list) -> dict:
    return {user_id: {"movies_watched": n} for user_id, n in _fetch(_WATCHED_SQL, [user_ids, user_ids])}


def recompute_movies_watched(*, fix: bool, batch_size: int, progress) -> Drift:
    """`users.movies_watched` from diary entries and approved reviews."""
    return reconcile(
        label="user films watched",
        model=User,
        fields=("movies_watched",),
        truth=_watched_truth,
        fix=fix,
        batch_size=batch_size,
        progress=progress,
    )


def _audience_truth(movie_ids: list) -> dict:
    rows = _fetch(_AUDIENCE_SQL, [movie_ids])
    return {movie_id: {"rating_count": n, "rating_sum": total} for movie_id, n, total in rows}


def _missing_audience_rows(drift: Drift, fix: bool) -> None:
    """Films with counted ratings but no audience row (lost to a restore): report them, create them
    empty when fixing, so the walk below fills them in."""
    rows = _fetch(
        "SELECT DISTINCT fr.movie_id FROM film_ratings fr LEFT JOIN movie_audience a ON a.movie_id = fr.movie_id "
        "WHERE a.movie_id IS NULL",
        [],
    )
    for (movie_id,) in rows:
        drift.record(f"movie {movie_id}", "audience row", "missing", "created")
    if fix and rows:
        _fetch(
            "INSERT INTO movie_audience (movie_id, rating_count, rating_sum) "
            "SELECT unnest(%s::uuid[]), 0, 0 ON CONFLICT DO NOTHING RETURNING movie_id",
            [[movie_id for (movie_id,) in rows]],
        )


def recompute_audience(*, fix: bool, batch_size: int, progress) -> Drift:
    """Each film's audience aggregate (ratings without an approved review) from `film_ratings`."""
    missing = Drift(label="movie audience ratings")
    _missing_audience_rows(missing, fix)
    drift = reconcile(
        label="movie audience ratings",
        model=MovieAudience,
        fields=("rating_count", "rating_sum"),
        truth=_audience_truth,
        fix=fix,
        batch_size=batch_size,
        progress=progress,
    )
    drift.columns.update(missing.columns)
    drift.examples = (missing.examples + drift.examples)[:5]
    if not fix:
        drift.drifted += sum(missing.columns.values())
    return drift


RECOMPUTERS = [
    ("user films watched", recompute_movies_watched),
    ("movie audience ratings", recompute_audience),
]
