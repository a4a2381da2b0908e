"""OpenAPI pieces: the error envelope (API.md §2) and the error answers of each endpoint."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers


class AccountsErrorDetailSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class AccountsErrorSerializer(serializers.Serializer):
    """The one error envelope of the API."""

    error = serializers.CharField(help_text="Machine-readable code, e.g. `validation_error`, `account_locked`.")
    message = serializers.CharField()
    details = AccountsErrorDetailSerializer(many=True, allow_null=True, required=False)
    timestamp = serializers.DateTimeField()
    path = serializers.CharField()


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


def error(status: int, text: str | None = None) -> OpenApiResponse:
    return OpenApiResponse(response=AccountsErrorSerializer, description=text or _TEXT[status])


def errors(*statuses: int, **overrides: str) -> dict[int, OpenApiResponse]:
    """`errors(400, 401, s403="...")` → responses for those statuses, with optional own texts."""
    out = {status: error(status) for status in statuses}
    for key, text in overrides.items():
        status = int(key.lstrip("s"))
        out[status] = error(status, text)
    return out


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
