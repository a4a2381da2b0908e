"""`INSERT ... ON CONFLICT` that says whether the row was inserted (idempotent toggles: follows,
watchlist and favourite entries), so a counter moves only when a row really appeared."""

from collections.abc import Iterable

from django.db import connection


def upsert(model, *, conflict: Iterable[str], **values) -> tuple[int, bool]:
    """`INSERT ... ON CONFLICT (<unique fields>) DO UPDATE ... RETURNING id, (xmax = 0)`.

    One atomic statement that always yields the row — new, or existing and now locked by this
    transaction — and whether it was inserted, so a concurrent delete can never slip between an
    insert that found a duplicate and the read that follows. Only that unique conflict is absorbed;
    a foreign-key or check violation still raises."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name).column for name in values]
    params = [meta.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()]
    conflict_columns = [meta.get_field(name).column for name in conflict]
    first = quote(conflict_columns[0])
    # Only quoted identifiers from model metadata are formatted in; every value is a parameter.
    template = (
        "INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT ({conflict}) "
        "DO UPDATE SET {first} = EXCLUDED.{first} RETURNING {pk}, (xmax = 0)"
    )
    sql = template.format(
        table=quote(meta.db_table),
        columns=", ".join(quote(column) for column in columns),
        placeholders=", ".join(["%s"] * len(columns)),
        conflict=", ".join(quote(column) for column in conflict_columns),
        first=first,
        pk=quote(meta.pk.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row_id, inserted = cursor.fetchone()
    return row_id, inserted


def insert_or_get(model, *, conflict: tuple[str, ...], **values):
    """(row, created) for a row keyed by the unique `conflict` fields."""
    row_id, created = upsert(model, conflict=conflict, **values)
    return model.objects.get(pk=row_id), created
