"""Import a Letterboxd export zip (the worker side of `POST /api/v1/users/import`).

Letterboxd's column layouts (Settings → Import & Export → Export your data):
  diary.csv      Date, Name, Year, Letterboxd URI, Rating, Rewatch, Tags, Watched Date
  reviews.csv    Date, Name, Year, Letterboxd URI, Rating, Rewatch, Review, Tags, Watched Date
  ratings.csv    Date, Name, Year, Letterboxd URI, Rating
  watched.csv    Date, Name, Year, Letterboxd URI
  watchlist.csv  Date, Name, Year, Letterboxd URI
  lists/<x>.csv  "Letterboxd list export v7"; Date, Name, Tags, URL, Description; one row; a blank
                 line; then Position, Name, Year, URL, Description (the entry's note)
An `imdbID` column (Letterboxd's own import format) is used when present. Ratings are 0.5-5 stars.

Each row is matched (diary/matching.py) and written through the services, one short transaction
each, so counters stay exact and progress is visible. Re-importing the same zip adds nothing:
diary entries and lists carry an `import_key` (the row's Letterboxd URI, unique per user), ratings
are upserts, watchlist adds are idempotent, list entries already present are skipped.
"""

import csv
import datetime
import io
import zipfile

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from diary import services
from diary.matching import match_titles, stars_to_rating
from diary.models import DataImport, DiaryEntry, JobStatus, WatchedPrecision
from diary.portability import private_storage
from lemonnpie.api.exceptions import ApplicationError

REPORT_ROWS_KEPT = 200
PROGRESS_EVERY = 50
_ORDER = ("diary.csv", "reviews.csv", "ratings.csv", "watched.csv", "watchlist.csv")


class ImportRefused(Exception):
    pass


def _rows(text: str) -> list[dict]:
    return [row for row in csv.DictReader(io.StringIO(text)) if any((v or "").strip() for v in row.values())]


def _list_file(text: str) -> tuple[dict, list[dict]]:
    """A list export: its header row and its entries."""
    lines = text.splitlines()
    if lines and lines[0].lower().startswith("letterboxd list export"):
        lines = lines[1:]
    blank = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    meta = _rows("\n".join(lines[:blank]))
    return (meta[0] if meta else {}), _rows("\n".join(lines[blank + 1 :]))


def _year(row: dict) -> int | None:
    try:
        return int((row.get("Year") or "").strip())
    except ValueError:
        return None


