"""How long the shipped catalogue takes to import (the target: under a minute on this machine).

    .venv/bin/python bench/import_catalogue.py [--file catalog/data/nigerian_movies.csv] [--limit 60]

Makes a throwaway database beside `DATABASE_URL`'s (Django's test database, `test_<name>`,
migrated and dropped afterwards; the embedded PostgreSQL when `DATABASE_URL` is unset), imports
the file into it with `manage.py import_movies`, imports it again (nothing must change), prints
both times and the counts, and exits 1 when the first import took longer than `--limit` seconds.
The test suite checks what the import does (catalog/tests/test_import.py); timing lives here.
"""

import argparse
import os
import sys
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", default=str(ROOT / "catalog" / "data" / "nigerian_movies.csv"))
    parser.add_argument("--limit", type=float, default=60.0, help="seconds the first import may take")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lemonnpie.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from catalog.models import Movie

    old_name = connection.settings_dict["NAME"]
    print(f"==> making a throwaway database beside {old_name!r} and migrating it", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        timings = []
        for label in ("first import", "second import"):
            out = StringIO()
            started = time.monotonic()
            call_command("import_movies", args.file, "--no-progress", stdout=out, stderr=StringIO())
            timings.append(time.monotonic() - started)
            print(f"{label}: {timings[-1]:.1f} s — {out.getvalue().strip().splitlines()[-1]}", flush=True)
        titles = Movie.objects.count()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    met = timings[0] < args.limit
    print(f"titles: {titles}; first import {timings[0]:.1f} s (limit {args.limit:.0f} s): {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
