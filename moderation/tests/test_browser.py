"""A moderator's day in the Django admin, driven in a real browser (Debian's chromium, headless)."""

import json
import os
import urllib.error
import urllib.request

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from catalog.tests.factories import MovieFactory
from conftest import client_for
from moderation.services import user_set_role
from reviews.models import ModerationStatus, Review
from reviews.tests.helpers import counted_review

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def api_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our live server)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server's request threads must not keep persistent connections past the test.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(  # a missing browser is a broken set-up, said plainly, never a quiet skip
            f"no chromium at {CHROMIUM}: install Debian's chromium (bin/test does so with apt-get when it runs as"
            " root) or set CHROMIUM_PATH"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        yield page
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection; close it here.
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_moderator_rejects_a_flagged_review_in_the_admin(live_server, browser_page):
    moderator = UserFactory(email="mod@lemonnpie.ng")
    user_set_role(user_id=moderator.pk, role="moderator", actor=None, reason="hired")
    movie = MovieFactory(title="King of Boys")
    review = counted_review(
        user=UserFactory(), movie=movie, rating=2, review_text="Buy cheap followers at spam.example now!!!"
    )
    assert (
        client_for(UserFactory())
        .post(
            "/api/v1/reports", {"content_type": "review", "content_id": str(review.pk), "reason": "spam"}, format="json"
        )
        .status_code
        == 201
    )
    review_url = f"{live_server.url}/api/v1/reviews/{review.pk}"
    assert api_status(review_url) == 200

    page = browser_page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "mod@lemonnpie.ng")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    # A moderator lands on the moderation queue, which lists the flagged review.
    page.wait_for_url("**/admin/reviews/review/?queue=waiting")
    row = page.locator("#result_list tbody tr", has_text="Buy cheap followers")
    assert row.count() == 1
    assert row.locator("td.field-report_count").inner_text() == "1"
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "reject_reviews")
    page.click("button[name=index]")
    page.wait_for_selector("ul.messagelist")
    assert "1 review(s) rejected" in page.inner_text("ul.messagelist")

    review.refresh_from_db()
    movie.refresh_from_db()
    assert review.moderation_status == ModerationStatus.REJECTED
    assert movie.review_count == 0
    assert api_status(review_url) == 404
    with urllib.request.urlopen(f"{live_server.url}/api/v1/movies/{movie.pk}/reviews") as response:  # noqa: S310
        assert json.load(response)["count"] == 0
    assert Review.objects.filter(pk=review.pk).exists()
