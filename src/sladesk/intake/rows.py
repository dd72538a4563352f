"""An email's row in as few statements as it needs: inserted once, taking its duplicate key
(``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: PostgreSQL, and SQLite since 3.35; a batch's
rows in one statement), and updated once with its outcome (a batch's outcomes in one
``executemany``, written before anything reads the table); the events of a batch inserted
together at its end.

Plain SQL built once from the model's fields, because the intake writes these rows for every
email and Django's query building cost more than the database did."""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Callable, Iterator, Sequence
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


@functools.cache
def _claim_sql(rows: int, vendor: str) -> str:
    q = connection.ops.quote_name
    columns = ", ".join(_column(f) for f in _fields())
    one = "(" + ", ".join(["%s"] * len(_fields())) + ")"
    table = q(InboundMail._meta.db_table)
    # Names from the model, values as parameters.
    return (
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * rows)} ON CONFLICT DO NOTHING "  # noqa: S608
        f"RETURNING {q('id')}, {q('dedupe_key')}, {q('source_id')}"
    )


def insert_many(rows: Sequence[InboundMail]) -> None:
    """``insert`` for several rows in one statement: those inserted get their ``pk``; a row whose
    duplicate key or source was taken (by an earlier row, or a row of the same statement) keeps
    ``pk`` None. The database returns the rows inserted in no set order: each is matched by its
    key and source (a source is unique; of two rows with the same key, only one can be inserted).

    The rows go in the batch's order, so that their ids follow arrival. Two batches holding the
    same emails in opposite orders, at the same moment, can then wait on each other: PostgreSQL
    refuses one (a deadlock, an ``OperationalError``), rolled back whole, which its caller keeps
    and tries again as when the database is away (the spool, IMAP, ``ingest``'s exit 75)."""
    for chunk in _chunks(rows):
        _insert_chunk(chunk)


CHUNK_ROWS, CHUNK_BYTES = 100, 16 << 20  # a statement's rows at most, and their raw bytes


def _chunks(rows: Sequence[InboundMail]) -> Iterator[Sequence[InboundMail]]:
    """``rows`` in order, a statement's worth at a time (the databases cap a statement's
    parameters, and a batch's raw bytes go with it)."""
    start, size = 0, 0
    for i, row in enumerate(rows):
        size += len(row.raw or b"")
        if i > start and (i - start >= CHUNK_ROWS or size > CHUNK_BYTES):
            yield rows[start:i]
            start, size = i, len(row.raw or b"")
    if rows:
        yield rows[start:]


def _insert_chunk(rows: Sequence[InboundMail]) -> None:
    db = connections[DEFAULT_DB_ALIAS]
    waiting: dict[tuple[str | None, str | None], list[InboundMail]] = {}
    for row in rows:
        waiting.setdefault((row.dedupe_key, row.source_id), []).append(row)
    plan = _plan()
    params = [v for row in rows for v in sql.values(row, plan, True, db)]
    found = sql.run(db, _claim_sql(len(rows), db.vendor), params, fetch=True)
    for pk, key, source in found:
        row = waiting[key, source].pop(0)
        row.pk = pk
        row._state.adding, row._state.db = False, db.alias


class _Outcomes(threading.local):
    pending: list[list[Any]] | None = None  # the parameters of each outcome not written yet


_outcomes = _Outcomes()


def record(row: InboundMail) -> None:
    """Write the outcome of ``row`` (already inserted): now (within ``sql.writes_together``
    kept with the email's other writes), or within ``outcomes_together`` with the others of its
    batch (its values as they are now)."""
    if _outcomes.pending is None:
        sql.update(row, OUTCOME_FIELDS)
    else:
        _outcomes.pending.append(sql.update_statement(row, OUTCOME_FIELDS)[1])


@contextlib.contextmanager
def outcomes_together() -> Iterator[None]:
    """Within it (inside one transaction, with no savepoint that could roll back a part of it),
    ``record`` keeps each outcome and writes those kept in one ``executemany``: before any
    statement that names the emails' table (whatever reads it, in this code or another app's,
    sees every outcome recorded), and at the end. An exception leaves them unwritten: the
    transaction they belong to is rolled back."""
    db = connections[DEFAULT_DB_ALIAS]
    _outcomes.pending = []
    try:
        with db.execute_wrapper(_before_reads):
            yield
            _write_pending()
    finally:
        _outcomes.pending = None


