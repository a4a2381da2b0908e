"""The base of every request body (API.md §1: an optional field accepts `null` as "no value")."""

import copy
from collections.abc import Mapping

from rest_framework import serializers

_ABSENT = object()


def null_means(field: serializers.Field):
    """What `null` stands for in an optional field: its empty value when it has one ("" for text
    that may be blank, [] for a list that may be empty), else nothing was sent (`_ABSENT`: the
    default on create, unchanged on update). Fields that store `null` themselves keep it."""
    if isinstance(field, serializers.CharField) and field.allow_blank:
        return ""
    if isinstance(field, serializers.ListField | serializers.ListSerializer) and field.allow_empty:
        return []
    return _ABSENT


class InputSerializer(serializers.Serializer):
    """A request body. Every optional field (and every field of a partial body) accepts `null`,
    read as "no value" by `null_means`, and is marked nullable in the OpenAPI schema; the services
    never see the `null`."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if self._optional(field) and not field.allow_null:
                field.allow_null = True
                field.null_means = null_means(field)
        return fields

    def _optional(self, field) -> bool:
        return not field.read_only and (not field.required or self.partial)

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and not hasattr(data, "getlist"):  # JSON; a form has no null
            data = dict(data)
            for field in self.fields.values():
                if data.get(field.field_name, _ABSENT) is None and hasattr(field, "null_means"):
                    if field.null_means is _ABSENT:
                        del data[field.field_name]
                    else:
                        data[field.field_name] = copy.copy(field.null_means)
            self._require_nested_fields(data)
        elif hasattr(data, "getlist"):
            # A form cannot say null, and DRF would read an empty value as one: "" keeps its own meaning.
            for field in self.fields.values():
                if hasattr(field, "null_means"):
                    field.allow_null = False
        return super().to_internal_value(data)

    def _require_nested_fields(self, data: dict) -> None:
        """DRF skips missing required fields anywhere under a partial root; an item of a list in a
        PATCH (a cast member) is still a whole object and needs its required fields."""
        if self.partial or self.root is self or not getattr(self.root, "partial", False):
            return
        missing = {
            field.field_name: [field.error_messages["required"]]
            for field in self.fields.values()
            if field.required and not field.read_only and field.field_name not in data
        }
        if missing:
            raise serializers.ValidationError(missing)
