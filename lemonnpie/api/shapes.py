"""Response shapes, each declared once.

A `Shape` lists the keys of one JSON object of the API, in order. From that one list come:

- `shape.columns(prefix)`: the names a `values()` query must read for it (`prefix` for a shape
  reached through a relation, e.g. `"user__"`);
- `shape.build(row)` / `shape.builder(prefix)(row)`: the dict, from a `values()` row. It is compiled
  once into a plain function holding a dict literal, so a hot page costs what hand-written code costs;
- `shape.of(obj)`: the same dict from a model instance (or a mapping), for the cold paths;
- `shape.serializer`: a read-only DRF serializer (named `<Shape>Serializer`, so the OpenAPI component
  is `<Shape>`) that drf-spectacular documents and whose `to_representation` is `shape.of`.

Field kinds:

- `"name"`: a model field (the shape's `model`) shown as stored. Its JSON form follows its type
  (UUID → str, date/datetime → ISO 8601 as DRF writes it, decimal → float, array → list); the
  schema comes from DRF's `ModelSerializer` mapping, with choices, nullability and help text.
- `Value(name, drf_field, column=...)`: a column or annotation that is not a plain model field
  (renamed, annotated by the selector, or put in the row by the caller with `supplied=True`).
- `Computed(name, drf_field, fn, columns)`: `fn(*values of columns)`, e.g. an average.
- `Nested(name, shape, prefix=..., source=...)`: an object reached through a relation, read on
  the same row with its columns prefixed; `many=True` for a list of rows (an `ArraySubquery` of
  JSON objects on the fast path, a related manager on an instance).
- `Spread(shape, source=...)`: `shape`'s keys read through a relation, set at this level.
- `Const(name, value, drf_field)`: always the same value.

How to add a field to a response: add it to the shape's `fields` (one edit). If it is a new model
column, `makemigrations` adds its migration; every endpoint showing that shape then reads, shows
and documents it.
"""

from __future__ import annotations

import datetime
import itertools
import keyword
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers

# --- JSON forms of stored values (what DRF's fields give) ----------------------------------------


def iso_datetime(value: datetime.datetime | None) -> str | None:
    """rest_framework.fields.DateTimeField: in the current time zone, ISO 8601, UTC as "Z"."""
    if not value:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def as_float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def as_str(value: Any) -> str | None:
    return None if value is None else str(value)


def as_list(value: Iterable | None) -> list:
    return list(value or ())


def _converter(field: models.Field) -> Callable | None:
    """How a model field's stored value becomes JSON (None: as it is)."""
    if isinstance(field, models.GeneratedField) and field.output_field is not None:
        field = field.output_field
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if isinstance(field, models.UUIDField):
        return as_str
    if isinstance(field, models.DateTimeField):
        return iso_datetime
    if isinstance(field, models.DateField):
        return iso_date
    if isinstance(field, models.DecimalField):
        return as_float
    if isinstance(field, ArrayField):
        return as_list
    return None


# --- field kinds ---------------------------------------------------------------------------------


class Value:
    """A value read from the row's `column` (default: the name), converted by `convert`."""

    def __init__(
        self,
        name: str,
        drf_field: serializers.Field,
        *,
        column: str | None = None,
        convert: Callable | None = None,
        supplied: bool = False,
    ):
        self.name, self.drf_field, self.column = name, drf_field, column or name
        self.convert, self.supplied = convert, supplied

    def columns(self, prefix: str) -> list[str]:
        return [] if self.supplied else [prefix + self.column]

    def source(self, prefix: str, env: _Env) -> str:
        read = f"row[{prefix + self.column!r}]"
        return f"{env.name(self.convert)}({read})" if self.convert else read

    def from_object(self, obj, row: dict, prefix: str) -> None:
        row[prefix + self.column] = _get(obj, self.column)

    def schema_field(self) -> serializers.Field:
        return self.drf_field


class Computed:
    """`fn(*row[column] for column in columns)`."""

    def __init__(self, name: str, drf_field: serializers.Field, fn: Callable, columns: Iterable[str]):
        self.name, self.drf_field, self.fn, self.column_names = name, drf_field, fn, tuple(columns)

    def columns(self, prefix: str) -> list[str]:
        return [prefix + column for column in self.column_names]

    def source(self, prefix: str, env: _Env) -> str:
        args = ", ".join(f"row[{prefix + column!r}]" for column in self.column_names)
        return f"{env.name(self.fn)}({args})"

    def from_object(self, obj, row: dict, prefix: str) -> None:
        for column in self.column_names:
            row[prefix + column] = _get(obj, column)

    def schema_field(self) -> serializers.Field:
        return self.drf_field