def _key(row: dict) -> tuple:
    imdb = (row.get("imdbID") or row.get("IMDb ID") or "").strip() or None
    return ((row.get("Name") or "").strip(), _year(row), imdb)


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _read(job: DataImport) -> dict[str, str]:
    with private_storage().open(job.file_name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    files = {}
    for info in archive.infolist():
        name = info.filename
        if name in _ORDER or (name.startswith("lists/") and name.endswith(".csv")):
            files[name] = archive.read(info).decode("utf-8-sig", errors="replace")
    return files


class _Run:
    """One import: the parsed files, the matches, the running summary and report."""

    def __init__(self, job: DataImport, files: dict[str, str]):
        self.job = job
        self.user = job.user
        self.tables = {name: _rows(text) for name, text in files.items() if name in _ORDER}
        self.lists = {name: _list_file(text) for name, text in files.items() if name.startswith("lists/")}
        total = sum(len(rows) for rows in self.tables.values()) + sum(len(e) for _, e in self.lists.values())
        if total > settings.DATA_IMPORT_MAX_ROWS:
            raise ImportRefused(f"{total} rows: at most {settings.DATA_IMPORT_MAX_ROWS} are imported at once.")
        keys = [_key(r) for rows in self.tables.values() for r in rows]
        keys += [_key(e) for _, entries in self.lists.values() for e in entries]
        self.matches = match_titles([k for k in keys if k[0]])
        self.summary: dict = {}
        self.report = {"ambiguous": [], "unmatched": []}
        self.done = 0
        DataImport.objects.filter(pk=job.pk).update(rows_total=total)

    def _count(self, file: str, outcome: str) -> None:
        tally = self.summary.setdefault(file, {})
        tally[outcome] = tally.get(outcome, 0) + 1

    def _step(self) -> None:
        self.done += 1
        if self.done % PROGRESS_EVERY == 0:
            DataImport.objects.filter(pk=self.job.pk).update(rows_done=self.done)

    def movie_for(self, file: str, number: int, row: dict):
        """The matched film of a row, or None (recorded in the report)."""
        key = _key(row)
        match = self.matches.get(key)
        status = match.status if match else "unmatched"
        self._count(file, status)
        if status == "matched":
            return match.movie_id
        item = {"file": file, "row": number, "name": key[0], "year": key[1]}
        if status == "ambiguous":
            item["candidates"] = match.candidates
        if len(self.report[status]) < REPORT_ROWS_KEPT:
            self.report[status].append(item)
        return None

    def each(self, file: str):
        for number, row in enumerate(self.tables.get(file, []), start=2):  # row 1 is the header
            movie_id = self.movie_for(file, number, row)
            if movie_id is not None:
                yield row, movie_id
            self._step()

    def _entry_key(self, row: dict, file: str) -> str:
        uri = (row.get("Letterboxd URI") or "").strip()
        if uri:
            return f"letterboxd:{uri}"[:200]
        name, year, _ = _key(row)
        return f"letterboxd:{file}:{name}|{year}|{row.get('Watched Date') or row.get('Date')}"[:200]

    def _log(self, file: str, row: dict, movie_id, *, note: str = "") -> None:
        watched = _date(row.get("Watched Date")) or _date(row.get("Date"))
        entry = services.diary_entry_create(
            user=self.user,
            movie_id=movie_id,
            import_key=self._entry_key(row, file),
            watched_on=watched,
            watched_precision=WatchedPrecision.DAY if watched else WatchedPrecision.UNKNOWN,
            rewatch=(row.get("Rewatch") or "").strip().lower() == "yes",
            rating=stars_to_rating(row.get("Rating")),
            note=note,
        )
        self._count(file, "imported" if entry is not None else "already_imported")

    def diary(self) -> None:
        for row, movie_id in self.each("diary.csv"):
            self._log("diary.csv", row, movie_id)

    def reviews(self) -> None:
        """A review becomes the note of its diary entry (same Letterboxd URI): our reviews need
        five sub-ratings a Letterboxd review does not have."""
        for row, movie_id in self.each("reviews.csv"):
            text = (row.get("Review") or "").strip()[:5000]
            entry = DiaryEntry.objects.filter(
                user_id=self.user.pk, import_key=self._entry_key(row, "reviews.csv")
            ).first()
            if entry is None:
                self._log("reviews.csv", row, movie_id, note=text)
            elif not entry.note and text:
                services.diary_entry_update(entry=entry, actor=self.user, note=text)
                self._count("reviews.csv", "note_added")
            else:
                self._count("reviews.csv", "already_imported")

    def ratings(self) -> None:
        for row, movie_id in self.each("ratings.csv"):
            rating = stars_to_rating(row.get("Rating"))
            if rating is None:
                self._count("ratings.csv", "no_rating")
                continue
            services.film_rating_set(user=self.user, movie_id=movie_id, rating=rating)
            self._count("ratings.csv", "imported")

    def watched(self) -> None:
        """A film marked watched without a diary entry is logged once, date unknown."""
        for row, movie_id in self.each("watched.csv"):
            if DiaryEntry.objects.filter(user_id=self.user.pk, movie_id=movie_id).exists():
                self._count("watched.csv", "already_logged")
                continue
            entry = services.diary_entry_create(
                user=self.user,
                movie_id=movie_id,
                import_key=self._entry_key(row, "watched.csv"),
                watched_precision=WatchedPrecision.UNKNOWN,
                watched_on=None,
            )
            self._count("watched.csv", "imported" if entry is not None else "already_imported")

    def watchlist(self) -> None:
        from social.services import watchlist_add

        for _row, movie_id in self.each("watchlist.csv"):
            _, created = watchlist_add(user=self.user, movie_id=movie_id)
            self._count("watchlist.csv", "imported" if created else "already_imported")

    def film_lists(self) -> None:
        """Each list file becomes a private list of the same name (you choose to publish it)."""
        from lists import services as list_services
        from lists.models import FilmList

        for name, (meta, entries) in sorted(self.lists.items()):
            import_key = f"letterboxd:{(meta.get('URL') or name).strip()}"[:200]
            film_list = FilmList.objects.filter(user_id=self.user.pk, import_key=import_key).first()
            if film_list is None:
                film_list = list_services.list_create(
                    user=self.user,
                    import_key=import_key,
                    title=(meta.get("Name") or name.rsplit("/", 1)[-1].removesuffix(".csv"))[:200],
                    description=(meta.get("Description") or "")[:5000],
                    ranked=False,
                    is_public=False,
                )
            items = []
            for number, entry in enumerate(entries, start=1):
                movie_id = self.movie_for(name, number, entry)
                if movie_id is not None:
                    items.append({"movie_id": movie_id, "note": (entry.get("Description") or "")[:2000]})
                self._step()
            try:
                added = list_services.list_entries_add(film_list=film_list, actor=self.user, items=items)
            except ApplicationError as exc:  # over the entry limit
                self._count(name, "refused")
                self.report.setdefault("errors", []).append({"file": name, "message": exc.message})
                continue
            self._count(name, "imported")
            self.summary[name]["entries_added"] = added

    def run(self) -> None:
        self.diary()
        self.reviews()
        self.ratings()
        self.watched()
        self.watchlist()
        self.film_lists()


def import_run(*, import_id) -> DataImport | None:
    """Run a queued import to the end, recording progress, the summary and the report."""
    job = DataImport.objects.select_related("user").filter(pk=import_id).first()
    if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
        return job
    DataImport.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, rows_done=0)
    try:
        run = _Run(job, _read(job))
        run.run()
    except (ImportRefused, zipfile.BadZipFile, UnicodeError, csv.Error) as exc:
        DataImport.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return DataImport.objects.get(pk=job.pk)
    counts = {"matched": 0, "ambiguous": 0, "unmatched": 0}
    for tally in run.summary.values():
        for outcome in counts:
            counts[outcome] += tally.get(outcome, 0)
    DataImport.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        rows_done=F("rows_total"),
        summary={"totals": counts, "files": run.summary},
        report=run.report,
        finished_at=timezone.now(),
    )
    return DataImport.objects.get(pk=job.pk)
