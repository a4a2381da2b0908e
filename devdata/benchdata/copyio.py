"""Chunked `COPY ... FROM STDIN` (text format) into a model's table through psycopg 3.

The columns come from the model: the generator supplies the fields it knows, and every other
concrete column gets its model default as a constant, so a field added later by a migration with a
default does not break the generator. Each flush is its own COPY statement, which keeps the
queue of foreign-key trigger events (and the client buffer) bounded by `batch_size` rows.
"""

import datetime
import decimal
import json
import uuid

from django.db import connection, models

NULL = "\\N"


def copy_text(value) -> str:
    """A Python value as COPY text (used for the constant columns only; hot paths pre-format)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value) + "}"
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return escape(json.dumps(value))
    raise TypeError(f"Cannot write {type(value).__name__} as a COPY constant")


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class CopyWriter:
    """`writer.add(row_text)` buffers one line (tab-separated, in `fields` order); flushes every
    `batch_size` rows. Use as a context manager so the tail is flushed."""

    def __init__(self, model: type[models.Model], fields: list[str], *, batch_size: int, parent=None):
        meta = model._meta
        by_name = {f.name: f for f in meta.concrete_fields}
        unknown = [name for name in fields if name not in by_name]
        if unknown:
            raise ValueError(f"{meta.label} has no fields {unknown}")
        columns = [by_name[name].column for name in fields]
        constants = []
        for field in meta.concrete_fields:
            if field.name in fields or isinstance(field, models.GeneratedField):
                continue
            if field.primary_key and isinstance(field, models.AutoField):
                continue  # identity column: the database numbers the rows
            columns.append(field.column)
            constants.append(copy_text(self._default(field)))
        self.table = meta.db_table
        self.columns = columns
        self.tail = ("\t" + "\t".join(constants) if constants else "") + "\n"
        self.batch_size = batch_size
        self.parent = parent  # rows referenced by ours: flushed first (FK checks are immediate)
        self.rows = 0
        self._buffer: list[str] = []
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        self._sql = f"COPY {connection.ops.quote_name(self.table)} ({quoted}) FROM STDIN"

    @staticmethod
    def _default(field):
        if field.has_default():
            return field.get_default()
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return datetime.datetime.now(datetime.UTC)
        if field.null:
            return None
        if isinstance(field, models.CharField | models.TextField):
            return ""
        raise ValueError(f"{field.model._meta.label}.{field.name} has no default; the generator must supply it")

    def add(self, line: str) -> None:
        self._buffer.append(line)
        self._buffer.append(self.tail)
        if len(self._buffer) >= 2 * self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        if self.parent is not None:
            self.parent.flush()
        payload = "".join(self._buffer)
        count = len(self._buffer) // 2
        self._buffer = []
        with connection.cursor() as cursor, cursor.cursor.copy(self._sql) as copy:
            copy.write(payload)
        self.rows += count

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.flush()
        return False
