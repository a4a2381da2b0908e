"""OpenAPI pieces shared by every app: the ONE error envelope (API.md §2), a helper for the error
answers of an endpoint, and the schema class that documents the answers every endpoint can give.

Views name their own, endpoint-specific errors with `error_responses(...)`:

    @extend_schema(responses={201: Review.serializer_class, **error_responses(400, 401, s409="`conflict`: ...")})

`AutoSchema` then adds, to every operation, the errors its configuration implies (a bad token → 401,
throttles → 429, a body → 400/413/415, a path id or a page → 404, an unreachable database → 503),
so the schema states every status an endpoint really answers (the schema fuzz checks it).
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="Dotted field name; null for the whole request.")
    message = serializers.CharField()


@extend_schema_serializer(component_name="ErrorEnvelope")
class ErrorEnvelopeSerializer(serializers.Serializer):
    """The one error envelope of the API."""

    error = serializers.CharField(
        help_text="Machine-readable code: `validation_error`, `parse_error`, `bad_request`, `not_authenticated`, "
        "`authentication_failed`, `permission_denied`, `account_locked`, `account_suspended`, `not_found`, "
        "`conflict`, `payload_too_large`, `unsupported_media_type`, `throttled`, `service_unavailable`, "
        "`server_error`."
    )
    message = serializers.CharField(help_text="Human-readable summary.")
    details = ErrorDetailSerializer(many=True, allow_null=True, required=False)
    timestamp = serializers.DateTimeField()
    path = serializers.CharField()


DESCRIPTIONS = {
    400: "`validation_error` (`details` lists every bad field) or `parse_error` (malformed body).",
    401: "`not_authenticated` / `authentication_failed`: no token, or a bad, expired or revoked one.",
    403: "`permission_denied`: signed in, but this role or user may not do this.",
    404: "`not_found`: unknown or hidden object, an id that is not a UUID, or a page past the end.",
    409: "`conflict`: the request conflicts with stored data, or a row was busy (retry after `Retry-After`).",
    413: "`payload_too_large`: the request body is over the size limit.",
    415: "`unsupported_media_type`: a body in a content type this endpoint does not read.",
    429: "`throttled`: too many requests; `Retry-After` gives the seconds to wait.",
    503: "`service_unavailable`: a backing service (database, throttle store) is unreachable; `Retry-After`.",
}


def error_response(status: int, description: str | None = None) -> OpenApiResponse:
    """One error answer in the envelope, with the standard description unless one is given."""
    return OpenApiResponse(ErrorEnvelopeSerializer, description=description or DESCRIPTIONS[status])


def error_responses(*statuses: int, **described: str) -> dict[int, OpenApiResponse]:
    """`error_responses(400, 401, s409="...")`: the envelope for each status; `sNNN=` gives a status its
    own description (and adds it)."""
    out = {status: error_response(status) for status in statuses}
    for key, text in described.items():
        status = int(key.removeprefix("s"))
        out[status] = error_response(status, text)
    return out


_PAGE_PARAMETERS = {"page", "page_size"}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the error answers implied by each view's configuration, and
    blank-able strings documented as such."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in self._implied_errors(operation):
            if str(status) not in responses:
                responses[str(status)] = self._error_schema(DESCRIPTIONS[status])
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _implied_errors(self, operation: dict) -> list[int]:
        parameters = operation.get("parameters", [])
        query = [p for p in parameters if p.get("in") == "query"]
        statuses = [503]
        if "requestBody" in operation:
            statuses += [400, 413, 415]
        if any(p["name"] not in _PAGE_PARAMETERS for p in query):
            statuses.append(400)  # a bad filter; a bad page is a 404 and a bad page size the default
        if any(p.get("in") == "path" for p in parameters) or any(p["name"] == "page" for p in query):
            statuses.append(404)
        if self.view.authentication_classes:
            statuses.append(401)  # a bad or revoked token is refused even where no token is needed
        if self.view.get_throttles():
            statuses.append(429)
        return statuses

    def _error_schema(self, description: str) -> dict:
        component = self.resolve_serializer(ErrorEnvelopeSerializer, "response")
        return {"description": description, "content": {"application/json": {"schema": component.ref}}}

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if schema.get("format") in ("uri", "email") and _may_be_blank(field):
            # "" means "none" for these columns (e.g. no poster): say so instead of promising a URI.
            schema["anyOf"] = [{"format": schema.pop("format")}, {"maxLength": 0}]
        if field.read_only and (schema.get("type") == "string" or "anyOf" in schema) and _may_be_blank(field):
            # Responses show "no value" as "" for text (null for numbers, dates and ids), in lists and details alike.
            schema["description"] = " ".join(filter(None, [schema.get("description"), '"" when there is no value.']))


def _may_be_blank(field) -> bool:
    """True when the field accepts or may answer "": `allow_blank`, or a read-only field of a model
    column declared `blank=True` (DRF drops `allow_blank` from read-only fields)."""
    if getattr(field, "allow_blank", False):
        return True
    if not field.read_only:
        return False
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not isinstance(field.source, str) or "." in field.source:
        return False
    try:
        return bool(getattr(model._meta.get_field(field.source), "blank", False))
    except FieldDoesNotExist:  # not a model column (a method or property)
        return False
