"""Small helpers for the few hand-written statements on hot paths (the socket's send
batch): the ORM costs more to build those statements than the database takes to run them."""

from __future__ import annotations

from typing import Any

from django.db import connection


def placeholders(rows: int, per_row: int = 1) -> str:
    """``%s, %s`` for an IN list, or ``(%s, %s), (%s, %s)`` for rows of ``per_row`` values."""
    if per_row == 1:
        return ", ".join(["%s"] * rows)
    row = "(" + ", ".join(["%s"] * per_row) + ")"
    return ", ".join([row] * rows)


def fetch_rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
