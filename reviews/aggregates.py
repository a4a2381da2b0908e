"""What one review adds to its movie's and its author's stored counters — the one recipe.

A review counts only while it is approved. `MOVIE_RECIPE` and `USER_RECIPE` list, per stored
column, what a counted review adds: 1 or one of its fields, optionally only when a field has a
value (`rating_count_7` adds 1 when `lemon_pie_rating` is 7; `critic_*` only when `by_critic`).
From that one list come:

- `contribution(review)`: the columns a review adds to, for the services, which apply
  `contribution(after) - contribution(before)` with `F(column) + delta` on every change (create,
  edit, delete, hide, restore), so concurrent writers never overwrite each other's counts;
- `aggregate_sql(recipe, ...)`: the SQL aggregates that recount the columns from the review rows,
  for `recompute_stats` (reviews/recompute.py) and the benchmark data generator (bench/data).

`by_critic` on a review says "the author is a critic"; a recount reads the author's current role
instead (`CRITIC_SQL`), which is what the flag must equal.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import F

from accounts.models import User
from catalog.models import SUB_RATINGS, Movie
from reviews.models import ModerationStatus

RATING_VALUES = range(1, 11)


@dataclass(frozen=True)
class Term:
    """`column` gains `adds` (a review field, or None for 1) from each counted review for which
    `when` (field, value) holds (always when None)."""

    column: str
    adds: str | None = None
    when: tuple[str, int] | None = None  # (field, value); True for a boolean field

    def value(self, review) -> int:
        if self.when is not None and getattr(review, self.when[0]) != self.when[1]:
            return 0
        return 1 if self.adds is None else getattr(review, self.adds)

    def _test(self, alias: str, fields_sql: Mapping[str, str]) -> str | None:
        if self.when is None:
            return None
        name, wanted = self.when
        field = fields_sql.get(name, f"{alias}.{name}")
        return field if wanted is True else f"{field} = {int(wanted)}"

    def _adds(self, alias: str, fields_sql: Mapping[str, str]) -> str:
        return "1" if self.adds is None else fields_sql.get(self.adds, f"{alias}.{self.adds}")

    def sql(self, alias: str, fields_sql: Mapping[str, str]) -> str:
        """The aggregate over counted review rows `alias` (`fields_sql` overrides a field's SQL)."""
        test = self._test(alias, fields_sql)
        condition = f" FILTER (WHERE {test})" if test else ""
        if self.adds is None:
            return f"COUNT(*){condition}"
        return f"COALESCE(SUM({self._adds(alias, fields_sql)}){condition}, 0)"

    def row_sql(self, alias: str, fields_sql: Mapping[str, str]) -> str:
        """What one counted review row `alias` adds, as an SQL expression."""
        test = self._test(alias, fields_sql)
        adds = self._adds(alias, fields_sql)
        return f"(CASE WHEN {test} THEN {adds} ELSE 0 END)" if test else adds


MOVIE_RECIPE = (
    Term("review_count"),
    Term("rating_sum", adds="lemon_pie_rating"),
    *(Term(f"rating_count_{value}", when=("lemon_pie_rating", value)) for value in RATING_VALUES),
    *(Term(f"{sub}_sum", adds=f"{sub}_rating") for sub in SUB_RATINGS),
    Term("critic_count", when=("by_critic", True)),
    Term("critic_rating_sum", adds="lemon_pie_rating", when=("by_critic", True)),
)
USER_RECIPE = (
    Term("review_count"),
    Term("review_rating_sum", adds="lemon_pie_rating"),
)
MOVIE_AGGREGATE_FIELDS = tuple(term.column for term in MOVIE_RECIPE)
USER_AGGREGATE_FIELDS = tuple(term.column for term in USER_RECIPE)
# In a recount the critic test is the author's current role (`u` is the author's users row).
CRITIC_SQL = {"by_critic": "(u.role = 'critic')"}
COUNTED_SQL = f"moderation_status = '{ModerationStatus.APPROVED}'"


def is_counted(review) -> bool:
    return review.moderation_status == ModerationStatus.APPROVED


def contribution(recipe: Iterable[Term], review) -> Counter:
    """What `review` adds to each column of the recipe (empty when it is not counted)."""
    if review is None or not is_counted(review):
        return Counter()
    return Counter({term.column: value for term in recipe if (value := term.value(review))})


def aggregate_sql(recipe: Iterable[Term], *, alias: str = "r", fields_sql: Mapping[str, str] = CRITIC_SQL) -> list[str]:
    """The recipe's columns as SQL aggregates over counted review rows `alias`, in recipe order."""
    return [term.sql(alias, fields_sql) for term in recipe]


def delta(before: Counter, after: Counter) -> dict[str, int]:
    """Non-zero per-column differences `after - before` (Counter subtraction would drop negatives)."""
    keys = set(before) | set(after)
    return {key: after.get(key, 0) - before.get(key, 0) for key in keys if after.get(key, 0) != before.get(key, 0)}


def _apply(model, pk, changes: dict[str, int]) -> None:
    if changes:
        model.objects.filter(pk=pk).update(**{column: F(column) + change for column, change in changes.items()})


def apply_review_change(*, movie_id, user_id, before, after) -> bool:
    """Move the movie and author aggregates from review state `before` to `after` (either may be
    None). The caller holds the movie lock and then the review lock. Returns whether the movie changed."""
    movie_changes = delta(contribution(MOVIE_RECIPE, before), contribution(MOVIE_RECIPE, after))
    user_changes = delta(contribution(USER_RECIPE, before), contribution(USER_RECIPE, after))
    _apply(Movie, movie_id, movie_changes)
    _apply(User, user_id, user_changes)  # the user row last: movie → review → vote → user
    return bool(movie_changes)
