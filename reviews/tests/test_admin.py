import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from reviews import services
from reviews.models import Review
from reviews.tests.helpers import GOOD_REVIEW, assert_everything_exact, movie_stored

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reviews_review_changelist")


@pytest.fixture
def admin_browser(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def reviews_on_one_movie():
    movie = MovieFactory()
    made = [
        services.review_create(
            user=UserFactory(email=f"reviewer{n}@example.ng"),
            movie_id=movie.pk,
            **{**GOOD_REVIEW, "review_text": f"Review number {n} about Lagos traffic and family drama."},
        )
        for n in range(3)
    ]
    return movie, made


def test_changelist_shows_movie_author_rating_status_flags_and_votes(admin_browser, reviews_on_one_movie):
    movie, _ = reviews_on_one_movie
    response = admin_browser.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert movie.title in html
    assert "reviewer0@example.ng" in html
    for column in ("lemon_pie_rating", "moderation_status", "is_flagged", "helpful_votes", "unhelpful_votes"):
        assert f"column-{column}" in html


@pytest.mark.parametrize(
    "query",
    [
        "moderation_status__exact=approved",
        "is_flagged__exact=1",
        "review_language__exact=en",
        "spoiler_warning__exact=0",
        "q=reviewer1%40example.ng",
        "q=Lagos+traffic",
    ],
)
def test_changelist_filters_and_search(admin_browser, reviews_on_one_movie, query):
    assert admin_browser.get(f"{CHANGELIST}?{query}").status_code == 200


def test_search_by_author_email_finds_their_review(admin_browser, reviews_on_one_movie):
    _, made = reviews_on_one_movie
    response = admin_browser.get(f"{CHANGELIST}?q=reviewer1@example.ng")
    assert list(response.context["cl"].result_list) == [made[1]]


def test_reject_and_approve_actions_go_through_the_service(admin_browser, reviews_on_one_movie):
    movie, made = reviews_on_one_movie
    ids = [str(made[0].pk), str(made[1].pk)]
    response = admin_browser.post(CHANGELIST, {"action": "reject_reviews", "_selected_action": ids})
    assert response.status_code == 302
    assert movie_stored(movie.pk)["review_count"] == 1
    assert set(Review.objects.filter(moderation_status="rejected").values_list("pk", flat=True)) == {
        made[0].pk,
        made[1].pk,
    }
    assert_everything_exact()
    admin_browser.post(CHANGELIST, {"action": "approve_reviews", "_selected_action": ids})
    assert movie_stored(movie.pk)["review_count"] == 3
    admin_browser.post(CHANGELIST, {"action": "hide_reviews", "_selected_action": ids[:1]})
    assert Review.objects.get(pk=made[0].pk).moderation_status == "pending"
    assert_everything_exact()


def test_deleting_in_the_admin_fixes_aggregates(admin_browser, reviews_on_one_movie):
    movie, made = reviews_on_one_movie
    response = admin_browser.post(reverse("admin:reviews_review_delete", args=[made[0].pk]), {"post": "yes"})
    assert response.status_code == 302
    admin_browser.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [str(made[1].pk)], "post": "yes"})
    assert Review.objects.count() == 1
    assert movie_stored(movie.pk)["review_count"] == 1
    assert_everything_exact()


def test_ratings_and_status_are_read_only_in_the_change_form(admin_browser, reviews_on_one_movie):
    _, made = reviews_on_one_movie
    url = reverse("admin:reviews_review_change", args=[made[0].pk])
    assert admin_browser.get(url).status_code == 200
    response = admin_browser.post(
        url,
        {
            "is_flagged": "on",
            "review_text": "Redacted by a moderator: personal details removed.",
            "review_language": "en",
            "nollywood_tags": "Family Drama,OWAMBE",
            "lemon_pie_rating": "1",
            "moderation_status": "rejected",
        },
    )
    assert response.status_code == 302, response.content
    review = Review.objects.get(pk=made[0].pk)
    assert review.is_flagged is True
    assert review.review_text.startswith("Redacted")
    assert review.nollywood_tags == ["family-drama", "owambe"]
    assert (review.lemon_pie_rating, review.moderation_status) == (GOOD_REVIEW["lemon_pie_rating"], "approved")
    assert_everything_exact()


def test_saving_the_change_form_writes_only_the_edited_columns(admin_browser, reviews_on_one_movie):
    _, made = reviews_on_one_movie
    url = reverse("admin:reviews_review_change", args=[made[0].pk])
    form_values = {
        "review_text": made[0].review_text,
        "review_language": "en",
        "nollywood_tags": "",
        "is_flagged": "on",
    }
    services.review_vote(review=made[0], user=UserFactory(), vote_type="helpful")
    with CaptureQueriesContext(connection) as queries:
        assert admin_browser.post(url, form_values).status_code == 302
    updates = [query["sql"] for query in queries if query["sql"].startswith('UPDATE "reviews"')]
    assert len(updates) == 1
    assert '"is_flagged"' in updates[0]
    assert "helpful_votes" not in updates[0]  # counters are never written back from a form
    assert Review.objects.get(pk=made[0].pk).helpful_votes == 1
    assert_everything_exact()


def test_reviews_cannot_be_added_in_the_admin(admin_browser):
    assert admin_browser.get(reverse("admin:reviews_review_add")).status_code == 403
