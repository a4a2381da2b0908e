"""Function-level authorization (OWASP API5, ASVS V4.1): every admin route, taken from the schema so a
new one cannot be forgotten, answers 401 to anonymous callers and 403 to plain users and critics —
also with a body that would be valid, and also for a suspended admin's token. Catalogue writes are
refused to users and critics the same way.

The per-role matrix with moderators (which admin routes they may use) is
moderation/tests/test_api.py::test_permission_matrix.
"""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.tests.factories import AdminFactory, CriticFactory, UserFactory
from conftest import client_for
from lemonnpie.tests.security.conftest import assert_envelope

VALID_BODIES = {
    "/api/v1/admin/users/{id}/role/": {"role": Role.ADMIN, "reason": "promote me"},
    "/api/v1/admin/users/{id}/suspend/": {"reason": "because"},
    "/api/v1/admin/users/{id}/unsuspend/": {"reason": "because"},
    "/api/v1/admin/reports/{id}/resolve/": {"resolution": "dismissed", "note": ""},
    "/api/v1/admin/moderation/{content_id}/": {"action": "reject", "reason": "because"},
}


def _operations(prefix: str, methods: set[str]):
    document = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method, path)
        for path, operations in document["paths"].items()
        if path.startswith(prefix)
        for method in operations
        if method in methods
    )


ADMIN_OPERATIONS = _operations("/api/v1/admin/", {"get", "post", "put", "patch", "delete"})
CATALOGUE_WRITES = _operations("/api/v1/movies/", {"post", "put", "patch", "delete"})


def test_the_sweep_sees_every_admin_route():
    paths = {path for _, path in ADMIN_OPERATIONS}
    assert {
        "/api/v1/admin/dashboard/",
        "/api/v1/admin/analytics/",
        "/api/v1/admin/users/",
        "/api/v1/admin/audit-log/",
        "/api/v1/admin/moderation/",
        "/api/v1/admin/reports/",
        *VALID_BODIES,
    } == paths


def _url(path: str, world) -> str:
    ids = {
        "/api/v1/admin/users/": world["target"].pk,
        "/api/v1/admin/reports/": world["report"].pk,
        "/api/v1/admin/moderation/": world["author_review"].pk,
        "/api/v1/movies/": world["movie"].pk,
    }
    value = next((value for prefix, value in ids.items() if path.startswith(prefix)), None)
    return path.replace("{id}", str(value)).replace("{content_id}", str(value))


@pytest.fixture
def world(review_world):
    return {**review_world, "target": UserFactory()}


@pytest.mark.parametrize(("method", "path"), ADMIN_OPERATIONS, ids=[f"{m} {p}" for m, p in ADMIN_OPERATIONS])
def test_admin_routes_refuse_anonymous_users_and_critics(method, path, world):
    url = _url(path, world)
    body = VALID_BODIES.get(path)
    assert_envelope(getattr(APIClient(), method)(url, body, format="json"), 401, "not_authenticated")
    for person in (UserFactory(), CriticFactory()):
        response = getattr(client_for(person), method)(url, body, format="json")
        assert_envelope(response, 403, "permission_denied")
    target = User.objects.get(pk=world["target"].pk)
    assert (target.role, target.is_active) == (Role.USER, True)


@pytest.mark.parametrize(("method", "path"), ADMIN_OPERATIONS, ids=[f"{m} {p}" for m, p in ADMIN_OPERATIONS])
def test_a_suspended_admins_token_opens_nothing(method, path, world):
    admin = AdminFactory()
    client = client_for(admin)
    User.objects.filter(pk=admin.pk).update(is_active=False)
    response = getattr(client, method)(_url(path, world), VALID_BODIES.get(path), format="json")
    assert_envelope(response, 401, "authentication_failed")


@pytest.mark.parametrize(("method", "path"), CATALOGUE_WRITES, ids=[f"{m} {p}" for m, p in CATALOGUE_WRITES])
def test_catalogue_writes_refuse_anonymous_users_and_critics(method, path, world):
    url = _url(path, world)
    body = {"title": "Mine now", "release_date": "2020-01-01"}
    assert_envelope(getattr(APIClient(), method)(url, body, format="json"), 401, "not_authenticated")
    for person in (UserFactory(), CriticFactory()):
        assert_envelope(getattr(client_for(person), method)(url, body, format="json"), 403, "permission_denied")
    world["movie"].refresh_from_db()
    assert world["movie"].title != "Mine now"


def test_a_demoted_admin_loses_admin_routes_on_the_next_request(world):
    admin = AdminFactory()
    client = client_for(admin)
    assert client.get("/api/v1/admin/users").status_code == 200
    User.objects.filter(pk=admin.pk).update(role=Role.USER)
    assert_envelope(client.get("/api/v1/admin/users"), 403, "permission_denied")
