import datetime
import uuid

import pytest

from accounts.tests.factories import UserFactory
from catalog.models import CastRole, MovieCast
from catalog.tests.factories import MovieFactory
from conftest import client_for
from diary import services
from diary.models import ENTRY_FIELDS
from diary.tests.helpers import audience_stored, watched_stored
from reviews import services as review_services
from reviews.tests.helpers import GOOD_REVIEW
from social.services import follow_create

pytestmark = pytest.mark.django_db

DIARY = "/api/v1/diary"
ENTRY_KEYS = {"id", "movie", *ENTRY_FIELDS}  # the fields diary.models declares for the API


def assert_envelope(response, status, error):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == error
    return body


def test_log_a_viewing_with_each_date_precision(auth_client, user, movie):
    body = {
        "movie_id": str(movie.pk),
        "watched_on": "2026-11-24",
        "rating": 8,
        "liked": True,
        "where": "cinema",
        "note": "Watched at Filmhouse Lekki.",
        "role": "admin",
        "user_id": str(uuid.uuid4()),
    }
    response = auth_client.post(DIARY, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == ENTRY_KEYS
    assert (data["watched_on"], data["watched_precision"], data["rating"], data["note"]) == (
        "2026-11-24",
        "day",
        8,
        "Watched at Filmhouse Lekki.",
    )
    assert data["movie"] == {
        "id": str(movie.pk),
        "title": movie.title,
        "release_date": movie.release_date.isoformat(),
        "runtime": 110,
        "poster_url": "",
    }
    month = auth_client.post(
        DIARY, {"movie_id": str(movie.pk), "watched_on": "2026-10", "rewatch": True}, format="json"
    )
    assert (month.json()["watched_on"], month.json()["watched_precision"]) == ("2026-10", "month")
    unknown = auth_client.post(DIARY, {"movie_id": str(movie.pk), "watched_on": None}, format="json")
    assert (unknown.json()["watched_on"], unknown.json()["watched_precision"]) == (None, "unknown")
    today = auth_client.post(DIARY, {"movie_id": str(movie.pk)}, format="json")  # no date: watched today
    assert today.json()["watched_on"] == datetime.datetime.now(datetime.UTC).date().isoformat()
    assert watched_stored(user.pk) == 1
    assert audience_stored(movie.pk) == (1, 8)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"watched_on": "2026-13-01"}, "watched_on"),
        ({"watched_on": "yesterday"}, "watched_on"),
        ({"watched_on": 20261124}, "watched_on"),
        ({"rating": 11}, "rating"),
        ({"rating": 0}, "rating"),
        ({"where": "cinema hall"}, "where"),
        ({"note": "x" * 5001}, "note"),
    ],
)
def test_bad_entries_are_validation_errors(auth_client, movie, body, field):
    response = auth_client.post(DIARY, {"movie_id": str(movie.pk), **body}, format="json")
    details = assert_envelope(response, 400, "validation_error")["details"]
    assert [d["field"] for d in details] == [field]


def test_unknown_movie_is_a_validation_error(auth_client):
    response = auth_client.post(DIARY, {"movie_id": str(uuid.uuid4()), "watched_on": "2026-01-01"}, format="json")
    assert assert_envelope(response, 400, "validation_error")["details"][0]["field"] == "movie_id"


def test_edit_link_a_review_and_delete(auth_client, user, movie):
    entry_id = auth_client.post(DIARY, {"movie_id": str(movie.pk), "watched_on": "2026-01-05"}, format="json").json()[
        "id"
    ]
    review = review_services.review_create(user=user, movie_id=movie.pk, **GOOD_REVIEW)
    response = auth_client.patch(
        f"{DIARY}/{entry_id}", {"rating": 6, "review_id": str(review.pk), "watched_on": "2026-01"}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["rating"], data["review_id"], data["watched_on"]) == (6, str(review.pk), "2026-01")
    assert audience_stored(movie.pk) == (0, 0)  # reviewed: the rating is not an audience rating
    assert auth_client.delete(f"{DIARY}/{entry_id}").status_code == 204
    assert auth_client.get(f"{DIARY}/{entry_id}").status_code == 404
    assert watched_stored(user.pk) == 1  # still reviewed


def test_other_users_cannot_read_or_change_my_entries(auth_client, other_client, movie):
    entry_id = auth_client.post(DIARY, {"movie_id": str(movie.pk), "watched_on": "2026-01-05"}, format="json").json()[
        "id"
    ]
    for response in (
        other_client.get(f"{DIARY}/{entry_id}"),
        other_client.patch(f"{DIARY}/{entry_id}", {"rating": 1}, format="json"),
        other_client.delete(f"{DIARY}/{entry_id}"),
    ):
        assert_envelope(response, 404, "not_found")
    assert client_for(None).get(DIARY).status_code == 401


