import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.importer import CatalogueFormatError, import_catalogue
from catalog.models import Movie


class Command(BaseCommand):
    help = (
        "Load the Nollywood catalogue CSV (catalog/data/nigerian_movies.csv): upsert by IMDb id, "
        "clean the export's noise, print what was created, updated and skipped. Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file with the export's columns (title, link, year, ...).")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the catalogue already has titles (first start)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (e.g. in logs).")

    def handle(self, *args, path, if_empty, dry_run, no_progress, **options):
        if if_empty and Movie.objects.exists():
            self.stdout.write(f"The catalogue already has {Movie.objects.count():,} titles; nothing imported.")
            return

        def progress(iterable, **kwargs):
            kwargs.setdefault("desc", "Reading")
            kwargs.setdefault("unit", "row")
            return tqdm(iterable, disable=no_progress or None, leave=False, file=sys.stderr, **kwargs)

        started = time.monotonic()
        try:
            report = import_catalogue(path, progress=progress, dry_run=dry_run)
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}. Nothing was imported.") from None
        except CatalogueFormatError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.monotonic() - started

        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {path} in {elapsed:.1f}s: {report.created:,} created, {report.updated:,} updated, "
                f"{report.unchanged:,} unchanged, {report.total_skipped:,} skipped."
            )
        )
        for reason, count in report.skipped.most_common():
            line = report.first_skipped_line[reason]
            self.stdout.write(f"  skipped {count:,}: {reason} (first on line {line})")
        for rule, count in report.cleaned.most_common():
            self.stdout.write(f"  cleaned {count:,}: {rule}")
        types = ", ".join(f"{count:,} {name}" for name, count in sorted(report.types.items()))
        self.stdout.write(f"  types in the file: {types or 'none'}")
        guessed = sum(report.guessed_languages.values())
        by_language = ", ".join(f"{name} {count:,}" for name, count in report.guessed_languages.most_common())
        self.stdout.write(
            f"  languages guessed from titles: {guessed:,}"
            + (f" ({by_language})" if guessed else "")
            + "; the others are left empty"
        )
        self.stdout.write(f"  people: {report.people:,} in the catalogue")
