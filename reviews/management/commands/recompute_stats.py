"""`python manage.py recompute_stats [--dry-run] [--only LABEL] [--batch-size N] [--fail-on-drift]`

Recounts every stored aggregate (movie rating aggregates, review vote counts, user review
counters, and whatever other apps register in `<app>/recompute.py`) from the source rows,
reports the drift it found per kind and fixes it (unless `--dry-run`)."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lemonnpie.db.reconcile import DEFAULT_BATCH_SIZE, discover_recomputers, run_recomputers


class Command(BaseCommand):
    help = "Recompute every stored aggregate from the rows, report drift and fix it."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report drift without fixing it.")
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="LABEL",
            help="Run only recomputers whose label contains this text (repeatable). "
            "Labels: " + ", ".join(label for label, _ in discover_recomputers()),
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument("--fail-on-drift", action="store_true", help="Exit with status 1 when drift was found.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")

    def handle(self, *args, dry_run, only, batch_size, fail_on_drift, no_progress, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        show_progress = not no_progress and verbosity > 0
        bars = []

        def progress_factory(label):
            bar = tqdm(desc=label, unit="rows", file=sys.stderr, disable=not show_progress, leave=True)
            bars.append(bar)

            def progress(done, total):
                if total is not None and bar.total != total:
                    bar.total = total
                bar.n = done
                bar.refresh()

            return progress

        try:
            reports = run_recomputers(
                fix=not dry_run, only=only, batch_size=batch_size, progress_factory=progress_factory
            )
        finally:
            for bar in bars:
                bar.close()
        if not reports:
            raise CommandError("No recomputer matched --only " + ", ".join(only))

        total_drift = 0
        for report in reports:
            total_drift += report.drifted
            if report.drifted or report.columns:
                columns = ", ".join(f"{name}: {count}" for name, count in sorted(report.columns.items()))
                verb = "would fix" if dry_run else f"fixed {report.fixed}"
                line = f"{report.label}: checked {report.checked}, {report.drifted} drifted ({columns}); {verb}"
                self.stdout.write(self.style.WARNING(line))
                if verbosity > 1:
                    for example in report.examples:
                        self.stdout.write(f"    {example}")
            else:
                self.stdout.write(f"{report.label}: checked {report.checked}, no drift")
        summary = f"{total_drift} drifted row(s) in {len(reports)} kind(s)" + (
            " (dry run, nothing changed)." if dry_run else (", all fixed." if total_drift else ".")
        )
        self.stdout.write(self.style.SUCCESS(summary) if not total_drift else self.style.WARNING(summary))
        if fail_on_drift and total_drift:
            raise CommandError("Drift found.", returncode=1)