class Const:
    def __init__(self, name: str, value: Any, drf_field: serializers.Field):
        self.name, self.value, self.drf_field = name, value, drf_field

    def columns(self, prefix: str) -> list[str]:
        return []

    def source(self, prefix: str, env: _Env) -> str:
        return repr(self.value)

    def from_object(self, obj, row: dict, prefix: str) -> None:
        pass

    def schema_field(self) -> serializers.Field:
        return self.drf_field


class Nested:
    """`shape` on the same row under `prefix` (default `<name>__`), or (`many`) a list of rows in
    column `name`. `source` is the attribute holding it on an instance (default: `name`; `"*"` for
    the instance itself). A `nullable` object is null when its first column is."""

    def __init__(
        self,
        name: str,
        shape: Shape,
        *,
        prefix: str | None = None,
        source: str | None = None,
        many: bool = False,
        nullable: bool = False,
    ):
        self.name, self.shape, self.many, self.nullable = name, shape, many, nullable
        self.attr = source or name
        self.prefix = "" if self.attr == "*" else (prefix if prefix is not None else f"{self.attr}__")

    def columns(self, prefix: str) -> list[str]:
        if self.many:
            return [prefix + self.name]
        return self.shape.columns(prefix + self.prefix)

    def source(self, prefix: str, env: _Env) -> str:
        if self.many:
            return f"[{env.name(self.shape.builder())}(item) for item in row[{prefix + self.name!r}]]"
        inner = self.shape.source(prefix + self.prefix, env)
        if self.nullable:
            key = self.shape.columns(prefix + self.prefix)[0]
            return f"(None if row[{key!r}] is None else {inner})"
        return inner

    def from_object(self, obj, row: dict, prefix: str) -> None:
        if self.many:
            related = _get(obj, self.attr)
            items = related.all() if hasattr(related, "all") else related
            row[prefix + self.name] = [self.shape.row_of(item) for item in items]
            return
        target = obj if self.attr == "*" else _get(obj, self.attr)
        if target is None:
            for column in self.shape.columns(prefix + self.prefix):
                row[column] = None
            return
        self.shape.fill_row(target, row, prefix + self.prefix)

    def schema_field(self) -> serializers.Field:
        options: dict[str, Any] = {"read_only": True, "many": self.many}
        if self.attr != self.name:
            options["source"] = self.attr
        if self.nullable:
            options["allow_null"] = True
        return self.shape.serializer(**options)


class Spread:
    """The keys of `shape`, read through the relation `source` (columns prefixed `<source>__`),
    set at this level: e.g. a watchlist row is a MovieSummary of the entry's movie plus `added_at`.
    Only as a shape's first field; the shape's serializer then extends `shape`'s."""

    def __init__(self, shape: Shape, *, source: str):
        self.shape, self.attr, self.prefix = shape, source, f"{source}__"
        self.name = f"*{source}"

    def columns(self, prefix: str) -> list[str]:
        return self.shape.columns(prefix + self.prefix)

    def from_object(self, obj, row: dict, prefix: str) -> None:
        self.shape.fill_row(_get(obj, self.attr), row, prefix + self.prefix)


def _get(obj, path: str):
    """`obj.a.b` for `"a__b"` (None past a missing link); `obj[...]` for mappings."""
    for part in path.split("__"):
        if obj is None:
            return None
        obj = obj.get(part) if isinstance(obj, Mapping) else getattr(obj, part, None)
    return obj


class _Env:
    """The globals of a compiled builder: each helper under a generated name."""

    def __init__(self) -> None:
        self.names: dict[int, str] = {}
        self.values: dict[str, Any] = {}
        self._counter = itertools.count()

    def name(self, value) -> str:
        key = id(value)
        if key not in self.names:
            self.names[key] = f"_f{next(self._counter)}"
            self.values[self.names[key]] = value
        return self.names[key]


# --- the shape -----------------------------------------------------------------------------------


