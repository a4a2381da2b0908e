"""Django admin for the catalogue: inlines, filters, search, feature actions, safe saves."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from catalog.cache import movie_detail_key
from catalog.models import Movie, MovieCast
from catalog.tests.factories import MovieFactory, SeriesFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_movie_changelist")


@pytest.fixture
def admin_browser(client, admin_user):
    client.force_login(admin_user)
    return client


def _inline_management(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _change_form_data(movie: Movie, **overrides) -> dict:
    data = {
        "type": movie.type,
        "title": movie.title,
        "local_title": movie.local_title,
        "release_date": movie.release_date.isoformat() if movie.release_date else "",
        "release_date_precision": movie.release_date_precision,
        "runtime": movie.runtime or "",
        "box_office_ng": movie.box_office_ng,
        "plot_summary": movie.plot_summary,
        "poster_url": movie.poster_url,
        "trailer_url": movie.trailer_url,
        "director": movie.director,
        "producer": movie.producer,
        "production_company": movie.production_company,
        "production_state": movie.production_state,
        "imdb_id": movie.imdb_id or "",
        "imdb_rating": "",
        "imdb_votes": "",
        **_inline_management("genre_rows", 0, 0),
        **_inline_management("language_rows", 0, 0),
        **_inline_management("cast_rows", 1, 0),
        "cast_rows-0-position": "0",
        "cast_rows-0-actor_name": "Genevieve Nnaji",
        "cast_rows-0-character_name": "Adaeze",
        "cast_rows-0-role_type": "actor",
    }
    data.update(overrides)
    return data


def test_changelist_filters_and_search(admin_browser):
    MovieFactory(title="Lionheart", genres=["Drama"], director="Genevieve Nnaji", is_featured=True)
    SeriesFactory(title="Shanty Town", genres=["Crime"])
    assert admin_browser.get(CHANGELIST).status_code == 200
    for query, expected in [
        ("?type__exact=series", "Shanty Town"),
        ("?genre=Drama", "Lionheart"),
        ("?is_featured__exact=1", "Lionheart"),
        ("?q=nnaji", "Lionheart"),
    ]:
        response = admin_browser.get(CHANGELIST + query)
        assert response.status_code == 200
        shown = [str(movie) for movie in response.context["cl"].result_list]
        assert len(shown) == 1 and shown[0].startswith(expected)
    year = Movie.objects.get(title="Lionheart").release_date.year
    response = admin_browser.get(f"{CHANGELIST}?year={year}")
    assert any(m.title == "Lionheart" for m in response.context["cl"].result_list)


def test_change_form_with_cast_inline_saves_keeps_counters_and_refreshes_everything(
    admin_browser, rate, django_capture_on_commit_callbacks
):
    movie = MovieFactory(title="Lionheart")
    url = reverse("admin:catalog_movie_change", args=[movie.pk])
    assert admin_browser.get(url).status_code == 200
    cache.set(movie_detail_key(movie.pk), {"stale": True}, 60)
    rate(movie, [9, 8])  # a review lands while the editor has the form open

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(url, _change_form_data(movie, title="Lionheart (2018)"))
    assert response.status_code == 302, response.context["errors"] if response.context else response

    movie.refresh_from_db()
    assert movie.title == "Lionheart (2018)"
    assert movie.review_count == 2 and movie.rating_sum == 17  # the editor's save did not undo them
    assert list(MovieCast.objects.filter(movie=movie).values_list("actor_name", flat=True)) == ["Genevieve Nnaji"]
    assert cache.get(movie_detail_key(movie.pk)) is None
    assert "nnaji" in {lexeme.split(":")[0].strip("'") for lexeme in str(movie.search_vector).split()}


def test_feature_and_unfeature_actions(admin_browser):
    first, second = MovieFactory(), MovieFactory()
    ids = [str(first.pk), str(second.pk)]
    admin_browser.post(CHANGELIST, {"action": "feature", "_selected_action": ids})
    assert Movie.objects.filter(is_featured=True).count() == 2
    admin_browser.post(CHANGELIST, {"action": "unfeature", "_selected_action": [str(first.pk)]})
    assert list(Movie.objects.filter(is_featured=True)) == [second]


def test_admin_delete_goes_through_the_service(admin_browser):
    movie = MovieFactory(cast=["A"])
    url = reverse("admin:catalog_movie_delete", args=[movie.pk])
    assert admin_browser.post(url, {"post": "yes"}).status_code == 302
    assert not Movie.objects.filter(pk=movie.pk).exists()
    other = MovieFactory()
    admin_browser.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [str(other.pk)], "post": "yes"})
    assert not Movie.objects.exists()


def test_plain_users_cannot_open_the_catalogue_admin(client, user):
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 302  # to the login page


def test_a_moderator_merges_duplicate_people_into_the_most_credited(
    client, moderator, django_capture_on_commit_callbacks
):
    from catalog.models import Person
    from moderation.services import sync_moderator_group

    sync_moderator_group(moderator)
    client.force_login(moderator)
    MovieFactory(cast=["Funke Akindele"])
    MovieFactory(cast=["Funke Akindele"])
    movie = MovieFactory(cast=["Funke Akindele-Bello"])
    cache.set(movie_detail_key(movie.pk), (movie.type, b"{}"))
    people = reverse("admin:catalog_person_changelist")
    assert client.get(people, {"q": "akindele"}).status_code == 200
    ids = [str(pk) for pk in Person.objects.values_list("pk", flat=True)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(people, {"action": "merge", "_selected_action": ids}, follow=True)
    assert response.status_code == 200
    kept = Person.objects.get()
    assert kept.name == "Funke Akindele" and kept.credits.count() == 3
    assert MovieCast.objects.get(movie=movie).person_id == kept.pk
    assert cache.get(movie_detail_key(movie.pk)) is None  # the detail shows each credit's person
    assert client.post(reverse("admin:catalog_person_delete", args=[kept.pk]), {"post": "yes"}).status_code == 403
