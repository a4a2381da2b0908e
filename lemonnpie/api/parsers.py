"""The JSON parser of the API: DRF's, but a body nested too deeply for Python's decoder (e.g.
`[[[[...` a hundred thousand times) is a 400 `parse_error`, not a RecursionError and a 500."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
