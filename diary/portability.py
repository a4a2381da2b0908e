"""Data portability: export everything we hold about a user; import a Letterboxd export.

Export: `export_request` records a job (queued through the outbox); the worker's `export_build`
writes a zip (CSV per kind + profile.json) to the `private` storage alias, then mails a link
`{API_PUBLIC_URL}/api/v1/users/export/{id}/download/{token}`. Only the token's SHA-256 is stored;
the link works once (`export_open` marks it used in the same UPDATE that checks it) and expires
after `DATA_EXPORT_LINK_HOURS`. `purge_exports` deletes used and expired files.

Import: `import_request` checks the zip (size, uncompressed size, known files) and stores it in the
same storage; the worker's `import_run` (diary/letterboxd.py) does the rest.
"""

import csv
import hashlib
import io
import json
import secrets
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction
from django.utils import timezone

from accounts.shapes import UserPrivate
from diary.models import DataExport, DataImport, DiaryEntry, FilmRating, JobStatus
from lemonnpie.api.exceptions import ApplicationError, NotFound
from lists.models import FilmList, FilmListEntry
from outbox.services import outbox_enqueue
from reviews.models import Review
from social.models import FavoriteEntry, Follow, WatchlistEntry

LETTERBOXD_FILES = ("diary.csv", "ratings.csv", "watched.csv", "watchlist.csv", "reviews.csv")


def private_storage():
    return storages["private"]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- export ------------------------------------------------------------------------------------


def export_request(*, user) -> DataExport:
    """Queue a new export of `user`'s data; the job mails the link."""
    with transaction.atomic():
        job = DataExport.objects.create(user_id=user.pk)
        outbox_enqueue(task="diary.tasks.export_build", kwargs={"export_id": str(job.pk)})
    return job


def _csv(rows, header) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _year(date):
    return date.year if date else ""


def _export_files(user) -> dict[str, bytes]:
    """Every file of the export, as bytes, keyed by its name in the zip."""
    diary = DiaryEntry.objects.filter(user_id=user.pk).select_related("movie").order_by("watched_on", "created_at")
    reviews = Review.objects.filter(user_id=user.pk).select_related("movie").order_by("created_at")
    ratings = FilmRating.objects.filter(user_id=user.pk).select_related("movie").order_by("rated_at")
    lists = FilmList.objects.filter(user_id=user.pk).order_by("created_at")
    entries = (
        FilmListEntry.objects.filter(film_list__user_id=user.pk)
        .select_related("movie")
        .order_by("film_list__created_at", "position")
    )
    follows = Follow.objects.filter(follower_id=user.pk).select_related("following").order_by("created_at")
    followers = Follow.objects.filter(following_id=user.pk).select_related("follower").order_by("created_at")

    def movie_cols(movie):
        return [movie.id, movie.title, _year(movie.release_date), movie.imdb_id or ""]

    movie_header = ["Movie ID", "Title", "Year", "IMDb ID"]
    files = {
        "diary.csv": _csv(
            (
                [
                    e.id,
                    e.created_at.isoformat(),
                    *movie_cols(e.movie),
                    e.watched_on or "",
                    e.watched_precision,
                    "Yes" if e.rewatch else "",
                    e.rating or "",
                    "Yes" if e.liked else "",
                    e.where,
                    e.note,
                    e.review_id or "",
                ]
                for e in diary
            ),
            [
                "Entry ID",
                "Logged",
                *movie_header,
                "Watched Date",
                "Watched Precision",
                "Rewatch",
                "Rating (1-10)",
                "Liked",
                "Where",
                "Note",
                "Review ID",
            ],
        ),
        "reviews.csv": _csv(
            (
                [
                    r.id,
                    r.created_at.isoformat(),
                    *movie_cols(r.movie),
                    r.lemon_pie_rating,
                    r.cultural_authenticity_rating,
                    r.production_quality_rating,
                    r.story_rating,
                    r.acting_rating,
                    r.cinematography_rating,
                    r.review_language,
                    "Yes" if r.spoiler_warning else "",
                    " ".join(r.nollywood_tags),
                    r.moderation_status,
                    r.review_text,
                ]
                for r in reviews
            ),
            [
                "Review ID",
                "Created",
                *movie_header,
                "Rating (1-10)",
                "Cultural authenticity",
                "Production quality",
                "Story",
                "Acting",
                "Cinematography",
                "Language",
                "Spoiler",
                "Tags",
                "Status",
                "Review",
            ],
        ),
        "ratings.csv": _csv(
            ([r.rated_at.isoformat(), *movie_cols(r.movie), r.rating] for r in ratings),
            ["Rated", *movie_header, "Rating (1-10)"],
        ),
        "watchlist.csv": _csv(
            (
                [w.added_at.isoformat(), *movie_cols(w.movie)]
                for w in WatchlistEntry.objects.filter(user_id=user.pk).select_related("movie").order_by("added_at")
            ),
            ["Added", *movie_header],
        ),
        "favorites.csv": _csv(
            (
                [f.added_at.isoformat(), *movie_cols(f.movie)]
                for f in FavoriteEntry.objects.filter(user_id=user.pk).select_related("movie").order_by("added_at")
            ),
            ["Added", *movie_header],
        ),
        "lists.csv": _csv(
            (
                [
                    x.id,
                    x.created_at.isoformat(),
                    x.title,
                    x.description,
                    "Yes" if x.ranked else "",
                    "public" if x.is_public else "private",
                    x.entry_count,
                ]
                for x in lists
            ),
            ["List ID", "Created", "Title", "Description", "Ranked", "Visibility", "Entries"],
        ),
        "list_entries.csv": _csv(
            ([e.film_list_id, e.position, *movie_cols(e.movie), e.note] for e in entries),
            ["List ID", "Position", *movie_header, "Note"],
        ),
        "follows.csv": _csv(
            [
                *(["following", f.following_id, f.following.name, f.created_at.isoformat()] for f in follows),
                *(["follower", f.follower_id, f.follower.name, f.created_at.isoformat()] for f in followers),
            ],
            ["Direction", "User ID", "Name", "Since"],
        ),
    }
    profile = {**UserPrivate.of(user), "exported_at": timezone.now().isoformat()}
    files["profile.json"] = json.dumps(profile, indent=2, default=str).encode("utf-8")
    return files


