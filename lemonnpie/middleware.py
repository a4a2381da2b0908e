"""Request ids: taken from `X-Request-ID` when the client sends a sane one, else made; echoed on
every response and attached to every log line written while the request runs. Also the last word
on outages: a database or cache error escaping a view answers 503, never 500."""

import contextvars
import logging
import re
import time
import uuid

from django.utils.functional import SimpleLazyObject, empty

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


access_log = logging.getLogger("lemonnpie.access")


class RequestIDMiddleware:
    """Sets the request id and writes one structured access-log line per request.

    The line carries method, path (never the query string, which could hold a token), status,
    duration, the user id when authenticated, and the request id — no headers, no bodies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": _user_id(request),
                },
            )
            return response
        finally:
            _request_id.reset(token)

    def process_exception(self, request, exception):
        """A view (DRF's own handler aside) raised because PostgreSQL or Redis is unreachable."""
        from lemonnpie.api.exceptions import SERVICE_UNAVAILABLE_ERRORS, service_unavailable_response

        if isinstance(exception, SERVICE_UNAVAILABLE_ERRORS):
            logging.getLogger("lemonnpie.api").warning("backing service unavailable: %s", type(exception).__name__)
            return service_unavailable_response(request)
        return None


def _user_id(request) -> str | None:
    """The user the request was authenticated as, by DRF's JWT authentication (copied onto the
    Django request) or by a session that was already loaded. Never loads one itself: the log line
    must cost no query and cannot fail when the database is down."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = user._wrapped
        if user is empty:
            return None
    if user is not None and getattr(user, "is_authenticated", False):
        return str(user.pk)
    return None


class RequestIDLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class JSONLogFormatter(logging.Formatter):
    """One JSON object per line; request fields are included when the record has them."""

    FIELDS = ("method", "path", "status", "duration_ms", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        import json

        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        entry.update({field: getattr(record, field) for field in self.FIELDS if hasattr(record, field)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
