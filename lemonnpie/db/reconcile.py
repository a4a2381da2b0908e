"""The reconcile framework: recount stored counters from their source rows, report drift, fix it.

`python manage.py recompute_stats` (and the periodic Celery task `reviews.tasks.recompute_stats`)
runs every *recomputer* of every installed app, in INSTALLED_APPS order. A recomputer is a
`(label, callable)` pair listed in `RECOMPUTERS` of the module `<app>.recompute`; the callable is

    def recompute_something(*, fix: bool, batch_size: int, progress: Progress) -> Drift

and reports what it found (and fixed when `fix`); `progress(done, total)` is called as it goes.
Most are a `counter` (see `social/recompute.py`):

    from lemonnpie.db.reconcile import counter

    recompute_follow_counters = counter("user follow counters", model=User,
                                        fields=("followers_count", "following_count"), truth=_follow_truth)
    RECOMPUTERS = [recompute_follow_counters]

`reconcile` walks the model's rows in primary-key batches; for each batch it locks the rows
(FOR NO KEY UPDATE, in key order — the same order writers use), asks `truth(ids)` for the true
values from the source rows, compares and writes back only the rows that drifted.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module, util

from django.apps import apps

from lemonnpie.db.locking import locked_atomic

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


def no_progress(done: int, total: int | None) -> None:
    pass


def reconcile(
    *,
    label: str,
    model,
    fields: Iterable[str],
    truth: Callable[[list], dict],
    fix: bool,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress = no_progress,
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


def counter(
    label: str,
    *,
    model,
    fields: Iterable[str],
    truth: Callable[[list], dict],
    before_truth: Callable[[list, Drift, bool], None] | None = None,
) -> Recomputer:
    """A recomputer that `reconcile`s `fields` of `model` with `truth`: what most apps list in
    `RECOMPUTERS` (`RECOMPUTERS = [counter("label", model=..., fields=..., truth=...)]`)."""

    def recompute(*, fix: bool, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress = no_progress) -> Drift:
        return reconcile(
            label=label,
            model=model,
            fields=fields,
            truth=truth,
            before_truth=before_truth,
            fix=fix,
            batch_size=batch_size,
            progress=progress,
        )

    recompute.label = label  # type: ignore[attr-defined]
    return recompute


def discover_recomputers() -> list[tuple[str, Recomputer]]:
    """Every recomputer in `<app>.recompute.RECOMPUTERS` (a `counter(...)`, or a `(label,
    callable)` pair) as `(label, callable)`, apps in INSTALLED_APPS order."""
    found: list[tuple[str, Recomputer]] = []
    for config in apps.get_app_configs():
        name = f"{config.name}.recompute"
        if util.find_spec(name) is None:
            continue
        for entry in getattr(import_module(name), "RECOMPUTERS", []):
            found.append(entry if isinstance(entry, tuple) else (entry.label, entry))
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
        progress = progress_factory(label) if progress_factory else no_progress
        reports.append(recomputer(fix=fix, batch_size=batch_size, progress=progress))
    return reports