@pytest.mark.parametrize("rows", [2, 30])
def test_my_diary_query_count_is_fixed(auth_client, user, rows, django_assert_max_num_queries):
    for index in range(rows):
        services.diary_entry_create(
            user=user, movie_id=MovieFactory().pk, watched_on=datetime.date(2026, 1, 1 + index % 28)
        )
    # auth, count, one page joined with the films
    with django_assert_max_num_queries(3):
        response = auth_client.get(f"{DIARY}?page_size=100")
    assert len(response.json()["results"]) == rows
    dates = [row["watched_on"] for row in response.json()["results"]]
    assert dates == sorted(dates, reverse=True)


# --- a user's diary and its privacy ---------------------------------------------------------------


@pytest.fixture
def owner_with_diary(movie):
    owner = UserFactory()
    services.diary_entry_create(user=owner, movie_id=movie.pk, watched_on=datetime.date(2026, 4, 2), note="secret")
    return owner


@pytest.mark.parametrize(
    "privacy, anonymous, stranger, follower",
    [("public", 200, 200, 200), ("followers", 404, 404, 200), ("private", 404, 404, 404)],
)
def test_public_diary_respects_privacy(owner_with_diary, privacy, anonymous, stranger, follower):
    owner = owner_with_diary
    owner.diary_privacy = privacy
    owner.save(update_fields=["diary_privacy"])
    fan = UserFactory()
    follow_create(follower=fan, following_id=owner.pk)
    url = f"/api/v1/users/{owner.pk}/diary"
    assert client_for(None).get(url).status_code == anonymous
    assert client_for(UserFactory()).get(url).status_code == stranger
    response = client_for(fan).get(url)
    assert response.status_code == follower
    if follower == 200:
        assert response.json()["results"][0]["note"] is None  # the note is private
    own = client_for(owner).get(url)
    assert own.status_code == 200 and own.json()["results"][0]["note"] == "secret"
    year = client_for(None).get(f"/api/v1/users/{owner.pk}/year/2026")
    assert year.status_code == anonymous


@pytest.mark.parametrize("rows", [2, 25])
def test_user_diary_query_count_is_fixed(api_client, rows, django_assert_max_num_queries):
    owner = UserFactory()
    for index in range(rows):
        services.diary_entry_create(
            user=owner, movie_id=MovieFactory().pk, watched_on=datetime.date(2026, 2, 1 + index % 28)
        )
    # owner, count, page
    with django_assert_max_num_queries(3):
        response = api_client.get(f"/api/v1/users/{owner.pk}/diary?page_size=100")
    assert len(response.json()["results"]) == rows


def test_unknown_user_diary_is_404(api_client):
    assert_envelope(api_client.get(f"/api/v1/users/{uuid.uuid4()}/diary"), 404, "not_found")


# --- ratings and the audience aggregate -------------------------------------------------------------


def test_rate_without_reviewing_and_read_the_audience_rating(auth_client, other_client, movie):
    assert auth_client.put(f"/api/v1/diary/ratings/{movie.pk}", {"rating": 9}, format="json").status_code == 200
    assert other_client.put(f"/api/v1/diary/ratings/{movie.pk}", {"rating": 4}, format="json").status_code == 200
    audience = client_for(None).get(f"/api/v1/movies/{movie.pk}/audience").json()
    assert audience == {"movie_id": str(movie.pk), "audience_rating": 6.5, "audience_count": 2}
    mine = auth_client.get("/api/v1/diary/ratings").json()["results"]
    assert [(r["movie"]["id"], r["rating"]) for r in mine] == [(str(movie.pk), 9)]
    assert auth_client.delete(f"/api/v1/diary/ratings/{movie.pk}").status_code == 204
    assert client_for(None).get(f"/api/v1/movies/{movie.pk}/audience").json()["audience_count"] == 1
    assert_envelope(
        auth_client.put(f"/api/v1/diary/ratings/{movie.pk}", {"rating": 0}, format="json"), 400, "validation_error"
    )
    assert_envelope(
        auth_client.put(f"/api/v1/diary/ratings/{uuid.uuid4()}", {"rating": 5}, format="json"), 404, "not_found"
    )


def test_profile_stats_count_films_logged_or_reviewed(auth_client, user, movie, other_movie):
    auth_client.post(DIARY, {"movie_id": str(movie.pk), "watched_on": "2026-01-05"}, format="json")
    auth_client.post(DIARY, {"movie_id": str(movie.pk), "watched_on": "2026-01-06", "rewatch": True}, format="json")
    review_services.review_create(user=user, movie_id=other_movie.pk, **GOOD_REVIEW)
    stats = client_for(None).get(f"/api/v1/users/{user.pk}").json()["stats"]
    assert (stats["movies_watched"], stats["total_reviews"]) == (2, 1)


# --- year in review -------------------------------------------------------------------------------


