"""GET /movies/suggestions: typo-tolerant titles through the trigram index on lnp_fold(title)."""

import pytest
from django.db import connection

from catalog.models import Movie, MovieTitle
from catalog.tests.factories import MovieFactory, SeriesFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/movies/suggestions"


def suggest(client, q: str) -> list[str]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


@pytest.fixture
def titles():
    for title in ["Lionheart", "The Wedding Party", "Òfin Mósè", "King of Boys", "Ìjọ̀ba Òkè", "Ɗan Ƙasa"]:
        MovieFactory(title=title)
    SeriesFactory(title="Shanty Town", local_title="Ìlú Àtijọ́")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Lionhart", "Lionheart"),  # a typo
        ("lion heart", "Lionheart"),
        ("weding party", "The Wedding Party"),
        ("ofin mose", "Òfin Mósè"),  # no accents typed
        ("Òfin", "Òfin Mósè"),
        ("kng of boy", "King of Boys"),
        ("dan kasa", "Ɗan Ƙasa"),
        ("ilu atijo", "Shanty Town"),  # the local title matches; the title is what comes back
        ("Wedding", "The Wedding Party"),  # a word of a longer title
    ],
)
def test_suggestions_tolerate_typos_and_missing_accents(api_client, titles, q, expected):
    assert suggest(api_client, q)[0] == expected


def test_suggestion_rows_are_id_title_release_date(api_client, titles):
    row = api_client.get(URL, {"q": "Lionheart"}).json()["results"][0]
    movie = Movie.objects.get(title="Lionheart")
    assert row == {"id": str(movie.pk), "title": "Lionheart", "release_date": movie.release_date.isoformat()}


def test_at_most_ten_suggestions_closest_first(api_client):
    for index in range(15):
        MovieFactory(title=f"Jenifa {index}")
    MovieFactory(title="Jenifa")
    results = suggest(api_client, "jenifa")
    assert len(results) == 10 and results[0] == "Jenifa"


def test_nothing_alike_gives_an_empty_list(api_client, titles):
    assert suggest(api_client, "zzzzqqq") == []


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "  "}, {"q": "y" * 201}, {"q": "\x00"}])
def test_bad_queries_are_400(api_client, params):
    response = api_client.get(URL, params)
    assert response.status_code == 400 and response.json()["error"] == "validation_error"


def test_suggestions_are_cached_until_the_catalogue_changes(
    api_client, admin_client_api, django_assert_num_queries, django_capture_on_commit_callbacks
):
    movie = MovieFactory(title="Lionheart")
    assert suggest(api_client, "Lionhart") == ["Lionheart"]
    with django_assert_num_queries(0):
        assert suggest(api_client, "Lionhart") == ["Lionheart"]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_api.patch(f"/api/v1/movies/{movie.pk}", {"title": "Lionheart 2"}, format="json")
    assert suggest(api_client, "Lionhart") == ["Lionheart 2"]


def test_suggestions_use_the_trigram_index_on_the_folded_title():
    """Tiny table, so the test (only) turns sequential scans off to see the index is usable."""
    from catalog.expressions import title_matches

    MovieFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = MovieTitle.objects.filter(title_matches("Lionhart")).explain()
    assert "movie_titles_title_trgm" in plan and "movie_titles_local_trgm" in plan


def test_folded_titles_follow_every_write_to_movies():
    """movie_titles is kept by triggers: created, renamed (services, ORM, raw SQL) and deleted movies."""
    movie = MovieFactory(title="Òfin Mósè", local_title="Ìjọ̀ba")
    assert MovieTitle.objects.filter(movie=movie).values_list("title", "local_title").get() == ("Ofin Mose", "Ijoba")
    Movie.objects.filter(pk=movie.pk).update(title="Ọba Adé")
    movie.refresh_from_db()
    movie.local_title = ""
    movie.save()
    assert MovieTitle.objects.filter(movie=movie).values_list("title", "local_title").get() == ("Oba Ade", "")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE movies SET review_count = review_count + 1 WHERE id = %s", [movie.pk])  # no title change
        cursor.execute("DELETE FROM movies WHERE id = %s", [Movie.objects.create(title="Gone").pk])
    assert MovieTitle.objects.count() == Movie.objects.count() == 1
    movie.delete()
    assert not MovieTitle.objects.exists()
