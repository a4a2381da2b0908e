"""Recount every stored aggregate from its source rows, report drift, fix it.

`python manage.py recompute_stats` (and the periodic Celery task `reviews.tasks.recompute_stats`)
runs every *recomputer* of every installed app, in INSTALLED_APPS order. A recomputer is a
`(label, callable)` pair listed in `RECOMPUTERS` of the module `<app>.recompute`; the callable is

    def recompute_something(*, fix: bool, batch_size: int, progress: Callable[[int], None]) -> Drift

and reports what it found (and fixed when `fix`). To add one (e.g. social's follower counters),
create `social/recompute.py` with

    from reviews.recompute import Drift, reconcile

    def recompute_follow_counters(*, fix, batch_size, progress) -> Drift:  # progress(done, total)
        return reconcile(label="user follow counters", model=User,
                         fields=("followers_count", "following_count"),
                         truth=_follow_counts, fix=fix, batch_size=batch_size, progress=progress)

    RECOMPUTERS = [("user follow counters", recompute_follow_counters)]

`reconcile` walks the model's rows in primary-key batches; for each batch it locks the rows
(FOR NO KEY UPDATE, in key order — the same order writers use), asks `truth(ids)` for the true
values from the source rows, compares and writes back only the rows that drifted.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module, util

from django.apps import apps
from django.db import connection

from reviews.locking import locked_atomic

DEFAULT_BATCH_SIZE = 1000
EXAMPLES_KEPT = 5
RECOMPUTE_LOCK_TIMEOUT_MS = 10_000  # a repair job may wait a little longer than a request


@dataclass
class Drift:
    """What one recomputer found: rows checked, rows whose stored values differed, per-column counts."""

    label: str
    checked: int = 0
    drifted: int = 0
    fixed: int = 0
    columns: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def record(self, key, column: str, stored, true) -> None:
        self.columns[column] += 1
        if len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(f"{key}: {column} {stored} → {true}")

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "checked": self.checked,
            "drifted": self.drifted,
            "fixed": self.fixed,
            "columns": dict(self.columns),
            "examples": list(self.examples),
        }


Progress = Callable[[int, int | None], None]  # (rows done so far, total rows or None)
Recomputer = Callable[..., Drift]


def _no_progress(done: int, total: int | None) -> None:
    pass


def reconcile(
    *,
    label: str,
    model,
    fields: Iterable[str],
    truth: Callable[[list], dict],
    fix: bool,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress = _no_progress,
    before_truth: Callable[[list, Drift, bool], None] | None = None,
) -> Drift:
    """Compare `fields` of every `model` row with `truth(ids)` ({id: {field: value}}, missing ids
    and fields meaning 0) batch by batch, under row locks; write back drifted rows when `fix`."""
    fields = tuple(fields)
    drift = Drift(label=label)
    total = model.objects.count()
    progress(0, total)
    last = None
    while True:
        ids_query = model.objects.order_by("pk").values_list("pk", flat=True)
        if last is not None:
            ids_query = ids_query.filter(pk__gt=last)
        ids = list(ids_query[:batch_size])
        if not ids:
            break
        last = ids[-1]
        with locked_atomic(timeout_ms=RECOMPUTE_LOCK_TIMEOUT_MS):
            stored_rows = (
                model.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values("pk", *fields)
            )
            stored = {row.pop("pk"): row for row in stored_rows}
            if before_truth is not None:
                before_truth(list(stored), drift, fix)
            true_values = truth(list(stored))
            to_fix = []
            for pk, values in stored.items():
                expected = true_values.get(pk, {})
                wrong = {}
                for column in fields:
                    true = expected.get(column, 0)
                    if values[column] != true:
                        drift.record(f"{model._meta.model_name} {pk}", column, values[column], true)
                        wrong[column] = true
                if wrong:
                    drift.drifted += 1
                    to_fix.append((pk, wrong))
            if fix:
                for pk, wrong in to_fix:
                    model.objects.filter(pk=pk).update(**wrong)
                drift.fixed += len(to_fix)
        drift.checked += len(stored)
        progress(drift.checked, total)
    return drift


def discover_recomputers() -> list[tuple[str, Recomputer]]:
    """Every `(label, callable)` in `<app>.recompute.RECOMPUTERS`, apps in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.recompute"
        if util.find_spec(name) is None:
            continue
        found.extend(getattr(import_module(name), "RECOMPUTERS", []))
    return found


