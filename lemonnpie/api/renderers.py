"""JSON rendering on orjson, and a response for bodies that are already JSON (cached answers).

`JSONRenderer` gives the bytes DRF's renderer gives for the API's data — compact, UTF-8 (nothing
escaped), U+2028/U+2029 escaped, UTC datetimes as `Z`, decimals as numbers (`COERCE_DECIMAL_TO_STRING`
is off) — several times faster. Anything orjson cannot write the same way (an indent requested in
`Accept`, integers past 64 bits, a type it does not know) goes to DRF's renderer, so the output never
changes, only the speed.
"""

import decimal
import uuid

import orjson
from django.http import HttpResponse
from django.utils.functional import Promise
from rest_framework import renderers

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


class _Unsupported(TypeError):
    pass


def _default(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise _Unsupported(type(value).__name__)


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=_default, option=_OPTIONS)
        except (orjson.JSONEncodeError, _Unsupported):
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2\x80\xa8" in body or b"\xe2\x80\xa9" in body:
            body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return body


def render_json(data) -> bytes:
    """The API's JSON for `data` (what a `Response(data)` would send)."""
    return JSONRenderer().render(data)


class JSONBytesResponse(HttpResponse):
    """A 200 whose body is JSON rendered earlier (e.g. kept in the cache as bytes)."""

    def __init__(self, body: bytes, status: int = 200, **kwargs):
        super().__init__(body, content_type="application/json", status=status, **kwargs)