def export_build(*, export_id) -> DataExport | None:
    """Build the zip, store it, mail the single-use link. Idempotent: a finished job is left alone."""
    from accounts.tasks import send_templated_email

    job = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if job is None or job.status == JobStatus.DONE:
        return job
    buffer = io.BytesIO()
    files = _export_files(job.user)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    name = private_storage().save(f"exports/{job.user_id}/{job.pk}.zip", ContentFile(buffer.getvalue()))
    token = secrets.token_urlsafe(32)
    job.file_name = name
    job.token_hash = _hash(token)
    job.status = JobStatus.DONE
    job.expires_at = timezone.now() + timedelta(hours=settings.DATA_EXPORT_LINK_HOURS)
    job.summary = {"files": {n: len(d) for n, d in files.items()}, "bytes": len(buffer.getvalue())}
    job.save(update_fields=["file_name", "token_hash", "status", "expires_at", "summary"])
    link = f"{settings.API_PUBLIC_URL}/api/v1/users/export/{job.pk}/download/{token}"
    send_templated_email.run(
        to=job.user.email,
        subject="Your LemonNPie data export",
        template="data_export",
        context={"name": job.user.name, "link": link, "hours": settings.DATA_EXPORT_LINK_HOURS},
    )
    return job


def export_open(*, export_id, token: str):
    """`(file name, open file)` of an export whose link is valid, marking the link used in the same
    statement; unknown, used or expired → 404."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DataExport._meta.db_table} SET downloaded_at = now() "  # noqa: S608 (model meta)
            "WHERE id = %s AND token_hash = %s AND status = %s AND downloaded_at IS NULL AND expires_at > now() "
            "RETURNING file_name, user_id",
            [export_id, _hash(token), JobStatus.DONE],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("This download link is unknown, used or expired.")
    stamp = timezone.now().strftime("%Y%m%d")
    return f"lemonnpie-export-{stamp}.zip", private_storage().open(row[0], "rb")


def purge_exports() -> int:
    """Delete the files of used or expired exports; returns how many were deleted."""
    from django.db.models import Q

    stale = DataExport.objects.exclude(file_name="").filter(
        Q(downloaded_at__lt=timezone.now() - timedelta(hours=1)) | Q(expires_at__lt=timezone.now())
    )
    done = 0
    for job in stale:
        private_storage().delete(job.file_name)
        DataExport.objects.filter(pk=job.pk).update(file_name="")
        done += 1
    return done


# --- import ------------------------------------------------------------------------------------


def _too_large(message: str) -> ApplicationError:
    return ApplicationError(message, error="payload_too_large", status=413)


def _bad_file(message: str) -> ApplicationError:
    return ApplicationError(
        "Not a Letterboxd export.", error="validation_error", details=[{"field": "file", "message": message}]
    )


def check_archive(data: bytes) -> list[str]:
    """The names of the Letterboxd files in a zip; refuses a zip that is not one, is too large
    unpacked (a zip bomb), or holds none of the known files."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _bad_file("The file is not a zip archive.") from None
    if sum(info.file_size for info in infos) > settings.DATA_IMPORT_MAX_UNZIPPED_BYTES:
        raise _too_large(f"The archive unpacks to more than {settings.DATA_IMPORT_MAX_UNZIPPED_BYTES} bytes.")
    names = [info.filename for info in infos if not info.is_dir()]
    known = [n for n in names if n in LETTERBOXD_FILES or (n.startswith("lists/") and n.endswith(".csv"))]
    if not known:
        raise _bad_file("No diary.csv, ratings.csv, watched.csv, watchlist.csv, reviews.csv or lists/*.csv in it.")
    return known


def import_request(*, user, upload) -> DataImport:
    """Check and store an uploaded Letterboxd zip, and queue its import."""
    if upload.size > settings.DATA_IMPORT_MAX_BYTES:
        raise _too_large(f"The zip is larger than {settings.DATA_IMPORT_MAX_BYTES} bytes.")
    data = upload.read()
    check_archive(data)
    with transaction.atomic():
        job = DataImport.objects.create(user_id=user.pk, file_name="")
        name = private_storage().save(f"imports/{user.pk}/{job.pk}.zip", ContentFile(data))
        DataImport.objects.filter(pk=job.pk).update(file_name=name)
        job.file_name = name
        outbox_enqueue(task="diary.tasks.import_run", kwargs={"import_id": str(job.pk)})
    return job
