"""GET /api/v1/home: four rows in one call, cached until the catalogue changes; top rated by
Bayesian average; new releases; the caller's state when signed in (issue 18)."""

import datetime

import pytest

from catalog import services
from catalog.tests.factories import MovieFactory
from reviews.tests.factories import ReviewFactory
from social.models import WatchlistEntry

pytestmark = pytest.mark.django_db

HOME = "/api/v1/home"


def titles(rows) -> list[str]:
    return [row["title"] for row in rows]


@pytest.fixture
def catalogue(rate):
    today = datetime.date.today()
    films = {
        "loved": rate(MovieFactory(title="Loved", release_date=datetime.date(2015, 1, 1)), [9] * 6),
        "liked": rate(MovieFactory(title="Liked", release_date=datetime.date(2016, 1, 1)), [7] * 4),
        "once": rate(MovieFactory(title="Once Perfect", release_date=datetime.date(2017, 1, 1)), [10]),
        "new": MovieFactory(title="Just Out", release_date=today - datetime.timedelta(days=3)),
        "future": MovieFactory(title="Coming Soon", release_date=today + datetime.timedelta(days=30)),
        "short": MovieFactory(title="A Short", type="short", release_date=today),
    }
    return films


def test_home_has_the_four_rows_of_films_and_series(api_client, catalogue):
    body = api_client.get(HOME).json()
    assert set(body) == {"featured", "trending", "new_releases", "top_rated"}
    assert titles(body["top_rated"]) == ["Loved", "Liked"]  # 3+ reviews only; one 10/10 is not top rated
    assert titles(body["featured"])[:3] == ["Loved", "Liked", "Once Perfect"]
    assert titles(body["new_releases"])[:2] == ["Just Out", "Once Perfect"]  # released only, newest first
    assert "Coming Soon" not in titles(body["new_releases"])
    everything = [row["title"] for name in body for row in body[name]]
    assert "A Short" not in everything
    assert set(body["featured"][0]) >= {"id", "title", "poster", "release_year", "release_date_precision"}


def test_home_row_size_and_validation(api_client, catalogue):
    body = api_client.get(HOME, {"size": 1}).json()
    assert all(len(body[name]) == 1 for name in body)
    for bad in ("0", "21", "x"):
        response = api_client.get(HOME, {"size": bad})
        assert response.status_code == 400 and response.json()["details"][0]["field"] == "size"


def test_home_is_cached_until_the_catalogue_changes(
    api_client, catalogue, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = api_client.get(HOME).content
    with django_assert_num_queries(0):
        assert api_client.get(HOME).content == first
    with django_capture_on_commit_callbacks(execute=True):
        services.movie_set_featured(movie_ids=[catalogue["new"].pk], featured=True)
    assert titles(api_client.get(HOME).json()["featured"]) == ["Just Out"]


def test_signed_in_rows_carry_my_state_and_the_shared_answer_stays_public(api_client, auth_client, user, catalogue):
    WatchlistEntry.objects.create(user=user, movie=catalogue["loved"])
    ReviewFactory(user=user, movie=catalogue["liked"], lemon_pie_rating=6)
    public = api_client.get(HOME).content
    mine = auth_client.get(HOME)
    assert mine["Cache-Control"] == "private"
    rows = {row["title"]: row for row in mine.json()["top_rated"]}
    assert rows["Loved"]["in_watchlist"] is True and rows["Liked"]["my_review"]["lemon_pie_rating"] == 6
    assert api_client.get(HOME).content == public


@pytest.mark.parametrize("rows", [2, 20])
def test_home_costs_a_fixed_number_of_queries(api_client, auth_client, rate, django_assert_num_queries, rows):
    for index in range(rows):
        rate(MovieFactory(title=f"T{index}"), [7, 8, 9])
    # featured exists?, catalogue mean (featured), featured rows, trending ranking, trending rows,
    # new releases, catalogue mean (top rated), top rated
    with django_assert_num_queries(8):
        assert len(api_client.get(HOME, {"size": 20}).json()["top_rated"]) == rows
    with django_assert_num_queries(2):  # cached; the caller and their state for every row at once
        auth_client.get(HOME, {"size": 20})