def run_recomputers(
    *,
    fix: bool = True,
    only: Iterable[str] = (),
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress_factory: Callable[[str], Progress] | None = None,
) -> list[Drift]:
    """Run the discovered recomputers (those whose label contains one of `only`, when given)."""
    wanted = [word.lower() for word in only]
    reports = []
    for label, recomputer in discover_recomputers():
        if wanted and not any(word in label.lower() for word in wanted):
            continue
        progress = progress_factory(label) if progress_factory else _no_progress
        reports.append(recomputer(fix=fix, batch_size=batch_size, progress=progress))
    return reports


# --- the reviews app's own recomputers -----------------------------------------------------------


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


def _movie_truth(movie_ids: list) -> dict:
    from reviews.aggregates import DISTRIBUTION_FIELDS, SUB_SUM_FIELDS

    distribution = ", ".join(
        f"COUNT(*) FILTER (WHERE r.lemon_pie_rating = {value})" for value in range(1, len(DISTRIBUTION_FIELDS) + 1)
    )
    subs = ", ".join(f"SUM(r.{column[: -len('_sum')]}_rating)" for column in SUB_SUM_FIELDS)
    rows = _fetch(
        f"SELECT r.movie_id, COUNT(*), SUM(r.lemon_pie_rating), {distribution}, {subs}, "  # noqa: S608 (fixed column names)
        "COUNT(*) FILTER (WHERE u.role = 'critic'), "
        "COALESCE(SUM(r.lemon_pie_rating) FILTER (WHERE u.role = 'critic'), 0) "
        "FROM reviews r JOIN users u ON u.id = r.user_id "
        "WHERE r.movie_id = ANY(%s) AND r.moderation_status = 'approved' GROUP BY r.movie_id",
        [movie_ids],
    )
    columns = ("review_count", "rating_sum", *DISTRIBUTION_FIELDS, *SUB_SUM_FIELDS, "critic_count", "critic_rating_sum")
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}


def recompute_movie_aggregates(*, fix: bool, batch_size: int = DEFAULT_BATCH_SIZE, progress=_no_progress) -> Drift:
    """Movie review count, rating sum, distribution, sub-rating sums and critic score, from the
    approved reviews (critic = the author's current role; review `by_critic` flags realigned)."""
    from catalog.models import Movie
    from reviews.aggregates import MOVIE_AGGREGATE_FIELDS

    return reconcile(
        label="movie aggregates",
        model=Movie,
        fields=MOVIE_AGGREGATE_FIELDS,
        truth=_movie_truth,
        before_truth=_align_critic_flags,
        fix=fix,
        batch_size=batch_size,
        progress=progress,
    )


def _vote_truth(review_ids: list) -> dict:
    rows = _fetch(
        "SELECT review_id, COUNT(*) FILTER (WHERE vote_type = 'helpful'), "
        "COUNT(*) FILTER (WHERE vote_type = 'unhelpful') FROM review_votes "
        "WHERE review_id = ANY(%s) GROUP BY review_id",
        [review_ids],
    )
    return {row[0]: {"helpful_votes": row[1], "unhelpful_votes": row[2]} for row in rows}


def recompute_review_votes(*, fix: bool, batch_size: int = DEFAULT_BATCH_SIZE, progress=_no_progress) -> Drift:
    """Each review's helpful/unhelpful counters, from its vote rows."""
    from reviews.models import Review

    return reconcile(
        label="review vote counts",
        model=Review,
        fields=("helpful_votes", "unhelpful_votes"),
        truth=_vote_truth,
        fix=fix,
        batch_size=batch_size,
        progress=progress,
    )


def _user_truth(user_ids: list) -> dict:
    rows = _fetch(
        "SELECT user_id, COUNT(*), SUM(lemon_pie_rating) FROM reviews "
        "WHERE user_id = ANY(%s) AND moderation_status = 'approved' GROUP BY user_id",
        [user_ids],
    )
    return {row[0]: {"review_count": row[1], "review_rating_sum": row[2]} for row in rows}


def recompute_user_review_counters(*, fix: bool, batch_size: int = DEFAULT_BATCH_SIZE, progress=_no_progress) -> Drift:
    """Each user's approved review count and rating sum (behind `stats.total_reviews`/`average_rating`)."""
    from accounts.models import User
    from reviews.aggregates import USER_AGGREGATE_FIELDS

    return reconcile(
        label="user review counters",
        model=User,
        fields=USER_AGGREGATE_FIELDS,
        truth=_user_truth,
        fix=fix,
        batch_size=batch_size,
        progress=progress,
    )


RECOMPUTERS: list[tuple[str, Recomputer]] = [
    ("movie aggregates", recompute_movie_aggregates),
    ("review vote counts", recompute_review_votes),
    ("user review counters", recompute_user_review_counters),
]
