"""One error envelope for the whole API (API.md §2).

Services raise `ApplicationError`; this handler turns it, DRF's exceptions, Django's
`ValidationError`/`Http404`/`PermissionDenied`, `IntegrityError` and database outages into
`{"error", "message", "details", "timestamp", "path"}`.
"""

import logging
import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

logger = logging.getLogger("lemonnpie.api")


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    from django_redis.exceptions import ConnectionInterrupted
    from kombu.exceptions import OperationalError as BrokerUnavailable
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (
        OperationalError,
        InterfaceError,
        ConnectionInterrupted,
        RedisConnectionError,
        RedisTimeoutError,
        BrokerUnavailable,
        ConnectionError,
        TimeoutError,
    )


# A backing service (PostgreSQL, Redis, the broker) is unreachable: the request may succeed later.
SERVICE_UNAVAILABLE_ERRORS = _unavailable_errors()


class ApplicationError(Exception):
    """A domain error a service raises; the envelope handler renders it."""

    def __init__(
        self,
        message: str,
        *,
        error: str = "bad_request",
        status: int = 400,
        details: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.error = error
        self.status = status
        self.details = details
        self.headers = headers or {}


class Conflict(ApplicationError):
    def __init__(self, message: str, **kwargs):
        super().__init__(message, error="conflict", status=409, **kwargs)


class NotFound(ApplicationError):
    def __init__(self, message: str = "Not found.", **kwargs):
        super().__init__(message, error="not_found", status=404, **kwargs)


def envelope(*, error: str, message: str, path: str, details=None) -> dict:
    return {
        "error": error,
        "message": message,
        "details": details,
        "timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "path": path,
    }


def flatten_details(data, prefix: str = "") -> list[dict]:
    """Turn DRF's nested error dict/list into `[{"field": "a.b", "message": "..."}]`."""
    out: list[dict] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            field = f"{prefix}.{name}" if prefix and name else (prefix or name)
            out.extend(flatten_details(value, field))
    elif isinstance(data, list):
        if all(not isinstance(item, (dict, list)) for item in data):
            out.extend({"field": prefix or None, "message": str(item)} for item in data)
        else:
            for index, item in enumerate(data):
                if item:
                    out.extend(flatten_details(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out.append({"field": prefix or None, "message": str(data)})
    return out


def _summary(details: list[dict]) -> str:
    if not details:
        return "Invalid input."
    first = details[0]
    prefix = f"{first['field']}: " if first.get("field") else ""
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return f"{prefix}{first['message']}{more}"


_BODY_LIMITS = {
    RequestDataTooBig: "The request body is too large.",
    TooManyFieldsSent: "The request body has too many fields.",
    TooManyFilesSent: "The request body has too many files.",
}

_DRF_CODES = [
    (exceptions.ParseError, "parse_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


def _message_of(detail) -> str:
    """A readable message from an exception's detail, also when it is a dict or a list (simplejwt
    answers `{"detail": ..., "code": ...}`)."""
    while isinstance(detail, (dict, list)):
        if isinstance(detail, dict):
            detail = detail.get("detail", next(iter(detail.values()), ""))
        else:
            detail = detail[0] if detail else ""
    return str(detail)


def _classify(exc) -> tuple[int, str, str, list | None, dict]:
    """Return (status, error, message, details, headers) for any exception we know how to show."""
    if isinstance(exc, ApplicationError):
        return exc.status, exc.error, exc.message, exc.details, exc.headers
    if isinstance(exc, (InvalidToken, TokenError)):
        return 401, "authentication_failed", "Token is invalid, expired or revoked.", None, {}
    if isinstance(exc, exceptions.ValidationError):
        details = flatten_details(exc.detail)
        return 400, "validation_error", _summary(details), details, {}
    if isinstance(exc, DjangoValidationError):
        details = flatten_details(as_serializer_error(exc))
        return 400, "validation_error", _summary(details), details, {}
    if isinstance(exc, Http404):
        return 404, "not_found", "Not found.", None, {}
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        # Django's DATA_UPLOAD_MAX_MEMORY_SIZE / _NUMBER_FIELDS / _NUMBER_FILES, hit while parsing.
        message = next(text for cls, text in _BODY_LIMITS.items() if isinstance(exc, cls))
        return 413, "payload_too_large", message, None, {}
    if isinstance(exc, SuspiciousOperation):
        logger.warning("suspicious request refused: %s", exc.__class__.__name__)
        return 400, "bad_request", "The request was refused as malformed.", None, {}
    if isinstance(exc, DjangoPermissionDenied):
        return 403, "permission_denied", "You do not have permission to perform this action.", None, {}
    if isinstance(exc, IntegrityError):
        return 409, "conflict", "The request conflicts with existing data.", None, {}
    if isinstance(exc, SERVICE_UNAVAILABLE_ERRORS):
        logger.warning("backing service unavailable: %s", exc.__class__.__name__)
        return 503, "service_unavailable", "The service is temporarily unavailable.", None, {"Retry-After": "5"}
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        error = next((code for cls, code in _DRF_CODES if isinstance(exc, cls)), "error")
        return exc.status_code, error, _message_of(exc.detail), None, headers
    raise exc


def envelope_exception_handler(exc, context):
    """DRF EXCEPTION_HANDLER: everything becomes the envelope; unknown errors become a logged 500."""
    request = context.get("request")
    path = request.path if request is not None else ""
    try:
        status_code, error, message, details, headers = _classify(exc)
    except Exception:
        logger.exception("unhandled error on %s", path)
        status_code, error, message, details, headers = 500, "server_error", "Internal server error.", None, {}
    if status_code == 401 and request is not None:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    body = envelope(error=error, message=message, path=path, details=details)
    response = Response(body, status=status_code, headers=headers)
    if isinstance(exc, exceptions.MethodNotAllowed) and context.get("view") is not None:
        response["Allow"] = ", ".join(context["view"].allowed_methods)
    return response


def json_error_response(request, *, status_code: int, error: str, message: str) -> JsonResponse:
    return JsonResponse(envelope(error=error, message=message, path=request.path), status=status_code)


def handler400(request, exception=None):
    """Django's own 400 (a SuspiciousOperation outside DRF, e.g. a Host not in ALLOWED_HOSTS): the
    envelope under /api/, the plain page elsewhere."""
    if request.path.startswith("/api/"):
        return json_error_response(
            request, status_code=400, error="bad_request", message="The request was refused as malformed."
        )
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request, exception=None):
    if request.path.startswith("/api/"):
        return json_error_response(
            request,
            status_code=403,
            error="permission_denied",
            message="You do not have permission to perform this action.",
        )
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def handler404(request, exception=None):
    """Django's own 404: the envelope under /api/, the plain page elsewhere."""
    if request.path.startswith("/api/"):
        return json_error_response(request, status_code=404, error="not_found", message="Not found.")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def service_unavailable_response(request) -> HttpResponse:
    """503 with `Retry-After`: the envelope under /api/, a short plain page elsewhere."""
    if request.path.startswith("/api/"):
        response = json_error_response(
            request,
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            error="service_unavailable",
            message="The service is temporarily unavailable.",
        )
    else:
        response = HttpResponse(
            "Service temporarily unavailable.", status=503, content_type="text/plain; charset=utf-8"
        )
    response["Retry-After"] = "5"
    return response


def handler500(request):
    """Django's last resort, for errors raised outside DRF's views (in middleware, say). A database
    or cache outage still answers 503, never 500."""
    if isinstance(sys.exc_info()[1], SERVICE_UNAVAILABLE_ERRORS):
        return service_unavailable_response(request)
    if request.path.startswith("/api/"):
        return json_error_response(
            request,
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
            error="server_error",
            message="Internal server error.",
        )
    from django.views.defaults import server_error

    return server_error(request)
