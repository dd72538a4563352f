"""An email's row in as few statements as it needs: inserted once, taking its duplicate key
(``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: PostgreSQL, and SQLite since 3.35), and
updated once with its outcome; the events of a batch inserted together at its end.

Plain SQL built once from the model's fields, because the intake writes these rows for every
email and Django's query building cost more than the database did."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field

from sladesk import sql
from sladesk.intake.models import InboundMail, MailEvent
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets.models import Ticket

OUTCOME_FIELDS = ("outcome", "reason", "detail", "ticket", "auto_reply", "review")


@functools.cache
def _fields() -> tuple[Field[Any, Any], ...]:
    return tuple(f for f in InboundMail._meta.concrete_fields if not f.primary_key)


@functools.cache
def _plan() -> sql.Plan:
    return sql.plan(_fields())


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


def insert(row: InboundMail) -> bool:
    """Insert ``row`` (its ``pk`` set) unless its duplicate key or its source is taken: then False."""
    db = connections[DEFAULT_DB_ALIAS]  # the thread's own, not the proxy (each attribute through it costs)
    params = sql.values(row, _plan(), True, db)
    with db.cursor() as cursor:
        cursor.execute(_insert_sql(db.vendor), params)
        found = cursor.fetchone()
    if found is None:
        return False
    row.pk = found[0]
    row._state.adding, row._state.db = False, db.alias
    return True


def record(row: InboundMail) -> None:
    """Write the outcome of ``row`` (already inserted)."""
    sql.update(row, OUTCOME_FIELDS)


def insert_events(events: Sequence[MailEvent]) -> None:
    sql.insert(events)


def threads(message_ids: Sequence[str], customer_id: int) -> dict[str, tuple[int, int]]:
    """Message-ID -> (id, number) of the ticket of ``customer_id`` that knows it (sent by us or
    received), in one statement; a Message-ID both sent and received counts as received."""
    q = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(message_ids))
    parts = [
        f"SELECT {n}, m.{q('message_id')}, t.{q('id')}, t.{q('number')} FROM {q(table)} m "  # noqa: S608 (our names)
        f"JOIN {q(Ticket._meta.db_table)} t ON t.{q('id')} = m.{q('ticket_id')} "
        f"WHERE m.{q('message_id')} IN ({marks}) AND t.{q('customer_id')} = %s"
        for n, table in ((0, OutboxMessage._meta.db_table), (1, InboundMail._meta.db_table))
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), [*message_ids, customer_id, *message_ids, customer_id])
        found = sorted(cursor.fetchall())
    return {message_id: (ticket, number) for _, message_id, ticket, number in found}
