"""`/api/v1/notifications`: the envelope, the receiver's own rows only, fixed query counts."""

import pytest

from accounts.tests.factories import UserFactory
from conftest import client_for
from notifications.kinds import Kind
from notifications.models import Notification
from social.services import follow_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


def followed_by(user, count: int) -> list:
    followers = UserFactory.create_batch(count)
    for follower in followers:
        follow_create(follower=follower, following_id=user.pk)
    return followers


def test_anonymous_callers_get_401_in_the_envelope(api_client):
    for path in (URL, f"{URL}/unread-count", f"{URL}/preferences"):
        response = api_client.get(path)
        assert response.status_code == 401 and response.json()["error"] == "not_authenticated"


def test_the_list_is_newest_first_with_an_unread_filter(auth_client, user):
    first, second, third = followed_by(user, 3)
    rows = auth_client.get(URL).json()
    assert rows["count"] == 3
    assert [r["actor"]["id"] for r in rows["results"]] == [str(third.pk), str(second.pk), str(first.pk)]
    row = rows["results"][0]
    assert row["kind"] == Kind.NEW_FOLLOWER and row["message"] == f"{third.name} started following you."
    assert set(row) == {
        "id", "kind", "message", "actor", "review", "count", "moderation", "report",
        "is_read", "read_at", "created_at", "updated_at",
    }  # fmt: skip
    assert "email" not in row["actor"]
    read = auth_client.post(f"{URL}/{row['id']}/read")
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert [r["id"] for r in auth_client.get(URL, {"unread": "true"}).json()["results"]] == [
        r["id"] for r in rows["results"][1:]
    ]
    assert [r["id"] for r in auth_client.get(URL, {"unread": "false"}).json()["results"]] == [row["id"]]
    assert auth_client.get(URL, {"unread": "perhaps"}).status_code == 400


def test_unread_count_read_and_read_all(auth_client, user):
    followed_by(user, 3)
    assert auth_client.get(f"{URL}/unread-count").json() == {"count": 3}
    one = Notification.objects.filter(recipient=user).first()
    assert auth_client.post(f"{URL}/{one.pk}/read/").status_code == 200
    assert auth_client.post(f"{URL}/{one.pk}/read").status_code == 200  # idempotent
    assert auth_client.get(f"{URL}/unread-count").json() == {"count": 2}
    assert auth_client.post(f"{URL}/read-all").json() == {"marked_read": 2}
    assert auth_client.get(f"{URL}/unread-count").json() == {"count": 0}


def test_unknown_and_malformed_ids_are_404(auth_client):
    assert auth_client.post(f"{URL}/6f1c2a9e-0000-4000-8000-000000000000/read").status_code == 404
    response = auth_client.post(f"{URL}/not-a-uuid/read")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_preferences_default_and_partial_updates(auth_client, user):
    defaults = auth_client.get(f"{URL}/preferences").json()["preferences"]
    assert [p["kind"] for p in defaults] == list(Kind.values)
    assert all(p["in_app"] and p["live"] and not p["email_digest"] for p in defaults)
    body = {"preferences": [{"kind": "review_voted", "email_digest": True}, {"kind": "new_follower", "live": False}]}
    updated = {p["kind"]: p for p in auth_client.put(f"{URL}/preferences", body).json()["preferences"]}
    assert updated["review_voted"] == {"kind": "review_voted", "in_app": True, "live": True, "email_digest": True}
    assert updated["new_follower"] == {"kind": "new_follower", "in_app": True, "live": False, "email_digest": False}
    again = auth_client.put(f"{URL}/preferences", {"preferences": [{"kind": "review_voted", "in_app": False}]})
    assert {p["kind"]: p for p in again.json()["preferences"]}["review_voted"]["email_digest"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"preferences": [{"kind": "nope", "live": False}]},
        {"preferences": [{"kind": "new_follower", "live": "loud"}]},
        {"preferences": [{"kind": "new_follower"}, {"kind": "new_follower"}]},
        {"preferences": "all"},
        {},
    ],
)
def test_bad_preferences_are_400(auth_client, body):
    response = auth_client.put(f"{URL}/preferences", body, format="json")
    assert response.status_code == 400 and response.json()["error"] == "validation_error"


def test_the_list_runs_the_same_queries_for_2_and_40_rows(user, django_assert_num_queries):
    client = client_for(user)
    followed_by(user, 2)
    with django_assert_num_queries(3):  # the token's user, the count, the page (actor and review joined)
        assert len(client.get(URL).json()["results"]) == 2
    followed_by(user, 38)
    with django_assert_num_queries(3):
        assert len(client.get(URL, {"page_size": 40}).json()["results"]) == 40


def test_options_describes_the_preferences_put(auth_client):
    """DRF's OPTIONS answer looks up the object of a PUT; the preferences have no id in their URL."""
    response = auth_client.options(f"{URL}/preferences")
    assert response.status_code == 200
    assert "PUT" in response.json()["actions"]
