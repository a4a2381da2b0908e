"""`manage.py generate_bench_data`: add a large, realistic data set for benchmarks (issue 9)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from catalog.models import Movie
from devdata.benchdata import BENCH_PASSWORD, BenchDataError, BenchDataGenerator, BenchSizes, validate_sizes
from devdata.benchdata.generator import TOUCHED_TABLES

FULL = {"movies": 100_000, "users": 100_000, "reviews": 1_000_000, "votes": 3_000_000, "follows": 1_000_000}


class Command(BaseCommand):
    help = (
        "Add benchmark data on top of whatever catalogue exists: movies (with genres, languages, cast), "
        "users, reviews, helpful/unhelpful votes, follows, watchlist and favourite entries, with Zipf-like "
        "skew and Nigerian names and text, written with COPY in one transaction; then every stored aggregate "
        "is set from the rows. Reviews, votes, follows and list entries are made by the generated users. "
        f"Defaults are the full benchmark sizes ({', '.join(f'--{k} {v}' for k, v in FULL.items())})."
    )

    def add_arguments(self, parser):
        for name, default in FULL.items():
            parser.add_argument(f"--{name}", type=int, default=default, help=f"rows to add (default {default})")
        parser.add_argument("--watchlist", type=int, default=None, help="watchlist entries (default reviews/5)")
        parser.add_argument("--favorites", type=int, default=None, help="favourite entries (default reviews/10)")
        parser.add_argument("--seed", type=int, default=42, help="random seed: same seed + same start → same data")
        parser.add_argument("--batch-size", type=int, default=20_000, help="rows per COPY statement")
        parser.add_argument("--yes", "--no-input", "--noinput", action="store_true", dest="yes",
                            help="do not ask for confirmation")  # fmt: skip
        parser.add_argument("--force", action="store_true", help="run even though DEBUG is off")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off, so this may be a production database; generate_bench_data adds millions of fake "
                "rows. Pass --force if this really is a benchmark database."
            )
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        sizes = BenchSizes(
            movies=options["movies"], users=options["users"], reviews=options["reviews"], votes=options["votes"],
            follows=options["follows"], watchlist=options["watchlist"], favorites=options["favorites"],
        ).resolved()  # fmt: skip
        try:
            validate_sizes(sizes, existing_movies=Movie.objects.count())
        except BenchDataError as exc:
            raise CommandError(str(exc)) from exc
        database = connection.settings_dict.get("NAME")
        if not options["yes"]:
            self._confirm(database, sizes)

        began = time.perf_counter()
        generator = BenchDataGenerator(
            sizes, seed=options["seed"], batch_size=options["batch_size"], progress=not options["no_progress"]
        )
        try:
            phases = generator.run()
        except BenchDataError as exc:
            raise CommandError(str(exc)) from exc
        self._summary(phases, time.perf_counter() - began, generator, database, options["seed"])

    def _confirm(self, database, sizes: BenchSizes) -> None:
        described = ", ".join(f"{k} {getattr(sizes, k):,}" for k in (*FULL, "watchlist", "favorites"))
        try:
            answer = input(f"Add {described} to database {database!r}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            raise CommandError("Cancelled (pass --yes to skip this question).")

    def _summary(self, phases, seconds: float, generator, database, seed: int) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS(f"Benchmark data generated in {seconds:.1f} s (seed {seed}, database {database!r})"))
        write(f"{'phase':<24}{'seconds':>9}  rows")
        for phase in phases:
            rows = ", ".join(f"{k} {v:,}" for k, v in phase.rows.items())
            write(f"{phase.name:<24}{phase.seconds:>9.1f}  {rows}")
        with connection.cursor() as cursor:
            totals = []
            for model in TOUCHED_TABLES:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
                totals.append(f"{model._meta.db_table} {cursor.fetchone()[0]:,}")
        write("table totals: " + ", ".join(totals))
        drift = generator.drift
        write(f"aggregate drift after recompute: {', '.join(f'{k} {v}' for k, v in drift.items())}")
        write(f"every generated user's password: {BENCH_PASSWORD}")
