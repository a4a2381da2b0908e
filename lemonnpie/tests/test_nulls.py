"""`null` in an optional request field means "no value" (API.md §1; the seed's models are
`Optional[...] = None`): the field's empty value where it has one ("" text, [] list), else as if it
were not sent (the default on create, unchanged on update). Responses show "no value" the same way
in every list and detail: `null` for numbers, dates and ids, "" for text, [] for lists."""

import pytest
import yaml
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings

from catalog.api.serializers import MovieWriteSerializer
from catalog.tests.factories import MovieFactory
from conftest import client_for
from moderation.models import Report
from reviews.models import Review
from reviews.tests.helpers import GOOD_REVIEW

pytestmark = pytest.mark.django_db

# The optional fields of a movie body, as the input serializer declares them.
MOVIE_OPTIONALS = [
    name for name, field in MovieWriteSerializer().fields.items() if not field.required and not field.read_only
]
NO_VALUE = {
    "type": "movie",
    "local_title": "",
    "runtime": None,
    "poster_url": "",
    "trailer_url": "",
    "director": "",
    "producer": "",
    "production_company": "",
    "production_state": "",
    "box_office_ng": "",
    "genres": [],
    "languages": [],
    "lemon_pie_rating": None,
}


def test_a_movie_posted_with_every_optional_field_null_shows_no_value_in_list_and_detail(admin_client_api):
    body = {"title": "Nulls", "release_date": "2020-01-01", **dict.fromkeys(MOVIE_OPTIONALS)}
    response = admin_client_api.post("/api/v1/movies", body, format="json")
    assert response.status_code == 201, response.content
    detail = response.json()
    assert {key: detail[key] for key in NO_VALUE} == NO_VALUE
    assert (detail["plot_summary"], detail["cast"], detail["imdb_id"], detail["is_featured"]) == ("", [], None, False)
    fetched = client_for().get(f"/api/v1/movies/{detail['id']}").json()
    row = client_for().get("/api/v1/movies").json()["results"][0]
    found = client_for().get("/api/v1/movies/search?q=Nulls").json()["results"][0]
    for shown in (fetched, row, found):
        assert {key: shown[key] for key in NO_VALUE} == NO_VALUE


def test_null_clears_what_may_be_empty_and_leaves_the_rest_unchanged(admin_client_api):
    movie = MovieFactory(local_title="Ìjọ̀ba", director="Kunle Afolayan", runtime=120)
    body = {"local_title": None, "director": None, "runtime": None, "title": None, "release_date": None, "type": None}
    response = admin_client_api.patch(f"/api/v1/movies/{movie.pk}", body, format="json")
    assert response.status_code == 200, response.content
    movie.refresh_from_db()
    assert (movie.local_title, movie.director, movie.runtime) == ("", "", None)
    assert movie.title == response.json()["title"] != ""


def test_a_required_field_still_refuses_null(admin_client_api):
    response = admin_client_api.post("/api/v1/movies", {"title": None, "release_date": "2020-01-01"}, format="json")
    assert response.status_code == 400
    assert response.json()["details"] == [{"field": "title", "message": "This field may not be null."}]


def test_a_cast_member_in_a_patch_still_needs_its_name(admin_client_api):
    movie = MovieFactory()
    body = {"cast": [{"character_name": None}]}
    response = admin_client_api.patch(f"/api/v1/movies/{movie.pk}", body, format="json")
    assert response.status_code == 400, response.content  # was a 500 (KeyError)
    assert response.json()["details"][0]["field"] == "cast.0.actor_name"


def test_review_nulls_take_the_defaults_and_a_partial_update_ignores_them(auth_client):
    movie = MovieFactory()
    body = {"movie_id": str(movie.pk), **GOOD_REVIEW, "review_language": None, "spoiler_warning": None}
    response = auth_client.post("/api/v1/reviews", {**body, "nollywood_tags": None}, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["review_language"], created["spoiler_warning"], created["nollywood_tags"]) == ("en", False, [])
    update = dict.fromkeys(GOOD_REVIEW) | {"review_text": "A second look: still a fine film."}
    response = auth_client.patch(f"/api/v1/reviews/{created['id']}", update, format="json")
    assert response.status_code == 200, response.content
    review = Review.objects.get(pk=created["id"])
    assert review.review_text == "A second look: still a fine film."
    assert review.lemon_pie_rating == GOOD_REVIEW["lemon_pie_rating"]


