"""SQL compiled once, for the few single-row reads that run on (nearly) every request.

Building and compiling a queryset costs several times what PostgreSQL takes to answer it for a
one-row primary-key lookup (measured: the review re-read after a write, 3.1 ms of CPU through the
ORM against 0.5 ms compiled; the authenticated user, 1.2 ms against 0.3 ms). `compile_query`
builds the queryset once with stand-in values for its parameters (UUIDs, or text with `texts=`)
and keeps its SQL; each call swaps in the real values. Only parameters given as stand-ins change
between calls. `CompiledPages` serves a compiled list query to Django's paginator: a COUNT and one
page (LIMIT/OFFSET), like a queryset; with a `CountedPage` (`compile_counted_page`) and
`OneStatementPaginator`, the page and the count in one statement that finds the rows once.

This is the one place that reads Django's `Query` internals (the output names of a `values()`
query); `lemonnpie/tests/test_compiled.py` checks the answers against the ORM's own.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.core.paginator import Paginator
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class CompiledQuery:
    sql: str
    params: tuple
    slots: dict  # parameter position → parameter name
    names: tuple[str, ...] | None  # the values() names, or None: the columns' own names
    convert: Callable[[list], list] | None = None  # the fields' from-database converters, as the ORM applies them

    def bind(self, values: dict) -> list:
        """The statement's parameters with these values in the stand-ins' places."""
        params = list(self.params)
        for position, name in self.slots.items():
            params[position] = values[name]
        return params

    def first(self, using: str = DEFAULT_DB_ALIAS, **values) -> dict | None:
        """The first row for these parameter values, as {name: value}, or None, read on `using`."""
        rows = self._read(self.sql, self.bind(values), using, one=True)
        return rows[0] if rows else None

    def page(self, offset: int, limit: int, using: str = DEFAULT_DB_ALIAS, **values) -> list[dict]:
        """Rows `offset` to `offset + limit` (the query is ordered) for these values."""
        return self._read(f"{self.sql} LIMIT %s OFFSET %s", [*self.bind(values), limit, offset], using)

    def count(self, using: str = DEFAULT_DB_ALIAS, **values) -> int:
        """How many rows the query has for these values."""
        with connections[using].cursor() as cursor:
            # self.sql is the ORM's own compiled statement; every value is a parameter.
            cursor.execute(f"SELECT COUNT(*) FROM ({self.sql}) AS counted", self.bind(values))  # noqa: S608
            return cursor.fetchone()[0]

    def _read(self, sql: str, params: list, using: str, *, one: bool = False) -> list[dict]:
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchmany(1) if one else cursor.fetchall()
            names = self.names or tuple(column.name for column in cursor.description)
        convert = self.convert
        return [dict(zip(names, convert(row) if convert else row, strict=True)) for row in rows]


@dataclass(frozen=True)
class CountedPage:
    """One page of an ordered query and the number of all its rows, in one statement (see
    `compile_counted_page`)."""

    query: CompiledQuery  # rows (total, *page row); one row (total, NULL, ...) when the page is empty
    names: tuple[str, ...]  # the page rows' names
    convert: Callable[[list], list] | None  # the page rows' converters

    def read(self, offset: int, limit: int, using: str = DEFAULT_DB_ALIAS, **values) -> tuple[int, list[dict]]:
        """(how many rows there are, rows `offset` to `offset + limit`) for these values."""
        with connections[using].cursor() as cursor:
            cursor.execute(self.query.sql, self.query.bind({**values, "limit": limit, "offset": offset}))
            found = cursor.fetchall()
        names, convert = self.names, self.convert
        total = found[0][0]
        if found[0][1] is None:  # the page is empty (its first column, the ordered query's first, is never NULL)
            return total, []
        pages = [list(row[1:]) for row in found]
        return total, [dict(zip(names, convert(row) if convert else row, strict=True)) for row in pages]


def compile_counted_page(hits: CompiledQuery, rows: CompiledQuery, *, order: str) -> CountedPage:
    """`rows`' page and the count of `hits`, in one statement that finds the matching rows once.

    `hits` selects the matching rows narrowly: an `id` column and the columns `order` (SQL over
    those names) sorts by. PostgreSQL keeps them (`MATERIALIZED`), counts them and picks the
    page's ids from them (`page_ids`: a top-N sort); `rows`, built with
    `pk__in=PAGE_IDS`, reads the page's full rows by primary key. Against a COUNT and a page
    query, the matching rows are fetched once instead of twice (a search for a common word: 9,000
    rows). Both parts are compiled by the ORM; only their joining is written here."""
    if hits.names is None or "id" not in hits.names:
        raise ValueError("hits must be a values() query with an id column.")
    if rows.names is None:
        raise ValueError("rows must be a values() query.")
    columns = ", ".join(f'"{name}"' for name in hits.names)
    # Both parts are the ORM's own compiled statements and `order` is the caller's constant SQL:
    # every value is a parameter.
    sql = (
        f'WITH "hits" ({columns}) AS MATERIALIZED ({hits.sql}), '  # noqa: S608
        f'"page_ids" AS (SELECT "id" FROM "hits" ORDER BY {order} LIMIT %s OFFSET %s) '
        f'SELECT "counted"."total", "page".* FROM (SELECT COUNT(*) AS "total" FROM "hits") AS "counted" '
        f'LEFT JOIN LATERAL ({rows.sql}) AS "page" ON TRUE'
    )
    after_hits = len(hits.params)
    slots = {
        **hits.slots,
        after_hits: "limit",
        after_hits + 1: "offset",
        **{after_hits + 2 + position: name for position, name in rows.slots.items()},
    }
    query = CompiledQuery(sql=sql, params=(*hits.params, None, None, *rows.params), slots=slots, names=None)
    return CountedPage(query, rows.names, rows.convert)


# The ids of the page `compile_counted_page` picks, for its `rows` query: `pk__in=RawSQL(*PAGE_IDS)`.
PAGE_IDS = ('SELECT "id" FROM "page_ids"', ())


class PagedQueries(Protocol):
    """The statements `CompiledPages` reads (each may be compiled on first use)."""

    @property
    def rows(self) -> CompiledQuery: ...  # the ordered rows, read a page (LIMIT/OFFSET) at a time
    @property
    def counted(self) -> CompiledQuery: ...  # the same rows, to count
    @property
    def together(self) -> CountedPage: ...  # a page and the count in one statement


@dataclass
class CompiledPages:
    """Compiled `queries` with their parameter values, paged the way Django's Paginator pages a
    queryset: `count()` runs `counted` (the same rows, left unordered and unannotated so
    PostgreSQL counts without ranking), a slice runs one LIMIT/OFFSET read of `rows`;
    `OneStatementPaginator` reads a page and the count in one statement, `together`."""

    queries: PagedQueries
    values: dict = field(default_factory=dict)
    using: str = DEFAULT_DB_ALIAS

    def count(self) -> int:
        return self.queries.counted.count(self.using, **self.values)

    def counted_page(self, offset: int, limit: int) -> tuple[int, list[dict]]:
        """(how many rows there are, rows `offset` to `offset + limit`), in one statement."""
        return self.queries.together.read(offset, limit, self.using, **self.values)

    def __getitem__(self, window: slice) -> list[dict]:
        if not isinstance(window, slice) or window.step not in (None, 1):
            raise TypeError("CompiledPages is read a page (a slice) at a time.")
        start = window.start or 0
        return self.queries.rows.page(start, window.stop - start, self.using, **self.values)


class OneStatementPaginator(Paginator):
    """Django's paginator for `CompiledPages`: a page asked for by number is read with the count
    in one statement (`CompiledPages.counted_page`); the same pages and errors as Django's."""

    def page(self, number):
        try:
            wanted = int(number) if isinstance(number, int | str) else 0
        except ValueError:
            wanted = 0
        offset = (wanted - 1) * self.per_page
        if "count" in self.__dict__ or not 0 <= offset < _MAX_OFFSET:
            return super().page(number)  # Django's own way, and its errors for a page that is not one
        self.__dict__["count"], rows = self.object_list.counted_page(offset, self.per_page)
        return self._get_page(rows, self.validate_number(wanted), self)


