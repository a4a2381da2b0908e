"""OpenAPI pieces of the auth endpoints: their error texts (the envelope is lemonnpie.api.schema's)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

from lemonnpie.api.schema import error_responses

_TEXT = {
    400: "`validation_error` (with `details` for every bad field) or `parse_error`.",
    401: "`not_authenticated` / `authentication_failed`: missing, bad, expired or revoked token.",
    403: "`permission_denied`.",
    409: "`conflict`: an account with this email already exists (case-insensitive).",
    429: "`throttled`: too many requests; `Retry-After` gives the seconds to wait.",
    503: "`service_unavailable`: throttle state cannot be read; `Retry-After` given.",
}


class AccountsJWTScheme(SimpleJWTScheme):
    """Bearer JWT security scheme for our authentication class (registered on import)."""

    target_class = "accounts.authentication.JWTAuthentication"


def errors(*statuses: int, **overrides: str) -> dict:
    """`errors(400, 401, s403="...")`: the shared envelope (lemonnpie.api.schema) with the texts of the
    auth endpoints; `sNNN=` gives a status its own text."""
    texts = {f"s{status}": _TEXT[status] for status in statuses if status in _TEXT}
    return error_responses(*statuses, **{**texts, **overrides})


ACCEPTED = OpenApiResponse(
    response=inline_serializer("AccountsAccepted", fields={"detail": serializers.CharField()}),
    description="Accepted.",
)

LOCKED_EXAMPLE = OpenApiExample(
    "account_locked",
    status_codes=["403"],
    response_only=True,
    value={
        "error": "account_locked",
        "message": "Too many failed sign-in attempts. Try again later.",
        "details": None,
        "timestamp": "2026-11-24T10:15:00Z",
        "path": "/api/v1/auth/login",
    },
)
