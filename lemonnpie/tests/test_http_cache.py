"""HTTP caching of API reads: ETag, Cache-Control, 304, gzip and Vary; a change gives a new ETag."""

import gzip

import pytest
from rest_framework.test import APIClient

from catalog import services as catalog_services
from catalog.models import Movie
from catalog.tests.factories import MovieFactory
from conftest import client_for
from lemonnpie.api.http_cache import GZIP_MIN_BYTES, accepts_gzip, etag_matches
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def movie():
    return MovieFactory(plot_summary="A long plot. " * 120)  # a detail answer well over 1 KB


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


def test_a_stored_detail_carries_etag_and_cache_control_and_a_repeat_is_304(api_client, movie):
    first = api_client.get(f"/api/v1/movies/{movie.pk}")
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('W/"') and first["Cache-Control"] == "public, no-cache"
    assert "accept-encoding" in vary(first)
    again = api_client.get(f"/api/v1/movies/{movie.pk}", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == "public, no-cache"
    # Another ETag in the list, or the strong form of ours, matches too (weak comparison).
    strong = etag.removeprefix("W/")
    assert api_client.get(f"/api/v1/movies/{movie.pk}", HTTP_IF_NONE_MATCH=f'"x", {strong}').status_code == 304
    assert api_client.get(f"/api/v1/movies/{movie.pk}", HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_a_change_to_the_title_gives_a_new_etag(api_client, movie, django_capture_on_commit_callbacks):
    etag = api_client.get(f"/api/v1/movies/{movie.pk}")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.movie_update(movie_id=movie.pk, data={"title": "A New Title"}, allow_featured=True)
    changed = api_client.get(f"/api/v1/movies/{movie.pk}", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["title"] == "A New Title"
    assert changed["ETag"] != etag


def test_large_answers_are_gzipped_only_for_clients_that_accept_it(api_client, movie):
    plain = api_client.get(f"/api/v1/movies/{movie.pk}")
    assert len(plain.content) > GZIP_MIN_BYTES and "Content-Encoding" not in plain
    packed = api_client.get(f"/api/v1/movies/{movie.pk}", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip" and "accept-encoding" in vary(packed)
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content)
    assert packed["ETag"] == plain["ETag"]  # weak: the same answer in another coding
    refused = api_client.get(f"/api/v1/movies/{movie.pk}", HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert "Content-Encoding" not in refused and refused.content == plain.content


def test_small_answers_are_not_compressed(api_client):
    answer = api_client.get("/api/v1/ping", HTTP_ACCEPT_ENCODING="gzip")
    assert answer.status_code == 200 and "Content-Encoding" not in answer and answer.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/movies/featured",
        "/api/v1/movies/trending",
        "/api/v1/movies/search?q=plot",
        "/api/v1/movies/suggestions?q=movie",
    ],
)
def test_every_stored_public_read_answers_304_on_a_repeat(api_client, movie, path):
    first = api_client.get(path)
    assert first.status_code == 200, first.content
    assert first["Cache-Control"] == "public, no-cache"
    repeat = api_client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert repeat.status_code == 304 and repeat.content == b""


def test_trending_pages_change_with_the_ranking_and_with_the_titles(
    api_client, movie, django_capture_on_commit_callbacks
):
    quiet = MovieFactory(title="Quiet Title")
    first = api_client.get("/api/v1/movies/trending")
    # Activity that changes no title row (so no catalogue version): only the next ranking shows it.
    ReviewFactory.create_batch(2, movie=quiet)
    Movie.objects.filter(pk=quiet.pk).update(review_count=2)
    assert api_client.get("/api/v1/movies/trending")["ETag"] == first["ETag"]
    catalog_services.trending_refresh()  # beat's new ranking: a new stored page
    ranked = api_client.get("/api/v1/movies/trending", HTTP_IF_NONE_MATCH=first["ETag"])
    assert ranked.status_code == 200 and ranked.json()["results"][0]["id"] == str(quiet.pk)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.movie_update(movie_id=quiet.pk, data={"title": "Renamed"}, allow_featured=True)
    renamed = api_client.get("/api/v1/movies/trending", HTTP_IF_NONE_MATCH=ranked["ETag"])
    assert renamed.status_code == 200 and renamed.json()["results"][0]["title"] == "Renamed"


def test_other_get_answers_get_etag_304_and_gzip_too(api_client):
    MovieFactory.create_batch(12, plot_summary="Long enough to make a big page. " * 3)
    page = api_client.get("/api/v1/movies", HTTP_ACCEPT_ENCODING="gzip")
    assert page.status_code == 200 and page["Content-Encoding"] == "gzip"
    assert page["Cache-Control"] == "public, no-cache" and {"authorization", "accept-encoding"} <= vary(page)
    assert api_client.get("/api/v1/movies", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304


def test_a_signed_in_callers_own_answers_are_private(user):
    answer = client_for(user).get("/api/v1/users/profile")
    assert answer.status_code == 200 and answer["Cache-Control"] == "private, no-cache"


def test_writes_are_never_compressed_or_given_an_etag(user):
    client = APIClient()
    body = {"email": "new.person@example.ng", "password": "a-long-passphrase-9", "name": "N" * 100}
    answer = client.post("/api/v1/auth/register", body, format="json", HTTP_ACCEPT_ENCODING="gzip")
    assert answer.status_code == 201 and len(answer.content) > GZIP_MIN_BYTES
    assert "Content-Encoding" not in answer and "ETag" not in answer


@pytest.mark.parametrize(
    ("header", "expected"),
    [("gzip", True), ("deflate, gzip;q=0.5", True), ("*", True), ("gzip;q=0", False), ("br", False), ("", False)],
)
def test_accept_encoding_is_read_with_its_quality(header, expected):
    assert accepts_gzip(header) is expected


def test_if_none_match_star_and_lists():
    assert etag_matches("*", 'W/"a"')
    assert etag_matches('"b", W/"a"', 'W/"a"')
    assert not etag_matches('"b"', 'W/"a"')