_MAX_OFFSET = 2**62  # beyond it PostgreSQL refuses the OFFSET: such a page is past the end anyway


def _values_names(queryset: QuerySet) -> tuple[str, ...] | None:
    """The names `values()` gives the selected columns, in order (what ValuesIterable uses)."""
    query = queryset.query
    if query.default_cols:  # a model query: its columns keep their own names
        return None
    if query.selected is not None:
        return tuple(query.selected)
    return (*query.extra_select, *query.values_select, *query.annotation_select)


def compile_query(build: Callable[..., QuerySet], *parameters: str, texts: tuple[str, ...] = ()) -> CompiledQuery:
    """`build(**{name: stand-in})`'s SQL, to run with other values for those parameters: UUIDs, and
    strings for the names in `texts` (each must reach the SQL unchanged, as parameters of its own).
    A build may leave a parameter out."""
    stand_ins: dict[str, object] = {name: uuid.UUID(int=index) for index, name in enumerate(parameters, start=1)}
    stand_ins.update({name: f"\ue000lnp-stand-in:{name}\ue000" for name in texts})
    queryset = build(**stand_ins)
    compiler = queryset.query.get_compiler(DEFAULT_DB_ALIAS)
    sql, params = compiler.as_sql()
    names_of = {value: name for name, value in stand_ins.items()}
    slots = {position: names_of[value] for position, value in enumerate(params) if _hashable(value) in names_of}
    # What SQLCompiler.results_iter applies to each row (e.g. decoding jsonb, which Django's
    # psycopg connections leave as text).
    converters = compiler.get_converters([select[0] for select in compiler.select[: compiler.col_count]])
    convert = (lambda row: next(compiler.apply_converters([row], converters))) if converters else None
    return CompiledQuery(sql=sql, params=tuple(params), slots=slots, names=_values_names(queryset), convert=convert)


def _hashable(value):
    return value if isinstance(value, str | uuid.UUID) else None
