"""Request ids: taken from `X-Request-ID` when the client sends a sane one, else made; echoed on
every response and attached to every log line written while the request runs. Also the last word
on outages: a database or cache error escaping a view answers 503, never 500."""

import contextvars
import logging
import random
import re
import time

import orjson
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.utils.functional import SimpleLazyObject, empty
from django.utils.module_loading import import_string

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


access_log = logging.getLogger("lemonnpie.access")


def _request_id_of(request) -> str:
    """The client's `X-Request-ID` when it is sane, else a new random one (read from META: building
    `request.headers` would copy every header).

    A made id is 128 bits of the process's `random` generator (seeded from the OS, and afresh in
    every forked worker), not `os.urandom`: its system call hands the GIL to the server's other
    request thread on every request. The id correlates log lines; it guards nothing."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if given and _SAFE_ID.match(given) else f"{_random_bits(128):032x}"


_random_bits = random.getrandbits


def _write_access_log(request, status: int, started: float) -> None:
    """One access-log record, built directly (no caller lookup, no `extra` merging)."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    method, path = request.method, request.path
    record = logging.LogRecord("lemonnpie.access", logging.INFO, "", 0, "%s %s %s", (method, path, status), None)
    record.method = method
    record.path = path
    record.status = status
    record.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    record.user_id = _user_id(request)
    access_log.handle(record)


