import uuid

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import MovieFactory
from conftest import client_for
from lemonnpie.db.reconcile import run_recomputers
from lists import services
from lists.models import FilmList, FilmListEntry, MovieListCount

pytestmark = pytest.mark.django_db
LISTS = "/api/v1/lists"
LIST_KEYS = {
    "id",
    "user",
    "title",
    "description",
    "ranked",
    "is_public",
    "entry_count",
    "like_count",
    "created_at",
    "updated_at",
}


def assert_envelope(response, status, error):
    assert response.status_code == status, response.content
    assert response.json()["error"] == error
    return response.json()


def public_count(movie) -> int:
    return MovieListCount.objects.filter(movie=movie).values_list("public_lists", flat=True).first() or 0


def positions(film_list) -> list:
    return list(
        FilmListEntry.objects.filter(film_list=film_list).order_by("position").values_list("movie_id", flat=True)
    )


def no_drift():
    labels = ("list entry and like counts", "movie public list counts")
    return {r.label: r.drifted for r in run_recomputers(fix=False) if r.label in labels}


@pytest.fixture
def movies(db):
    return [MovieFactory() for _ in range(4)]


def test_create_add_reorder_remove(auth_client, user, movies):
    response = auth_client.post(
        LISTS,
        {"title": "Best of Kunle Afolayan", "ranked": True, "entry_count": 99, "user": str(uuid.uuid4())},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == LIST_KEYS
    assert (data["entry_count"], data["is_public"], data["user"]["id"]) == (0, True, str(user.pk))
    url = f"{LISTS}/{data['id']}"
    film_list = FilmList.objects.get(pk=data["id"])

    items = [{"movie_id": str(m.pk), "note": f"note {i}"} for i, m in enumerate(movies[:3])]
    response = auth_client.post(f"{url}/entries", {"items": items}, format="json")
    assert response.status_code == 201 and response.json()["added"] == 3
    again = auth_client.post(f"{url}/entries", {"items": items[:1]}, format="json")
    assert again.json()["added"] == 0  # already on the list
    inserted = auth_client.post(
        f"{url}/entries", {"items": [{"movie_id": str(movies[3].pk)}], "position": 1}, format="json"
    )
    assert inserted.json()["list"]["entry_count"] == 4
    assert positions(film_list) == [movies[3].pk, movies[0].pk, movies[1].pk, movies[2].pk]
    assert all(public_count(m) == 1 for m in movies)

    new_order = [str(m.pk) for m in reversed(movies)]
    assert auth_client.put(f"{url}/order", {"order": new_order}, format="json").status_code == 200
    assert [str(m) for m in positions(film_list)] == new_order
    bad = auth_client.put(f"{url}/order", {"order": new_order[:2]}, format="json")
    assert_envelope(bad, 400, "validation_error")

    entries = client_for(None).get(f"{url}/entries").json()["results"]
    assert [(e["position"], e["movie"]["id"]) for e in entries] == [(i + 1, new_order[i]) for i in range(4)]
    note = auth_client.patch(f"{url}/entries/{movies[0].pk}", {"note": "The finest."}, format="json")
    assert note.json()["note"] == "The finest."
    assert auth_client.delete(f"{url}/entries/{movies[2].pk}").status_code == 204
    assert positions(film_list) == [movies[3].pk, movies[1].pk, movies[0].pk]  # dense positions, order kept
    assert public_count(movies[2]) == 0
    assert no_drift() == {"list entry and like counts": 0, "movie public list counts": 0}


def test_going_private_and_deleting_move_the_public_counts(auth_client, user, movies):
    film_list = services.list_create(user=user, title="Watch next")
    services.list_entries_add(film_list=film_list, actor=user, items=[{"movie_id": m.pk} for m in movies])
    assert public_count(movies[0]) == 1
    detail = client_for(None).get(f"/api/v1/movies/{movies[0].pk}").json()
    assert detail["public_lists_count"] == 1
    response = auth_client.patch(f"{LISTS}/{film_list.pk}", {"is_public": False}, format="json")
    assert response.status_code == 200 and response.json()["is_public"] is False
    assert all(public_count(m) == 0 for m in movies)
    assert client_for(None).get(f"{LISTS}/{film_list.pk}").status_code == 404  # private: hidden
    assert auth_client.get(f"{LISTS}/{film_list.pk}").status_code == 200  # but mine
    auth_client.patch(f"{LISTS}/{film_list.pk}", {"is_public": True}, format="json")
    assert auth_client.delete(f"{LISTS}/{film_list.pk}").status_code == 204
    assert all(public_count(m) == 0 for m in movies)
    assert no_drift() == {"list entry and like counts": 0, "movie public list counts": 0}


def test_the_movie_detail_count_is_cached_and_refreshed(user, movies, django_capture_on_commit_callbacks):
    url = f"/api/v1/movies/{movies[0].pk}"
    assert client_for(None).get(url).json()["public_lists_count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        film_list = services.list_create(user=user, title="Lagos nights")
        services.list_entries_add(film_list=film_list, actor=user, items=[{"movie_id": movies[0].pk}])
    assert client_for(None).get(url).json()["public_lists_count"] == 1


def test_only_the_owner_changes_a_list(other_client, user, movies):
    film_list = services.list_create(user=user, title="Mine")
    url = f"{LISTS}/{film_list.pk}"
    for response in (
        other_client.patch(url, {"title": "Yours"}, format="json"),
        other_client.delete(url),
        other_client.post(f"{url}/entries", {"items": [{"movie_id": str(movies[0].pk)}]}, format="json"),
        other_client.put(f"{url}/order", {"order": []}, format="json"),
        other_client.delete(f"{url}/entries/{movies[0].pk}"),
    ):
        assert_envelope(response, 403, "permission_denied")
    assert client_for(None).post(LISTS, {"title": "x"}, format="json").status_code == 401


def test_a_list_holds_at_most_the_limit(settings, auth_client, user, movies):
    settings.LIST_MAX_ENTRIES = 3
    film_list = services.list_create(user=user, title="Short")
    url = f"{LISTS}/{film_list.pk}/entries"
    response = auth_client.post(url, {"items": [{"movie_id": str(m.pk)} for m in movies]}, format="json")
    assert_envelope(response, 400, "validation_error")
    assert FilmListEntry.objects.filter(film_list=film_list).count() == 0
    unknown = auth_client.post(url, {"items": [{"movie_id": str(uuid.uuid4())}]}, format="json")
    assert_envelope(unknown, 400, "validation_error")
    too_many = auth_client.post(url, {"items": [{"movie_id": str(uuid.uuid4())}] * 1001}, format="json")
    assert_envelope(too_many, 400, "validation_error")


def test_likes_order_popular_lists(auth_client, other_client, user, other_user):
    quiet = services.list_create(user=other_user, title="Quiet")
    loved = services.list_create(user=other_user, title="Loved")
    services.list_create(user=other_user, title="Hidden", is_public=False)
    assert auth_client.post(f"{LISTS}/{loved.pk}/like").json() == {"liked": True, "like_count": 1}
    assert auth_client.post(f"{LISTS}/{loved.pk}/like").json() == {"liked": True, "like_count": 1}  # idempotent
    popular = [row["title"] for row in client_for(None).get(LISTS).json()["results"]]
    assert popular == ["Loved", "Quiet"]
    recent = [row["title"] for row in client_for(None).get(f"{LISTS}?ordering=recent").json()["results"]]
    assert recent == ["Loved", "Quiet"]
    assert_envelope(client_for(None).get(f"{LISTS}?ordering=likes"), 400, "validation_error")
    assert auth_client.delete(f"{LISTS}/{loved.pk}/like").json() == {"liked": False, "like_count": 0}
    assert quiet.pk  # still there
    mine = client_for(other_user).get(f"/api/v1/users/{other_user.pk}/lists").json()["results"]
    assert len(mine) == 3
    theirs = client_for(user).get(f"/api/v1/users/{other_user.pk}/lists").json()["results"]
    assert {row["title"] for row in theirs} == {"Quiet", "Loved"}


@pytest.mark.parametrize("rows", [2, 30])
def test_list_endpoints_query_counts_are_fixed(rows, django_assert_max_num_queries):
    owner = UserFactory()
    lists = [services.list_create(user=owner, title=f"List {i}") for i in range(rows)]
    services.list_entries_add(
        film_list=lists[0], actor=owner, items=[{"movie_id": MovieFactory().pk} for _ in range(rows)]
    )
    client = client_for(None)
    with django_assert_max_num_queries(2):  # count, page joined with owners
        assert len(client.get(f"{LISTS}?page_size=100").json()["results"]) == rows
    with django_assert_max_num_queries(3):  # owner, count, page
        assert len(client.get(f"/api/v1/users/{owner.pk}/lists?page_size=100").json()["results"]) == rows
    with django_assert_max_num_queries(3):  # list, count, page joined with films
        assert len(client.get(f"{LISTS}/{lists[0].pk}/entries?page_size=100").json()["results"]) == rows
