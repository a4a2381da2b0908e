"""OpenAPI pieces for the catalogue endpoints: the texts of the errors each one may answer (the
envelope itself is lemonnpie.api.schema's)."""

from lemonnpie.api.schema import error_responses

_DESCRIPTIONS = {
    400: "validation_error: a parameter or field is missing, malformed or out of range (`details` lists each).",
    401: "not_authenticated / authentication_failed: no token, or a bad one.",
    403: "permission_denied: your role may not do this.",
    404: "not_found: no such title here (also for ids that are not UUIDs).",
    409: "conflict: another title already has this IMDb id.",
}


def errors(*codes: int) -> dict:
    """The shared error envelope (lemonnpie.api.schema) with the catalogue's texts."""
    return error_responses(**{f"s{code}": _DESCRIPTIONS[code] for code in codes})
