"""Export (zip, mailed single-use link) and the Letterboxd import, against a realistic sample
export built from Letterboxd's documented column layout (diary/tests/data/letterboxd-export/)."""

import csv
import datetime
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from conftest import client_for
from diary import services
from diary.matching import match_titles, stars_to_rating
from diary.models import DataExport, DataImport, DiaryEntry, FilmRating
from diary.tests.helpers import watched_recount, watched_stored
from lists import services as list_services
from lists.models import FilmList, FilmListEntry
from reviews import services as review_services
from reviews.tests.helpers import GOOD_REVIEW
from social.models import WatchlistEntry
from social.services import favorite_add, follow_create, watchlist_add

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).parent / "data" / "letterboxd-export"


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.fixture(autouse=True)
def _roomy_throttles(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    for scope in ("data_import", "data_export"):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "1000/hour")


def sample_zip(root: Path = SAMPLE) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*.csv")):
            archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


def upload(data: bytes, name: str = "letterboxd-export.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


def _film(title, year, **kwargs):
    return MovieFactory(title=title, release_date=datetime.date(year, 6, 1), **kwargs)


@pytest.fixture
def catalogue(db):
    films = {
        "kob": _film("King of Boys", 2018, imdb_id="tt8632612"),
        "wedding": _film("The Wedding Party", 2016),
        "wedding2": _film("The Wedding Party 2", 2017),
        "anikulapo": _film("Anikúlápó", 2022),
        "lionheart_a": _film("Lionheart", 2018),
        "lionheart_b": _film("Lionheart", 2018),
        "ofin": _film("Òfin Mósè", 2023),
        "citation": _film("Citation", 2020),
        "bondage": _film("Living in Bondage: Breaking Free", 2019),
        "figurine": _film("The Figurine", 2010),
        "buka": _film("Battle on Buka Street", 2022),
        "jagun": _film("Jagun Jagun", 2023),
        "osuofia": _film("Osuofia in London", 2003),
    }
    return films


def run_import(client, data: bytes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/users/import", {"file": upload(data)}, format="multipart")
    assert response.status_code == 202, response.content
    return client.get(f"/api/v1/users/import/{response.json()['id']}").json()


# --- matching -----------------------------------------------------------------------------------


def test_stars_become_ratings_out_of_ten():
    assert [stars_to_rating(s) for s in ("0.5", "1", "2.5", "4.5", "5", "", "6", "x")] == [
        1,
        2,
        5,
        9,
        10,
        None,
        None,
        None,
    ]


def test_matching_by_imdb_id_title_and_year(catalogue):
    keys = [
        ("Some Other Title", 2018, "tt8632612"),  # the IMDb id wins
        ("ANIKULAPO", 2022, None),  # accents and case do not matter
        ("Lionheart", 2018, None),  # two films of that title and year
        ("The Figurine", 2009, None),  # the title exists, but not in that year
        ("Living in Bondage Breaking Free", None, None),  # punctuation does not matter; no year, one film
        ("Parasite", 2019, None),
    ]
    found = match_titles(keys)
    assert found[keys[0]].movie_id == catalogue["kob"].pk
    assert found[keys[1]].movie_id == catalogue["anikulapo"].pk
    assert found[keys[2]].status == "ambiguous" and len(found[keys[2]].candidates) == 2
    assert found[keys[3]].status == "ambiguous"
    assert found[keys[3]].candidates == [{"id": str(catalogue["figurine"].pk), "title": "The Figurine", "year": 2010}]
    assert found[keys[4]].movie_id == catalogue["bondage"].pk
    assert found[keys[5]].status == "unmatched"


# --- import -------------------------------------------------------------------------------------


def test_letterboxd_import_reports_and_never_duplicates(
    auth_client, user, catalogue, django_capture_on_commit_callbacks
):
    job = run_import(auth_client, sample_zip(), django_capture_on_commit_callbacks)
    assert job["status"] == "done", job
    assert (job["rows_total"], job["rows_done"], job["progress"]) == (25, 25, 1.0)
    assert job["summary"]["totals"] == {"matched": 19, "ambiguous": 3, "unmatched": 3}
    files = job["summary"]["files"]
    assert files["diary.csv"] == {"matched": 6, "ambiguous": 1, "unmatched": 1, "imported": 6}
    assert files["reviews.csv"] == {"matched": 2, "note_added": 1, "imported": 1}
    assert files["watched.csv"]["imported"] == 1 and files["watched.csv"]["already_logged"] == 2
    ambiguous = {(row["file"], row["name"]) for row in job["report"]["ambiguous"]}
    assert ambiguous == {
        ("diary.csv", "Lionheart"),
        ("watched.csv", "The Figurine"),
        ("lists/nollywood-essentials.csv", "The Figurine"),
    }
    lionheart = next(row for row in job["report"]["ambiguous"] if row["name"] == "Lionheart")
    assert {c["id"] for c in lionheart["candidates"]} == {
        str(catalogue["lionheart_a"].pk),
        str(catalogue["lionheart_b"].pk),
    }
    unmatched = {(row["file"], row["name"], row["year"]) for row in job["report"]["unmatched"]}
    assert unmatched == {
        ("diary.csv", "Parasite", 2019),
        ("ratings.csv", "Parasite", 2019),
        ("watchlist.csv", "Omo Ghetto: The Saga", 2020),
    }

    entries = DiaryEntry.objects.filter(user=user)
    assert entries.count() == 8
    kob = entries.get(movie=catalogue["kob"])
    assert (kob.watched_on, kob.rating, kob.rewatch) == (datetime.date(2025, 1, 3), 9, False)
    assert kob.note.startswith("Sola Sobowale as Eniola Salami")
    assert entries.get(movie=catalogue["anikulapo"], rewatch=True).rating == 9
    assert entries.get(movie=catalogue["ofin"]).rating == 1
    assert entries.get(movie=catalogue["bondage"]).watched_precision == "unknown"
    assert entries.get(movie=catalogue["citation"]).note.startswith("Temi Otedola")
    ratings = dict(FilmRating.objects.filter(user=user).values_list("movie__title", "rating"))
    assert ratings == {
        "King of Boys": 9,
        "Anikúlápó": 10,
        "The Wedding Party": 6,
        "Òfin Mósè": 1,
        "Citation": 8,
        "Living in Bondage: Breaking Free": 5,
    }
    assert watched_stored(user.pk) == watched_recount(user.pk) == 7
    assert set(WatchlistEntry.objects.filter(user=user).values_list("movie__title", flat=True)) == {
        "Battle on Buka Street",
        "Jagun Jagun",
    }
    imported_list = FilmList.objects.get(user=user)
    assert (imported_list.title, imported_list.is_public, imported_list.entry_count) == (
        "Nollywood essentials",
        False,
        3,
    )
    notes = list(FilmListEntry.objects.filter(film_list=imported_list).values_list("movie__title", "note"))
    assert notes[0] == ("King of Boys", "The blueprint.")

    again = run_import(auth_client, sample_zip(), django_capture_on_commit_callbacks)
    assert again["status"] == "done"
    assert DiaryEntry.objects.filter(user=user).count() == 8
    assert FilmList.objects.filter(user=user).count() == 1
    assert FilmListEntry.objects.filter(film_list=imported_list).count() == 3
    assert WatchlistEntry.objects.filter(user=user).count() == 2
    assert again["summary"]["files"]["diary.csv"]["already_imported"] == 6
    assert watched_stored(user.pk) == 7


def test_import_limits_and_bad_files(settings, auth_client, catalogue, django_capture_on_commit_callbacks):
    bad = auth_client.post("/api/v1/users/import", {"file": upload(b"not a zip")}, format="multipart")
    assert bad.status_code == 400 and bad.json()["error"] == "validation_error"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    unknown = auth_client.post("/api/v1/users/import", {"file": upload(buffer.getvalue())}, format="multipart")
    assert unknown.status_code == 400
    missing = auth_client.post("/api/v1/users/import", {}, format="multipart")
    assert missing.status_code == 400
    settings.DATA_IMPORT_MAX_BYTES = 100
    big = auth_client.post("/api/v1/users/import", {"file": upload(sample_zip())}, format="multipart")
    assert big.status_code == 413 and big.json()["error"] == "payload_too_large"
    settings.DATA_IMPORT_MAX_BYTES = 5_000_000
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("diary.csv", "Date,Name,Year\n" + "0" * 2_000_000)
    settings.DATA_IMPORT_MAX_UNZIPPED_BYTES = 1_000_000
    assert (
        auth_client.post("/api/v1/users/import", {"file": upload(bomb.getvalue())}, format="multipart").status_code
        == 413
    )
    settings.DATA_IMPORT_MAX_UNZIPPED_BYTES = 50_000_000
    settings.DATA_IMPORT_MAX_ROWS = 10
    job = run_import(auth_client, sample_zip(), django_capture_on_commit_callbacks)
    assert job["status"] == "failed" and "at most 10" in job["error"]
    assert DiaryEntry.objects.count() == 0


def test_import_status_is_private_and_import_is_throttled(
    auth_client, other_client, catalogue, django_capture_on_commit_callbacks
):
    job = run_import(auth_client, sample_zip(), django_capture_on_commit_callbacks)
    assert other_client.get(f"/api/v1/users/import/{job['id']}").status_code == 404
    assert client_for(None).get(f"/api/v1/users/import/{job['id']}").status_code == 401
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES["data_import"] = "2/hour"  # the first import above counts; restored after
    first = auth_client.post("/api/v1/users/import", {"file": upload(sample_zip())}, format="multipart")
    second = auth_client.post("/api/v1/users/import", {"file": upload(sample_zip())}, format="multipart")
    assert (first.status_code, second.status_code) == (202, 429)
    assert second.json()["error"] == "throttled"


# --- export -------------------------------------------------------------------------------------


def _link(message) -> str:
    return re.search(r"http\S+/download/[A-Za-z0-9_-]+", message.body)[0]


def test_export_builds_a_zip_and_mails_a_single_use_link(
    auth_client, user, catalogue, django_capture_on_commit_callbacks
):
    friend = UserFactory(name="Ada Obi")
    follow_create(follower=user, following_id=friend.pk)
    services.diary_entry_create(
        user=user, movie_id=catalogue["kob"].pk, watched_on=datetime.date(2025, 1, 3), rating=9, note="With my sisters."
    )
    review_services.review_create(user=user, movie_id=catalogue["citation"].pk, **GOOD_REVIEW)
    services.film_rating_set(user=user, movie_id=catalogue["jagun"].pk, rating=7)
    watchlist_add(user=user, movie_id=catalogue["buka"].pk)
    favorite_add(user=user, movie_id=catalogue["anikulapo"].pk)
    film_list = list_services.list_create(user=user, title="Rainy Sunday")
    list_services.list_entries_add(
        film_list=film_list, actor=user, items=[{"movie_id": catalogue["osuofia"].pk, "note": "Classic."}]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post("/api/v1/users/export")
    assert response.status_code == 202
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    link = _link(mail.outbox[0])
    path = link.split("localhost:8000", 1)[1]
    download = client_for(None).get(path)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert set(archive.namelist()) == {
        "diary.csv",
        "reviews.csv",
        "ratings.csv",
        "watchlist.csv",
        "favorites.csv",
        "lists.csv",
        "list_entries.csv",
        "follows.csv",
        "profile.json",
    }
    diary = list(csv.DictReader(io.StringIO(archive.read("diary.csv").decode())))
    assert (diary[0]["Title"], diary[0]["Rating (1-10)"], diary[0]["Note"]) == ("King of Boys", "9", "With my sisters.")
    assert diary[0]["IMDb ID"] == "tt8632612"
    ratings = {
        row["Title"]: row["Rating (1-10)"] for row in csv.DictReader(io.StringIO(archive.read("ratings.csv").decode()))
    }
    assert ratings == {"King of Boys": "9", "Jagun Jagun": "7"}
    entries = list(csv.DictReader(io.StringIO(archive.read("list_entries.csv").decode())))
    assert (entries[0]["Title"], entries[0]["Note"]) == ("Osuofia in London", "Classic.")
    follows = list(csv.DictReader(io.StringIO(archive.read("follows.csv").decode())))
    assert [(f["Direction"], f["Name"]) for f in follows] == [("following", "Ada Obi")]
    profile = json.loads(archive.read("profile.json"))
    assert (profile["email"], profile["stats"]["movies_watched"]) == (user.email, 2)
    # single use
    assert client_for(None).get(path).status_code == 404
    assert DataExport.objects.get().downloaded_at is not None


def test_export_links_expire_and_wrong_tokens_fail(auth_client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post("/api/v1/users/export")
    path = _link(mail.outbox[0]).split("localhost:8000", 1)[1]
    assert client_for(None).get(path[:-3] + "abc").status_code == 404
    DataExport.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert client_for(None).get(path).status_code == 404
    from diary.portability import private_storage, purge_exports

    name = DataExport.objects.get().file_name
    assert private_storage().exists(name)
    assert purge_exports() == 1
    assert not private_storage().exists(name)
    assert DataImport.objects.count() == 0