class RequestIDMiddleware:
    """Sets the request id and writes one structured access-log line per request.

    The line carries method, path (never the query string, which could hold a token), status,
    duration, the user id when authenticated, and the request id — no headers, no bodies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id = _request_id_of(request)
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            _write_access_log(request, response.status_code, started)
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


_ENVELOPE_ERRORS = {
    400: ("bad_request", "The request was refused as malformed."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    409: ("conflict", "The request conflicts with existing data."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Unsupported media type."),
    429: ("throttled", "Request was throttled."),
    500: ("server_error", "Internal server error."),
    503: ("service_unavailable", "The service is temporarily unavailable."),
}


class ApiErrorEnvelopeMiddleware:
    """Every error answer under /api/ is the envelope of API.md §2, whatever `DEBUG` is.

    With `DEBUG` on, Django answers an unmatched URL with `technical_404_response` (it never calls
    `handler404`) and an error outside DRF with the technical 500 page; a plain view's 405 has no
    body. Any error response under /api/ that is not JSON becomes the envelope of its status here
    (headers such as `Allow` and `Retry-After` kept); Django still logs the exception."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not getattr(response, "streaming", False)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self._envelope(request, response)
        return response

    @staticmethod
    def _envelope(request, response):
        from lemonnpie.api.exceptions import json_error_response

        status = response.status_code
        error, message = _ENVELOPE_ERRORS.get(status, ("server_error" if status >= 500 else "bad_request", ""))
        replaced = json_error_response(
            request, status_code=status, error=error, message=message or response.reason_phrase
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replaced[header] = response[header]
        return replaced


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
    _stamp: tuple[int, str] = (-1, "")  # the last second formatted (strftime costs more than the rest)

    def format(self, record: logging.LogRecord) -> str:
        second, stamp = self._stamp
        if int(record.created) != second:
            second, stamp = int(record.created), self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z")
            self._stamp = (second, stamp)
        entry = {
            "time": stamp,
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        entry.update({field: getattr(record, field) for field in self.FIELDS if hasattr(record, field)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


# --- The lean API path ------------------------------------------------------------------------


class _MiddlewareChain(BaseHandler):
    """A handler whose middleware is `paths` instead of `settings.MIDDLEWARE` (synchronous, as
    `BaseHandler.load_middleware` builds it for WSGI): view, template-response and exception hooks
    and the per-layer exception conversion behave exactly as in Django's own chain."""

    def __init__(self, paths):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(paths):
            middleware = import_string(path)
            if not getattr(middleware, "sync_capable", True):
                raise ImproperlyConfigured(f"API_MIDDLEWARE: {path} cannot run synchronously.")
            try:
                instance = middleware(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


class APIPathMiddleware:
    """First in `MIDDLEWARE`: a request under `API_PATH_PREFIX` leaves the full stack (sessions,
    CSRF, messages, the auth middleware, WhiteNoise, django-prometheus' two middlewares — built for
    the admin's HTML pages) at once and runs through `API_MIDDLEWARE`, a chain built once at start.
    Everything else (the admin, the API docs, /health, /metrics, media) keeps the full stack."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = settings.API_PATH_PREFIX
        self.api = _MiddlewareChain(settings.API_MIDDLEWARE)._middleware_chain

    def __call__(self, request):
        if request.path_info.startswith(self.prefix):
            return self.api(request)
        return self.get_response(request)


_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


class _RequestMetrics:
    """django-prometheus' request metrics (the names the dashboard in `ops/grafana` reads), kept
    for API requests without its two middlewares: the labelled children of one (view, method,
    transport, status) are looked up once and kept, so a request costs a dict lookup and a few
    increments, never a `labels()` call."""

    def __init__(self):
        from django_prometheus.middleware import Metrics

        self.metrics = Metrics.get_instance()
        self.children: dict[tuple, tuple] = {}

    def observe(self, view: str, method: str, transport: str, status: int, seconds: float) -> None:
        key = (view, method, transport, status)
        children = self.children.get(key)
        if children is None:
            children = self.children[key] = self._children(*key)
        by_method, by_view, by_status, by_status_view, latency = children
        metrics = self.metrics
        metrics.requests_total.inc()
        metrics.responses_total.inc()
        by_method.inc()
        by_view.inc()
        by_status.inc()
        by_status_view.inc()
        latency.observe(seconds)

    def _children(self, view, method, transport, status):
        m, status = self.metrics, str(status)
        return (
            m.requests_by_method.labels(method=method),
            m.requests_by_view_transport_method.labels(view=view, transport=transport, method=method),
            m.responses_by_status.labels(status=status),
            m.responses_by_status_view_method.labels(status=status, view=view, method=method),
            m.requests_latency_by_view_method.labels(view=view, method=method),
        )


class APIRequestMiddleware:
    """The outer layer of `API_MIDDLEWARE`: the request id (set, echoed, on every log line), one
    access-log record, django-prometheus' request metrics (cheaply, see `_RequestMetrics`),
    `Content-Length`, and the 503 answer to a database or cache outage (as `RequestIDMiddleware`
    does on the full stack)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.metrics = _RequestMetrics()

    def __call__(self, request):
        token, started = self.begin(request)
        try:
            return self.finish(request, self.get_response(request), started)
        finally:
            _request_id.reset(token)

    def begin(self, request) -> tuple[contextvars.Token, float]:
        """Set the request id (reset the token returned when the request ends) and start the clock."""
        request.request_id = request_id = _request_id_of(request)
        return _request_id.set(request_id), time.perf_counter()

    def finish(self, request, response, started: float):
        """Echo the request id, count the request and write its access-log record."""
        response["X-Request-ID"] = request.request_id
        if not response.streaming and "Content-Length" not in response and response.status_code not in (204, 304):
            response["Content-Length"] = str(len(response.content))
        status = response.status_code
        method = request.method if request.method in _METHODS else "<invalid method>"
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match is not None else None) or "<unnamed view>"
        transport = "https" if request.is_secure() else "http"
        self.metrics.observe(view, method, transport, status, time.perf_counter() - started)
        _write_access_log(request, status, started)
        return response

    process_exception = RequestIDMiddleware.process_exception


def allowed_host_middleware(get_response):
    """`ALLOWED_HOSTS` for API calls (CommonMiddleware checks it on the full stack): a refused
    host raises `DisallowedHost`, a 400 that `ApiErrorEnvelopeMiddleware` turns into the envelope."""

    def middleware(request):
        request.get_host()
        return get_response(request)

    return middleware
