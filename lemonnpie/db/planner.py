"""Planner hints, in one place. Each is local to the current transaction (`set_config(..., true)`),
so it never leaks into the next request on a pooled connection; callers run inside
`transaction.atomic()`."""

from django.db import connection
from django.db.models.expressions import RawSQL


def set_local(cursor=None, **settings: object) -> None:
    """Set PostgreSQL settings for the rest of the transaction, e.g.
    `set_local(enable_seqscan="off")`; dotted names (`pg_trgm.similarity_threshold`) are passed
    with `__` for the dot."""
    names = [name.replace("__", ".") for name in settings]
    sql = "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names)
    params = [value for name, value in zip(names, settings.values(), strict=True) for value in (name, str(value))]
    if cursor is not None:
        cursor.execute(sql, params)
        return
    with connection.cursor() as own:
        own.execute(sql, params)


def estimated_rows(table: str) -> RawSQL:
    """The planner's estimate of `table`'s row count (`pg_class.reltuples`, 0 before the first
    ANALYZE) as an expression: free, where a COUNT(*) would read the table."""
    return RawSQL("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [table])
