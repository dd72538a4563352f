"""An email's row in as few statements as it needs: inserted once, taking its duplicate key
(``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: PostgreSQL, and SQLite since 3.35), and
updated once with its outcome; the events of a batch inserted together at its end.

Plain SQL built once from the model's fields, because the intake writes these rows for every
email and Django's query building cost more than the database did."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Field

from sladesk.intake.models import InboundMail, MailEvent

OUTCOME_FIELDS = ("outcome", "reason", "detail", "ticket", "auto_reply", "review")


@functools.cache
def _fields() -> tuple[Field[Any, Any], ...]:
    return tuple(f for f in InboundMail._meta.concrete_fields if not f.primary_key)


def _column(f: Field[Any, Any]) -> str:
    return connection.ops.quote_name(str(f.column))


@functools.cache
def _insert_sql(vendor: str) -> str:
    q = connection.ops.quote_name
    columns = ", ".join(_column(f) for f in _fields())
    marks = ", ".join(["%s"] * len(_fields()))
    table = q(InboundMail._meta.db_table)
    # Names from the model, values as parameters.
    return f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING RETURNING {q('id')}"  # noqa: S608


@functools.cache
def _update_sql(vendor: str) -> tuple[str, tuple[Field[Any, Any], ...]]:
    q = connection.ops.quote_name
    fields = tuple(cast("Field[Any, Any]", InboundMail._meta.get_field(name)) for name in OUTCOME_FIELDS)
    sets = ", ".join(f"{_column(f)} = %s" for f in fields)
    sql = f"UPDATE {q(InboundMail._meta.db_table)} SET {sets} WHERE {q('id')} = %s"  # noqa: S608 (names from the model)
    return sql, fields


def insert(row: InboundMail) -> bool:
    """Insert ``row`` (its ``pk`` set) unless its duplicate key or its source is taken: then False."""
    params = [f.get_db_prep_save(f.pre_save(row, True), connection) for f in _fields()]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), params)
        found = cursor.fetchone()
    if found is None:
        return False
    row.pk = found[0]
    row._state.adding, row._state.db = False, connection.alias
    return True


def record(row: InboundMail) -> None:
    """Write the outcome of ``row`` (already inserted)."""
    sql, fields = _update_sql(connection.vendor)
    params = [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, row.pk])


def insert_events(events: Sequence[MailEvent]) -> None:
    if events:
        MailEvent.objects.bulk_create(events)