def test_profile_nulls(auth_client, user):
    user.bio, user.location = "Lagos born", "Lagos"
    user.save()
    for method in (auth_client.patch, auth_client.put):
        body = {"name": None, "bio": None, "location": None, "avatar_url": None}
        response = method("/api/v1/users/profile", body, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["name"] == user.name
        assert (response.json()["bio"], response.json()["location"], response.json()["avatar_url"]) == ("", "", "")


def test_report_and_moderation_nulls(auth_client, moderator_client):
    movie = MovieFactory()
    body = {"content_type": "movie", "content_id": str(movie.pk), "reason": "spam", "details": None}
    response = auth_client.post("/api/v1/reports", body, format="json")
    assert response.status_code == 201, response.content
    assert Report.objects.get().details == ""
    resolve = {"resolution": "dismissed", "note": None}
    response = moderator_client.put(f"/api/v1/admin/reports/{response.json()['id']}/resolve", resolve, format="json")
    assert response.status_code == 200 and response.json()["resolution_note"] == ""


def _request_bodies(schema: dict):
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media["schema"]["$ref"].rsplit("/", 1)[-1]
                yield f"{method.upper()} {path}", components[ref], components


def test_every_optional_request_field_is_nullable_in_the_schema(tmp_path):
    """A request body whose optional field is not `nullable` fails here: derive it from InputSerializer."""
    call_command("spectacular", "--file", str(tmp_path / "schema.yml"))
    schema = yaml.safe_load((tmp_path / "schema.yml").read_text())
    missing, seen = [], 0
    for operation, body, components in _request_bodies(schema):
        for name, prop in body["properties"].items():
            if name in body.get("required", []) or prop.get("readOnly"):
                continue
            seen += 1
            nested = [components[ref["$ref"].rsplit("/", 1)[-1]] for ref in prop.get("oneOf", []) if "$ref" in ref]
            if not (prop.get("nullable") or any(part.get("enum") == [None] for part in nested)):
                missing.append(f"{operation} {name}")
    assert seen > 40
    assert missing == []


def test_the_schema_fuzz_sends_nulls_for_optional_fields():
    """schemathesis draws from the same schema as the fuzz suite: optional fields come out as null."""
    from lemonnpie.tests.fuzz.test_schema_fuzz import schema

    nulls: set[str] = set()

    @given(schema["/api/v1/movies/"]["POST"].as_strategy())
    @settings(max_examples=60, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    def draw(case):
        if isinstance(case.body, dict):
            nulls.update(name for name in MOVIE_OPTIONALS if name in case.body and case.body[name] is None)

    draw()
    assert {"local_title", "director", "genres"} & nulls, nulls  # text and lists, not only nullable columns
    assert len(nulls) >= 5, nulls


def test_an_empty_form_value_is_not_a_null(auth_client):
    """A form cannot say null; DRF reads "" as null in a nullable field, which reached the services
    (the fuzz found a 500 and a NOT NULL violation). An empty form value keeps its own meaning."""
    movie = MovieFactory()
    form = {"movie_id": str(movie.pk), **GOOD_REVIEW, "review_language": ""}
    response = auth_client.post("/api/v1/reviews", form)  # multipart form
    assert response.status_code == 400, response.content
    assert [d["field"] for d in response.json()["details"]] == ["review_language"]
    response = auth_client.patch("/api/v1/users/profile", "name=", content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400), response.content  # was a 500 (NOT NULL violation on users.name)
    assert auth_client.get("/api/v1/users/profile").json()["name"]


def test_an_empty_form_field_with_a_validator_is_not_null(auth_client):
    """The fuzz's case: a form-encoded review with an empty `review_language` is a 400 or a 201, never a 500."""
    body = {**GOOD_REVIEW, "review_language": "", "spoiler_warning": "false", "movie_id": str(MovieFactory().pk)}
    response = auth_client.post("/api/v1/reviews", body, format="multipart")
    assert response.status_code in (201, 400), response.content
