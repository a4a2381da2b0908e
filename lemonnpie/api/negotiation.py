"""Content negotiation with a shortcut for what nearly every API client sends."""

from rest_framework.negotiation import DefaultContentNegotiation

_ANY_JSON = frozenset(
    (None, "", "*/*", "application/json", "application/json, */*", "application/json, text/plain, */*")
)


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, skipped when the answer is known: no `Accept` header, `*/*` or plain
    `application/json` (what browsers' fetch, axios, curl and wrk send), no `?format=` and a JSON
    renderer first. DRF would pick that renderer and media type too; anything else is negotiated
    by DRF (so a request it would answer 406 still gets 406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            format_suffix is None
            and renderers
            and renderers[0].media_type == "application/json"
            and request.META.get("HTTP_ACCEPT") in _ANY_JSON
            and "format=" not in request.META.get("QUERY_STRING", "")
        ):
            return renderers[0], "application/json"
        return super().select_renderer(request, renderers, format_suffix)
