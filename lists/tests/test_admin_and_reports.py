"""Lists and diaries in the Django admin (read-only, per user), and reports about lists."""

import datetime

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from diary import services as diary_services
from diary.models import DiaryEntry, FilmRating
from lists import services
from lists.models import FilmList
from moderation.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_site(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def two_users_data(movie):
    rows = {}
    for name in ("ada", "bayo"):
        owner = UserFactory(email=f"{name}@example.ng")
        diary_services.diary_entry_create(user=owner, movie_id=movie.pk, watched_on=datetime.date(2026, 1, 2), rating=7)
        film_list = services.list_create(user=owner, title=f"{name}'s picks")
        services.list_entries_add(film_list=film_list, actor=owner, items=[{"movie_id": movie.pk, "note": "Top."}])
        rows[name] = (owner, film_list)
    return rows


@pytest.mark.parametrize("model", [DiaryEntry, FilmRating, FilmList])
def test_admin_shows_rows_read_only_and_per_user(admin_site, two_users_data, model):
    ada, _ = two_users_data["ada"]
    bayo, _ = two_users_data["bayo"]
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    response = admin_site.get(url)
    assert response.status_code == 200
    assert f"?user__id__exact={ada.pk}" in response.content.decode()  # emails link to the user's rows
    filtered = admin_site.get(f"{url}?user__id__exact={ada.pk}").content.decode()
    assert ada.email in filtered and bayo.email not in filtered
    assert admin_site.get(f"{url}add/").status_code == 403
    row = model.objects.filter(user=ada).first()
    change = admin_site.get(f"{url}{row.pk}/change/")
    assert change.status_code == 200
    assert admin_site.post(f"{url}{row.pk}/change/", {}).status_code == 403
    assert admin_site.get(f"{url}{row.pk}/delete/").status_code == 403


def test_a_list_page_shows_its_films(admin_site, two_users_data, movie):
    _, film_list = two_users_data["ada"]
    page = admin_site.get(f"/admin/lists/filmlist/{film_list.pk}/change/").content.decode()
    assert movie.title in page and "Top." in page


def test_moderators_can_read_lists_in_the_admin(moderator, two_users_data):
    from moderation.services import sync_moderator_group

    sync_moderator_group(moderator)
    client = Client()
    client.force_login(moderator)
    assert client.get("/admin/lists/filmlist/").status_code == 200


def test_public_lists_can_be_reported_private_ones_cannot(auth_client, two_users_data):
    owner, film_list = two_users_data["ada"]
    body = {
        "content_type": "list",
        "content_id": str(film_list.pk),
        "reason": "abuse",
        "details": "Slurs in the notes.",
    }
    response = auth_client.post("/api/v1/reports", body, format="json")
    assert response.status_code == 201, response.content
    assert Report.objects.get().content_type == "list"
    assert auth_client.post("/api/v1/reports", body, format="json").status_code == 409
    services.list_update(film_list=film_list, actor=owner, is_public=False)
    other_body = {**body, "content_id": str(two_users_data["bayo"][1].pk)}
    services.list_update(film_list=two_users_data["bayo"][1], actor=two_users_data["bayo"][0], is_public=False)
    response = auth_client.post("/api/v1/reports", other_body, format="json")
    assert response.status_code == 400 and response.json()["error"] == "validation_error"
