"""A lean multi-row INSERT for the hottest write path (message sends and their event rows).

``bulk_create`` compiles every value of every row through the SQL compiler (placeholder,
expression check, pre-save, conversion), about 10 µs a value: for a batch of messages and
one event row per recipient that was most of a send's database time. Here the statement
is one template per chunk, and each distinct value object is converted once by its field
(``get_db_prep_save``), so a timestamp or payload shared by many rows costs one conversion.
Only plain concrete fields: no expressions, no signals, no parents, like ``bulk_create``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connections, router
from django.db.models import Model
from psycopg.types.json import Jsonb

_PLAIN_TYPES = {
    "CharField",
    "TextField",
    "IntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "AutoField",
    "BigAutoField",
}


def insert_rows(
    model: type[Model], field_names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert ``rows`` (Python values in ``field_names`` order); return the new primary
    keys in row order (SQLite 3.35+ and PostgreSQL return them from the INSERT, in order:
    ``bulk_create`` relies on the same)."""
    if not rows:
        return []
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    fields: list[Any] = [meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) "
    tail = f" RETURNING {quote(meta.pk.column)}"  # type: ignore[union-attr]
    converted: list[dict[int, Any]] = [{} for _ in fields]
    # Text and integer columns store Python's str and int as they are (foreign keys to an
    # integer key too): no conversion call for them.
    plain = [
        (field.target_field if field.is_relation else field).get_internal_type() in _PLAIN_TYPES
        for field in fields
    ]

    def prepared(row: Sequence[Any]) -> list[Any]:
        values = []
        for value, field, seen, is_plain in zip(row, fields, converted, plain, strict=True):
            if is_plain and type(value) in (str, int):
                values.append(value)
                continue
            key = id(value)
            if key not in seen:
                seen[key] = field.get_db_prep_save(value, connection)
            values.append(seen[key])
        return values

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # All rows as one JSON document, turned back into rows by the server: a
            # statement of the same shape for any number of rows, encoded by the json
            # module in C (psycopg's array dumpers quote element by element in Python, and
            # a VALUES list with thousands of placeholders costs more to parse than to run).
            record = ", ".join(
                f"{quote(field.column)} {field.db_type(connection)}" for field in fields
            )
            names = [field.column for field in fields]
            document = json.dumps(
                [dict(zip(names, map(_json_ready, prepared(row)), strict=True)) for row in rows]
            )
            statement = (
                f"{head}SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({record}){tail}"  # noqa: S608 - names from the model
            )
            cursor.execute(statement, [document])
            return [pk for (pk,) in cursor.fetchall()]
        ids: list[int] = []
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        chunk_size = max(1, connection.ops.bulk_batch_size(fields, rows))
        for start in range(0, len(rows), chunk_size):
            chunk = rows[start : start + chunk_size]
            params = [value for row in chunk for value in prepared(row)]
            cursor.execute(f"{head}VALUES {', '.join([row_sql] * len(chunk))}{tail}", params)
            ids.extend(pk for (pk,) in cursor.fetchall())
        return ids


def _json_ready(value: Any) -> Any:
    """A value prepared for PostgreSQL, as the JSON the server turns back into it."""
    if isinstance(value, datetime):
        return value.isoformat()  # aware: the offset travels with it
    if isinstance(value, Jsonb):
        return value.obj
    return value


def insert_objects(objs: Sequence[Model], field_names: Sequence[str]) -> None:
    """``insert_rows`` for unsaved model instances; sets their primary keys and state."""
    if not objs:
        return
    model = type(objs[0])
    fields = [model._meta.get_field(name) for name in field_names]
    rows = [[field.pre_save(obj, add=True) for field in fields] for obj in objs]  # type: ignore[union-attr]
    ids = insert_rows(model, field_names, rows)
    alias = router.db_for_write(model)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