class Shape:
    """One JSON object of the API; see the module docstring."""

    def __init__(self, name: str, fields: Iterable, *, model: type[models.Model] | None = None, doc: str = ""):
        self.name, self.model, self.doc = name, model, doc
        self.fields = [self._field(spec) for spec in fields]
        self._builders: dict[str, Callable[[Mapping], dict]] = {}
        self._serializer: type[serializers.Serializer] | None = None

    def extend(self, name: str, fields: Iterable, *, doc: str = "") -> Shape:
        """A new shape: these fields, then `fields`."""
        return Shape(name, [*self.fields, *fields], model=self.model, doc=doc)

    def _field(self, spec):
        if not isinstance(spec, str):
            return spec
        model_field = self.model._meta.get_field(spec)
        field = Value(spec, None, convert=_converter(model_field))
        field.model_field = model_field
        return field

    # fast path: values() rows

    def columns(self, prefix: str = "") -> list[str]:
        out: list[str] = []
        for field in self.fields:
            out.extend(column for column in field.columns(prefix) if column not in out)
        return out

    def items(self, prefix: str, env: _Env) -> list[str]:
        out: list[str] = []
        for field in self.fields:
            if isinstance(field, Spread):
                out.extend(field.shape.items(prefix + field.prefix, env))
            else:
                out.append(f"{field.name!r}: {field.source(prefix, env)}")
        return out

    def source(self, prefix: str, env: _Env) -> str:
        return "{" + ", ".join(self.items(prefix, env)) + "}"

    def builder(self, prefix: str = "") -> Callable[[Mapping], dict]:
        """`row → dict` for rows whose columns carry `prefix`, compiled on first use."""
        if prefix not in self._builders:
            env = _Env()
            body = self.source(prefix, env)
            assert all(not keyword.iskeyword(name) for name in env.values)
            code = f"def build(row):\n    return {body}\n"
            namespace = dict(env.values)
            exec(compile(code, f"<shape {self.name}>", "exec"), namespace)  # noqa: S102 (generated from declarations)
            self._builders[prefix] = namespace["build"]
        return self._builders[prefix]

    def build(self, row: Mapping) -> dict:
        return self.builder()(row)

    def rows(self, queryset: QuerySet, prefix: str = "") -> QuerySet:
        """`queryset` (filtered, ordered and annotated as the shape needs) as `values()` rows for
        `builder(prefix)`: one query, prefetches dropped."""
        return queryset.prefetch_related(None).values(*self.columns(prefix))

    # cold path: model instances

    def fill_row(self, obj, row: dict, prefix: str) -> None:
        for field in self.fields:
            field.from_object(obj, row, prefix)

    def row_of(self, obj) -> dict:
        row: dict = {}
        self.fill_row(obj, row, "")
        return row

    def of(self, obj) -> dict:
        """The dict for a model instance (related objects loaded as needed) or a mapping."""
        return self.build(self.row_of(obj))

    # the schema

    def serializer(self, *args, **kwargs) -> serializers.Serializer:
        """An instance of the shape's read-only DRF serializer (`.serializer_class`)."""
        return self.serializer_class(*args, **kwargs)

    @property
    def serializer_class(self) -> type[serializers.Serializer]:
        if self._serializer is None:
            self._serializer = self._make_serializer()
        return self._serializer

    def _make_serializer(self) -> type[serializers.Serializer]:
        shape, fields = self, self.fields
        bases: tuple[Any, ...] = ()
        if fields and isinstance(fields[0], Spread):
            bases, fields = (fields[0].shape.serializer_class,), fields[1:]
            assert not any(isinstance(field, Spread) for field in fields), "Spread comes first, once"
        names = [*(bases[0].Meta.fields if bases else ()), *(field.name for field in fields)]
        attrs: dict[str, Any] = {
            "__doc__": self.doc or None,
            "__module__": __name__,
            "to_representation": lambda serializer, obj: shape.of(obj),
        }
        for field in fields:
            if not hasattr(field, "model_field"):
                attrs[field.name] = field.schema_field()
            elif isinstance(field.model_field, models.ForeignKey):
                attrs[field.name] = serializers.UUIDField(read_only=True)
            elif field.convert is as_float:
                attrs[field.name] = serializers.FloatField(read_only=True, allow_null=field.model_field.null)
        model = bases[0].Meta.model if bases else self.model
        if model is None:
            cls: Any = type(f"{self.name}Serializer", (serializers.Serializer,), attrs)
            # Declared fields are ordered by creation; the shape's order is the one that counts.
            cls._declared_fields = {name: cls._declared_fields[name] for name in names}
            return cls
        attrs["Meta"] = type("Meta", (), {"model": model, "fields": names, "read_only_fields": names})
        return type(f"{self.name}Serializer", bases or (serializers.ModelSerializer,), attrs)
