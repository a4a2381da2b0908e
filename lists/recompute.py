"""The lists' counters for `recompute_stats` (the protocol: lemonnpie/db/reconcile.py)."""

from django.db import connection

from lemonnpie.db.reconcile import Drift, reconcile
from lists.models import FilmList, MovieListCount


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _list_truth(list_ids: list) -> dict:
    truth: dict = {}
    for list_id, n in _fetch(
        "SELECT film_list_id, COUNT(*) FROM film_list_entries WHERE film_list_id = ANY(%s) GROUP BY 1", [list_ids]
    ):
        truth.setdefault(list_id, {})["entry_count"] = n
    for list_id, n in _fetch(
        "SELECT film_list_id, COUNT(*) FROM film_list_likes WHERE film_list_id = ANY(%s) GROUP BY 1", [list_ids]
    ):
        truth.setdefault(list_id, {})["like_count"] = n
    return truth


def recompute_list_counters(*, fix: bool, batch_size: int, progress) -> Drift:
    """Each list's entry and like counts."""
    return reconcile(
        label="list entry and like counts",
        model=FilmList,
        fields=("entry_count", "like_count"),
        truth=_list_truth,
        fix=fix,
        batch_size=batch_size,
        progress=progress,
    )


def _public_truth(movie_ids: list) -> dict:
    rows = _fetch(
        "SELECT e.movie_id, COUNT(*) FROM film_list_entries e JOIN film_lists l ON l.id = e.film_list_id "
        "WHERE e.movie_id = ANY(%s) AND l.is_public GROUP BY 1",
        [movie_ids],
    )
    return {movie_id: {"public_lists": n} for movie_id, n in rows}


def recompute_public_list_counts(*, fix: bool, batch_size: int, progress) -> Drift:
    """Each film's count of public lists holding it (rows missing for a listed film are created)."""
    missing = _fetch(
        "SELECT DISTINCT e.movie_id FROM film_list_entries e JOIN film_lists l ON l.id = e.film_list_id "
        "LEFT JOIN movie_list_counts c ON c.movie_id = e.movie_id WHERE l.is_public AND c.movie_id IS NULL",
        [],
    )
    if fix and missing:
        _fetch(
            "INSERT INTO movie_list_counts (movie_id, public_lists) SELECT unnest(%s::uuid[]), 0 "
            "ON CONFLICT DO NOTHING RETURNING movie_id",
            [[movie_id for (movie_id,) in missing]],
        )
    drift = reconcile(
        label="movie public list counts",
        model=MovieListCount,
        fields=("public_lists",),
        truth=_public_truth,
        fix=fix,
        batch_size=batch_size,
        progress=progress,
    )
    if missing and not fix:
        drift.drifted += len(missing)
        drift.columns["public_lists"] += len(missing)
        drift.examples.extend(f"movie {movie_id}: count row missing" for (movie_id,) in missing[:2])
    return drift


RECOMPUTERS = [
    ("list entry and like counts", recompute_list_counters),
    ("movie public list counts", recompute_public_list_counts),
]
