"""lemonnpie.api.shapes and lemonnpie.ratings: the machinery every response shape uses."""

import importlib

import pytest

from lemonnpie.api.shapes import Shape, _Env
from lemonnpie.ratings import average

SHAPE_MODULES = ("accounts.shapes", "catalog.shapes", "reviews.shapes", "social.shapes", "moderation.shapes")


def _all_shapes() -> list[Shape]:
    found = []
    for name in SHAPE_MODULES:
        module = importlib.import_module(name)
        found += [value for value in vars(module).values() if isinstance(value, Shape) and value not in found]
    return found


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [(57, 8, 7.13), (1, 8, 0.13), (2, 3, 0.67), (1, 3, 0.33), (10, 1, 10.0), (0, 0, None), (5, None, None)],
)
def test_average_rounds_half_up_to_two_places(total, count, expected):
    assert average(total, count) == expected


def test_python_rounding_would_have_disagreed():
    """The bug this rule replaced: float `round()` gave 7.12 for 57/8."""
    assert round(57 / 8, 2) == 7.12
    assert average(57, 8) == 7.13


@pytest.mark.parametrize("shape", _all_shapes(), ids=lambda shape: shape.name)
def test_the_documented_serializer_lists_exactly_the_built_keys(shape):
    """The schema documents what is sent: the serializer's fields are the builder's keys, in order."""
    serializer = shape.serializer()
    built_keys = [item.split(":")[0].strip("'") for item in shape.items("", _Env())]
    assert list(serializer.fields) == built_keys
    assert all(field.read_only for field in serializer.fields.values())
    assert serializer.__class__.__name__ == f"{shape.name}Serializer"


def test_shape_names_are_unique():
    names = [shape.name for shape in _all_shapes()]
    assert len(names) == len(set(names))


def test_builder_is_compiled_once_per_prefix():
    from accounts.shapes import UserBrief

    assert UserBrief.builder("user__") is UserBrief.builder("user__")
    assert UserBrief.columns("user__")[0] == "user__id"


def test_nullable_nested_object_is_null_when_missing():
    from moderation.shapes import AuditLogEntry

    row = dict.fromkeys(AuditLogEntry.columns())
    assert AuditLogEntry.build(row)["actor"] is None