@pytest.fixture
def year_owner(db):
    owner = UserFactory()
    a = MovieFactory(title="Anikulapo", runtime=120, genres=["Drama", "Fantasy"], languages=["Yoruba"])
    b = MovieFactory(title="Gangs of Lagos", runtime=None, genres=["Crime"], languages=["English", "Yoruba"])
    c = MovieFactory(title="King of Boys", runtime=170, genres=["Drama", "Crime"], languages=["English"])
    MovieCast.objects.create(movie=a, actor_name="Kunle Remi", role_type=CastRole.ACTOR)
    MovieCast.objects.create(movie=a, actor_name="Kunle Afolayan", role_type=CastRole.DIRECTOR)
    MovieCast.objects.create(movie=c, actor_name="Sola Sobowale", role_type=CastRole.ACTOR)
    MovieCast.objects.create(movie=b, actor_name="Kunle Remi", role_type=CastRole.ACTOR)
    log = services.diary_entry_create
    log(user=owner, movie_id=a.pk, watched_on=datetime.date(2025, 3, 1), rating=9)
    log(user=owner, movie_id=a.pk, watched_on=datetime.date(2025, 3, 2), rating=10, rewatch=True)
    log(user=owner, movie_id=b.pk, watched_on=datetime.date(2025, 3, 3), rating=6)
    log(user=owner, movie_id=c.pk, watched_on=datetime.date(2025, 7, 1), watched_precision="month", rating=8)
    log(user=owner, movie_id=c.pk, watched_on=datetime.date(2025, 12, 31))
    log(user=owner, movie_id=c.pk, watched_on=datetime.date(2024, 12, 31))  # another year
    log(user=owner, movie_id=b.pk, watched_on=None, watched_precision="unknown")  # no date: in no year
    return owner, (a, b, c)


def test_year_in_review_sections(year_owner, django_assert_max_num_queries):
    owner, _films = year_owner
    with django_assert_max_num_queries(3):  # owner, the year's one statement (+ auth-free anonymous)
        response = client_for(None).get(f"/api/v1/users/{owner.pk}/year/2025")
    assert response.status_code == 200
    data = response.json()
    assert (data["year"], data["entries"], data["films"], data["rewatches"]) == (2025, 5, 3, 1)
    assert data["hours"] == round((120 * 2 + 170 * 2) / 60, 1)
    assert data["entries_without_runtime"] == 1
    assert data["average_rating"] == 8.25
    assert data["by_month"]["3"] == 3 and data["by_month"]["7"] == 1 and data["by_month"]["12"] == 1
    assert data["by_month"]["1"] == 0 and len(data["by_month"]) == 12
    assert {row["name"]: row["count"] for row in data["by_language"]} == {"Yoruba": 3, "English": 3}
    assert data["by_genre"] == [
        {"name": "Drama", "count": 4},
        {"name": "Crime", "count": 3},
        {"name": "Fantasy", "count": 2},
    ]
    assert [(f["title"], f["rating"]) for f in data["top_rated"]] == [
        ("Anikulapo", 10),
        ("King of Boys", 8),
        ("Gangs of Lagos", 6),
    ]
    assert data["actors"][0] == {"name": "Kunle Remi", "films": 2}
    assert data["directors"] == [{"name": "Kunle Afolayan", "films": 1}]
    assert data["longest_streak"] == {"days": 3, "start": "2025-03-01", "end": "2025-03-03"}
    assert (data["first"]["title"], data["first"]["watched_on"]) == ("Anikulapo", "2025-03-01")
    assert (data["last"]["title"], data["last"]["watched_on"]) == ("King of Boys", "2025-12-31")


def test_year_in_review_is_cached_until_the_diary_changes(
    year_owner, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    owner, (a, _b, _c) = year_owner
    url = f"/api/v1/users/{owner.pk}/year/2025"
    assert client_for(None).get(url).json()["entries"] == 5
    with django_assert_max_num_queries(1):  # the owner only: the year comes from the cache
        assert client_for(None).get(url).json()["entries"] == 5
    with django_capture_on_commit_callbacks(execute=True):
        services.diary_entry_create(user=owner, movie_id=a.pk, watched_on=datetime.date(2025, 8, 8))
    assert client_for(None).get(url).json()["entries"] == 6


def test_year_in_review_of_an_empty_year_and_bad_years(year_owner):
    owner, _ = year_owner
    data = client_for(owner).get(f"/api/v1/users/{owner.pk}/year/2019").json()
    assert (data["entries"], data["top_rated"], data["longest_streak"], data["first"]) == (0, [], None, None)
    assert client_for(owner).get(f"/api/v1/users/{owner.pk}/year/1200").status_code == 404
    assert client_for(owner).get(f"/api/v1/users/{owner.pk}/year/20255").status_code == 404


@pytest.mark.parametrize("rows", [2, 30])
def test_my_ratings_query_count_is_fixed(auth_client, user, rows, django_assert_max_num_queries):
    for index in range(rows):
        services.film_rating_set(user=user, movie_id=MovieFactory().pk, rating=1 + index % 10)
    with django_assert_max_num_queries(3):  # auth, count, one page joined with the films
        response = auth_client.get("/api/v1/diary/ratings?page_size=100")
    assert len(response.json()["results"]) == rows
