"""Resource limits (OWASP API4, ASVS V13): page size, query length, body size, field count and
nesting depth are bounded, and going past a bound answers a 4xx envelope, never a 500.

Covered elsewhere: the upload size cap (5 MB file → 413 `payload_too_large`, also when the body is
far larger and before it is read) — social/tests/test_uploads.py::test_file_just_over_5_mb_is_413,
::test_much_larger_body_is_413_before_it_is_read; `q` over 200 characters on movies/search and
movies/suggestions — catalog/tests/test_search.py::test_empty_long_or_bad_queries_are_400,
catalog/tests/test_suggestions.py::test_bad_queries_are_400.
"""

import json

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from conftest import client_for
from lemonnpie.tests.security.conftest import REVIEW_FIELDS, assert_envelope
from reviews.models import Review

HUGE = 100_000


def _paginated_operations():
    document = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in sorted(document["paths"].items()):
        names = {p["name"] for p in operations.get("get", {}).get("parameters", []) if p["in"] == "query"}
        if "page_size" in names:
            yield path


PAGINATED = list(_paginated_operations())


def test_every_paginated_list_caps_page_size_at_100(admin_user, review_world):
    assert len(PAGINATED) >= 15
    client = client_for(admin_user)
    ids = {"{movie_id}": review_world["movie"].pk, "{user_id}": review_world["author"].pk}
    for path in PAGINATED:
        url = path
        for name, value in ids.items():
            url = url.replace(name, str(value))
        if path.startswith("/api/v1/lists/{id}"):
            url = url.replace("{id}", str(review_world["film_list"].pk))
        url = url.replace("{id}", str(review_world["author"].pk))
        params = {"page_size": HUGE, **({"q": "title"} if "search" in path else {})}
        response = client.get(url, params)
        assert response.status_code == 200, (path, response.content[:300])
        assert len(response.json()["results"]) <= 100


def test_a_huge_page_size_gives_exactly_100_rows(db, api_client):
    people = UserFactory.create_batch(5)
    movies = MovieFactory.create_batch(26)
    Review.objects.bulk_create(
        Review(user=person, movie=movie, **REVIEW_FIELDS) for person in people for movie in movies
    )  # 130 approved rows; aggregates are not read by the list
    body = api_client.get("/api/v1/reviews", {"page_size": HUGE}).json()
    assert body["count"] == 130 and len(body["results"]) == 100 and body["next"]
    assert len(api_client.get("/api/v1/reviews", {"page_size": HUGE, "page": 2}).json()["results"]) == 30
    assert len(api_client.get("/api/v1/reviews", {"page_size": "9" * 40}).json()["results"]) == 100
    for size in ("-1", "0", "1e9", "abc", "\x00"):
        assert len(api_client.get("/api/v1/reviews", {"page_size": size}).json()["results"]) == 20


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/series/search", "q"),
        ("/api/v1/movies/search", "q"),
        ("/api/v1/movies/suggestions", "q"),
        ("/api/v1/admin/users", "search"),
    ],
)
def test_queries_over_200_characters_are_400(admin_client_api, path, param):
    assert admin_client_api.get(path, {param: "x" * 200}).status_code == 200
    body = assert_envelope(admin_client_api.get(path, {param: "x" * 201}), 400, "validation_error")
    assert body["details"][0]["field"] == param


def _json_of_size(size: int) -> bytes:
    return json.dumps({"review_text": "a" * size}).encode()


WRITES = [
    ("post", "/api/v1/auth/register", None),
    ("post", "/api/v1/auth/login", None),
    ("post", "/api/v1/auth/forgot-password", None),
    ("post", "/api/v1/reviews", "user"),
    ("patch", "/api/v1/users/profile", "user"),
    ("post", "/api/v1/reports", "user"),
    ("post", "/api/v1/movies", "admin"),
    ("post", "/api/v1/upload/image", "user"),
]


def _client(who, user, admin_user):
    return client_for({"user": user, "admin": admin_user}.get(who))


@pytest.mark.parametrize(("method", "path", "who"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_a_body_over_the_limit_is_413_in_the_envelope(method, path, who, user, admin_user):
    body = _json_of_size(django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = _client(who, user, admin_user).generic(method.upper(), path, body, content_type="application/json")
    assert_envelope(response, 413, "payload_too_large")


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_form_bodies_over_the_limits_are_413(auth_client, content_type):
    limit = django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if content_type.startswith("multipart"):
        many = auth_client.post("/api/v1/reviews", {f"field{i}": "1" for i in range(limit + 1)}, format="multipart")
    else:
        fields = "&".join(f"field{i}=1" for i in range(limit + 1)).encode()
        many = auth_client.generic("POST", "/api/v1/reviews", fields, content_type=content_type)
    assert_envelope(many, 413, "payload_too_large")
    big = b"review_text=" + b"a" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = auth_client.generic("POST", "/api/v1/reviews", big, content_type="application/x-www-form-urlencoded")
    assert_envelope(response, 413, "payload_too_large")


def test_a_body_at_the_limit_is_read(auth_client, review_world):
    body = _json_of_size(django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 100)
    response = auth_client.generic("POST", "/api/v1/reviews", body, content_type="application/json")
    assert_envelope(response, 400, "validation_error")  # read and validated, not refused for its size


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_a_parse_error(auth_client, depth):
    body = b"[" * depth + b"]" * depth
    response = auth_client.generic("POST", "/api/v1/reviews", body, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert response.json()["error"] in ("parse_error", "validation_error")


def test_odd_json_documents_are_4xx(auth_client):
    for body in (b"", b"null", b"[]", b'"text"', b"1e999999", b"NaN", b'{"a": Infinity}', b"\xff\xfe", b"{" * 10):
        response = auth_client.generic("POST", "/api/v1/reviews", body, content_type="application/json")
        assert 400 <= response.status_code < 500, (body, response.content[:200])
        assert_envelope(response, response.status_code)


def test_an_unknown_content_type_is_415(auth_client):
    response = auth_client.generic("POST", "/api/v1/reviews", b"<review/>", content_type="application/xml")
    assert_envelope(response, 415, "unsupported_media_type")


def test_a_host_outside_allowed_hosts_is_a_400_envelope(api_client):
    assert_envelope(api_client.get("/api/v1/movies", HTTP_HOST="evil.example"), 400, "bad_request")


def test_too_many_files_is_413(auth_client):
    count = django_settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1
    files = {f"file{i}": SimpleUploadedFile(f"f{i}.png", b"x", content_type="image/png") for i in range(count)}
    for path in ("/api/v1/upload/image", "/api/v1/reviews"):
        assert_envelope(auth_client.post(path, files, format="multipart"), 413, "payload_too_large")
