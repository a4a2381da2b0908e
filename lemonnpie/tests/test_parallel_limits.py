"""Every rate limit holds exactly under parallel requests (real threads, real PostgreSQL and Redis,
the real throttles): a request is counted atomically before the work it guards, so N parallel
requests against a limit L let exactly L through, never more.

Before the sliding-window counter, 60 parallel failed sign-ins from one address got 27 passwords
evaluated against a limit of 20 (the failure was recorded after the hash), and 50 parallel
reports got 35 past a limit of 30 per hour (DRF's throttles read, append and write back a list).
"""

from collections import Counter
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from conftest import client_for
from lemonnpie.testing import run_in_threads
from moderation.models import Report
from social.tests.conftest import image_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def rates(settings):
    def apply(**rates):
        rest = dict(settings.REST_FRAMEWORK)
        rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = rest

    # The clock stands still inside one window: a run that crossed a window boundary would let the
    # previous window's weight decide (the sliding estimate), and "exactly L" holds within one.
    with time_machine.travel(datetime(2026, 6, 1, 12, 0, 20, tzinfo=UTC), tick=False):
        yield apply


def in_parallel(count: int, send) -> Counter:
    """`send(index)` from `count` threads released together; the tally of the status codes."""
    statuses: list[int] = []

    def work(index):
        statuses.append(send(index).status_code)

    assert run_in_threads(work, count) == []
    return Counter(statuses)


def test_parallel_failed_logins_from_one_address_evaluate_exactly_the_limit(rates):
    rates(login_failures="20/5min", anon="100000/min")
    from accounts.tests.factories import DEFAULT_PASSWORD

    user = UserFactory()

    def attempt(index):  # spraying: another address book entry each time
        body = {"email": f"guess-{index}@example.ng", "password": f"wrong-guess-{index}"}
        return APIClient().post("/api/v1/auth/login", body, format="json")

    tally = in_parallel(60, attempt)
    # Exactly 20 passwords were checked (401); the other 40 were refused before any hashing.
    assert tally == {401: 20, 429: 40}
    # The limit holds afterwards too, right password or not.
    body = {"email": user.email, "password": DEFAULT_PASSWORD}
    right = APIClient().post("/api/v1/auth/login", body, format="json")
    assert right.status_code == 429 and int(right["Retry-After"]) >= 1


def test_parallel_successful_logins_give_their_slot_back(rates):
    """Only failures count: the slot every attempt takes before hashing is returned on success."""
    from accounts.tests.factories import DEFAULT_PASSWORD

    rates(login_failures="5/5min", anon="100000/min")
    users = [UserFactory() for _ in range(12)]

    def attempt(index):
        body = {"email": users[index].email, "password": DEFAULT_PASSWORD}
        return APIClient().post("/api/v1/auth/login", body, format="json")

    # Parallel sign-ins may briefly hold more slots than the limit, so some may be refused ...
    first = in_parallel(12, attempt)
    assert set(first) <= {200, 429} and first[200] >= 5
    # ... but once they are over none of the successes still counts.
    assert in_parallel(5, attempt) == {200: 5}


def test_parallel_reports_let_exactly_thirty_per_hour_through(rates):
    rates(reports="30/hour", user="100000/min")
    reporter = UserFactory()
    movies = [MovieFactory() for _ in range(50)]

    def send(index):
        body = {"content_type": "movie", "content_id": str(movies[index].pk), "reason": "spam"}
        return client_for(reporter).post("/api/v1/reports", body, format="json")

    assert in_parallel(50, send) == {201: 30, 429: 20}
    assert Report.objects.filter(reporter=reporter).count() == 30


def test_parallel_registrations_from_one_address_hold_the_auth_limit(rates):
    rates(auth="30/min", anon="100000/min")

    def register(index):
        body = {"email": f"parallel-{index}@example.ng", "password": "a-long-passphrase-9", "name": f"P {index}"}
        return APIClient().post("/api/v1/auth/register", body, format="json")

    assert in_parallel(50, register) == {201: 30, 429: 20}


def test_parallel_uploads_hold_the_upload_limit(rates, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CLOUDINARY_URL = ""
    rates(uploads="10/hour", user="100000/min")
    uploader = UserFactory()
    picture = image_bytes("PNG", size=(64, 48))

    def upload(index):
        file = SimpleUploadedFile(f"p{index}.png", picture, content_type="image/png")
        return client_for(uploader).post("/api/v1/upload/image", {"file": file}, format="multipart")

    assert in_parallel(25, upload) == {201: 10, 429: 15}


def test_parallel_anonymous_reads_hold_the_anon_limit(rates):
    rates(anon="20/min")
    tally = in_parallel(40, lambda index: APIClient().get("/api/v1/ping"))
    assert tally == {200: 20, 429: 20}
