"""The one averaging rule: every average the API shows (a movie's `lemon_pie_rating` and
`stats.*`, a user's `stats.average_rating`) is a stored sum over a stored count, rounded half-up
to two places — 57 over 8 is 7.13. `average()` is the rule in Python (what every response shows);
`average_sql()` is the same rule in SQL, for the stored, indexed `movies.lemon_pie_rating` that
list orderings and filters use (PostgreSQL's `round(numeric)` rounds halves away from zero, which
for these non-negative sums is half-up)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Case, F, When
from django.db.models.functions import Cast, Round

_CENT = Decimal("0.01")


def average(total: int | None, count: int | None) -> float | None:
    """`total / count` rounded half-up to two places; None while nothing is counted."""
    if not count:
        return None
    return float((Decimal(total or 0) / Decimal(count)).quantize(_CENT, rounding=ROUND_HALF_UP))


def average_sql(sum_field: str, count_field: str = "review_count"):
    """The same average as a database expression; NULL while nothing is counted."""
    return Case(
        When(
            **{f"{count_field}__gt": 0},
            then=Round(Cast(F(sum_field), models.DecimalField(max_digits=14, decimal_places=4)) / F(count_field), 2),
        ),
        default=None,
        output_field=models.DecimalField(max_digits=4, decimal_places=2),
    )
