"""A lean multi-row INSERT for the hottest write path (message sends and their event rows).

``bulk_create`` compiles every value of every row through the SQL compiler (placeholder,
expression check, pre-save, conversion), about 10 µs a value: for a batch of messages and
one event row per recipient that was most of a send's database time. Here the statement
is one template per chunk, and each distinct value object is converted once by its field
(``get_db_prep_save``), so a timestamp or payload shared by many rows costs one conversion.
Only plain concrete fields: no expressions, no signals, no parents, like ``bulk_create``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import connections, router
from django.db.models import Model


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

    def prepared(row: Sequence[Any]) -> list[Any]:
        values = []
        for value, field, seen in zip(row, fields, converted, strict=True):
            key = id(value)
            if key not in seen:
                seen[key] = field.get_db_prep_save(value, connection)
            values.append(seen[key])
        return values

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array per column: a statement of the same shape for any number of rows,
            # which psycopg and the planner handle in constant time (a VALUES list with
            # thousands of placeholders cost more to parse than to run).
            arrays = ", ".join(
                f"(%s)::{field.db_type(connection).split('(')[0]}[]" for field in fields
            )
            columns_of_rows = [list(column) for column in zip(*map(prepared, rows), strict=True)]
            statement = f"{head}SELECT * FROM UNNEST({arrays}){tail}"  # noqa: S608 - names from the model
            # Django's cursors bind on the client, quoting every array element in Python;
            # a server-binding cursor on the same connection (and transaction) sends the
            # arrays as parameters. Errors still surface as Django's (IntegrityError...).
            with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as raw:
                raw.execute(statement, columns_of_rows)
                return [pk for (pk,) in raw.fetchall()]
        ids: list[int] = []
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        chunk_size = max(1, connection.ops.bulk_batch_size(fields, rows))
        for start in range(0, len(rows), chunk_size):
            chunk = rows[start : start + chunk_size]
            params = [value for row in chunk for value in prepared(row)]
            cursor.execute(f"{head}VALUES {', '.join([row_sql] * len(chunk))}{tail}", params)
            ids.extend(pk for (pk,) in cursor.fetchall())
        return ids


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
