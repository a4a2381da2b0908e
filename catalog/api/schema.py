"""OpenAPI pieces for the catalogue endpoints: the error envelope (API.md §2) each one may answer."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class CatalogErrorDetailSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class CatalogErrorSerializer(serializers.Serializer):
    """The error envelope every catalogue endpoint answers with on failure."""

    error = serializers.CharField(help_text="validation_error, not_authenticated, permission_denied, not_found, ...")
    message = serializers.CharField()
    details = CatalogErrorDetailSerializer(many=True, allow_null=True)
    timestamp = serializers.DateTimeField()
    path = serializers.CharField()


_DESCRIPTIONS = {
    400: "validation_error: a parameter or field is missing, malformed or out of range (`details` lists each).",
    401: "not_authenticated / authentication_failed: no token, or a bad one.",
    403: "permission_denied: your role may not do this.",
    404: "not_found: no such title here (also for ids that are not UUIDs).",
    409: "conflict: another title already has this IMDb id.",
}


def errors(*codes: int) -> dict:
    return {code: OpenApiResponse(CatalogErrorSerializer, description=_DESCRIPTIONS[code]) for code in codes}
