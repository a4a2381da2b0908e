import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

ENDPOINTS = {
    ("/api/v1/auth/register", "post"): {"201", "400", "409", "429"},
    ("/api/v1/auth/login", "post"): {"200", "400", "401", "403", "429"},
    ("/api/v1/auth/refresh", "post"): {"200", "400", "401"},
    ("/api/v1/auth/logout", "post"): {"204", "400", "401", "403"},
    ("/api/v1/auth/forgot-password", "post"): {"202", "400", "429"},
    ("/api/v1/auth/reset-password", "post"): {"204", "400", "429"},
    ("/api/v1/auth/verify-email/{token}", "get"): {"200", "400", "429"},
    ("/api/v1/auth/resend-verification", "post"): {"202", "400", "401", "429"},
    ("/api/v1/auth/change-password", "post"): {"204", "400", "401", "403", "429"},
    ("/api/v1/users/profile", "get"): {"200", "401"},
    ("/api/v1/users/profile", "put"): {"200", "400", "401"},
    ("/api/v1/users/profile", "patch"): {"200", "400", "401"},
}


@pytest.fixture(scope="module")
def schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(document)
    return document


def _path(schema, path):
    # The router's optional-slash regexes are rendered without the trailing `/?`.
    return schema["paths"].get(path) or schema["paths"].get(path + "/")


@pytest.mark.parametrize(("endpoint", "statuses"), ENDPOINTS.items(), ids=[f"{m} {p}" for p, m in ENDPOINTS])
def test_every_accounts_endpoint_documents_its_answers(schema, endpoint, statuses):
    path, method = endpoint
    operation = _path(schema, path)[method]
    assert statuses <= set(operation["responses"])
    for status in statuses - {"200", "201", "202", "204"}:
        content = operation["responses"][status]["content"]["application/json"]["schema"]
        assert content == {"$ref": "#/components/schemas/ErrorEnvelope"}


def test_request_bodies_are_documented(schema):
    for (path, method), _ in ENDPOINTS.items():
        if method in {"post", "put", "patch"} and not path.endswith("resend-verification"):
            assert "requestBody" in _path(schema, path)[method], (method, path)


def test_bearer_auth_is_documented_for_signed_in_endpoints(schema):
    operation = _path(schema, "/api/v1/users/profile")["get"]
    assert {"jwtAuth": []} in operation["security"]
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