def _before_reads(execute: Callable[..., Any], statement: str, params: Any, many: bool, context: Any) -> Any:
    if _outcomes.pending and _TABLE in statement:
        _write_pending()
    return execute(statement, params, many, context)


_TABLE = InboundMail._meta.db_table


def _write_pending() -> None:
    pending, _outcomes.pending = _outcomes.pending or [], []
    if not pending:
        return
    db = connections[DEFAULT_DB_ALIAS]
    statement = sql.update_statement(InboundMail(pk=0), OUTCOME_FIELDS)[0]
    with db.cursor() as cursor:
        cursor.executemany(statement, pending)


def insert_events(events: Sequence[MailEvent]) -> None:
    sql.insert(events)


@functools.cache
def _threads_sql(vendor: str) -> str:
    """One statement whatever the number of Message-IDs (an array, or a JSON list on SQLite),
    planned once, whose plan is right whatever the statistics say.

    Each Message-ID is looked up alone through its index (on PostgreSQL a lateral subquery the
    planner may not fold into a join, ``OFFSET 0``), then each found one's ticket by its key, its
    customer compared after: with a desk just loaded, statistics that still say the tables are
    empty led the planner to read every email (a hash join) and to find the ticket among the
    customer's (its index), 3.5 ms a reply by 10,000 emails; and ``= ANY(array)`` against the
    Message-IDs' most common values cost 1.5 ms of planning each time."""
    q = connection.ops.quote_name
    parts = []
    for n, table in ((0, OutboxMessage._meta.db_table), (1, InboundMail._meta.db_table)):
        one = (
            f"SELECT {q('message_id')}, {q('ticket_id')} FROM {q(table)} "  # noqa: S608 (our names)
            f"WHERE {q('message_id')} = {{mid}} AND {q('ticket_id')} IS NOT NULL"
        )
        if vendor == "postgresql":
            found = f"unnest(%s::varchar[]) AS w(mid) CROSS JOIN LATERAL ({one.format(mid='w.mid')} OFFSET 0) m"
        else:
            on = f"m.{q('message_id')} = w.value AND m.{q('ticket_id')} IS NOT NULL"
            found = f"json_each(%s) AS w JOIN {q(table)} m ON {on}"  # SQLite loops over the list, by the index
        parts.append(f"SELECT {n} AS {q('n')}, m.{q('message_id')}, m.{q('ticket_id')} FROM {found}")  # noqa: S608
    number = (
        f"(SELECT CASE WHEN t.{q('customer_id')} = %s THEN t.{q('number')} END "  # noqa: S608 (our names)
        f"FROM {q(Ticket._meta.db_table)} t WHERE t.{q('id')} = f.{q('ticket_id')})"
    )
    return f"SELECT f.{q('n')}, f.{q('message_id')}, f.{q('ticket_id')}, {number} FROM ({' UNION ALL '.join(parts)}) f"  # noqa: S608


def threads(message_ids: Sequence[str], customer_id: int) -> dict[str, tuple[int, int]]:
    """Message-ID -> (id, number) of the ticket of ``customer_id`` that knows it (sent by us or
    received), in one statement; a Message-ID both sent and received counts as received.

    The Message-IDs are looked up first, each through its index, and then each one's ticket by
    its key (a scalar subquery, which no planner turns into a join): left to itself, a planner
    whose statistics are stale (a desk just loaded) joins the customer's tickets instead, thousands
    of them, for the few rows found."""
    ids: Any = list(message_ids) if connection.vendor == "postgresql" else json.dumps(list(message_ids))
    with connection.cursor() as cursor:
        cursor.execute(_threads_sql(connection.vendor), [customer_id, ids, ids])
        found = sorted(row for row in cursor.fetchall() if row[3] is not None)
    return {message_id: (ticket, number) for _, message_id, ticket, number in found}
