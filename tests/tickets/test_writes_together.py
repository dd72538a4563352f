"""``sql.writes_together`` (PostgreSQL): the writes of one email run as one statement, in the
order and with the values they were kept with, before anything reads, and a batch's ticket
numbers come from one block of the counter, the rest given back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sladesk import sql
from sladesk.policies.service import snapshot as policy_snapshot
from sladesk.tickets import actions
from sladesk.tickets.actions.create import NUMBERS_AT_ONCE, TICKET_NUMBER
from sladesk.tickets.models import Counter, Message, Ticket, TicketEvent
from tests.tickets.conftest import Cast

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only (elsewhere it changes nothing)"),
]


def new_ticket(cast: Cast, subject: str) -> Ticket:
    return actions.do_create_ticket(
        actor=None, channel="email", requester=cast.alice, subject=subject, description=f"{subject}: erro 500."
    )


def test_a_tickets_writes_run_as_one_statement_before_anything_reads(cast: Cast) -> None:
    """As the intake runs it: the policy read once for the batch (``policy_snapshot``)."""
    with transaction.atomic(), policy_snapshot(), CaptureQueriesContext(connection) as seen, sql.writes_together():
        ticket = new_ticket(cast, "Relatório")
        assert ticket.pk is not None  # its id taken ahead, from the sequence
        found = Ticket.objects.get(pk=ticket.pk)  # a read: what was kept runs first
    statements = [q["sql"] for q in seen.captured_queries]
    [write] = [s for s in statements if 'INSERT INTO "tickets_ticket"' in s]
    assert write.startswith("WITH")
    for table in ("tickets_message", "tickets_ticketevent", "tickets_ticketmetric"):
        assert f'INSERT INTO "{table}"' in write
        assert sum(f'INSERT INTO "{table}"' in s for s in statements) == 1
    assert statements.index(write) < len(statements) - 1  # before the read, the last statement
    assert found.subject == "Relatório" and found.messages.count() == 1 and found.metrics.count() > 0
    assert TicketEvent.objects.filter(ticket=found, action="created").count() == 1


def test_unlogged_the_kept_statement_runs_with_its_placeholders_numbered_and_the_wrappers_see_it(
    cast: Cast,
) -> None:
    """Without Django's query log (as in production) the statement goes with ``$n`` placeholders
    numbered once per shape; it writes what the logged ``%s`` way writes."""
    seen: list[str] = []

    def wrapper(execute, statement, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(statement)
        return execute(statement, params, many, context)

    assert not connection.queries_logged
    with transaction.atomic(), policy_snapshot(), connection.execute_wrapper(wrapper), sql.writes_together():
        first = new_ticket(cast, "Numerado")
        second = new_ticket(cast, "Numerado de novo")  # the same shape: the numbering from the cache
    [write, again] = [s for s in seen if 'INSERT INTO "tickets_ticket"' in s]
    assert write == again and "%s" not in write and "$1," in write
    for ticket in (first, second):
        found = Ticket.objects.get(pk=ticket.pk)
        assert found.subject == ticket.subject and found.messages.get().body == f"{ticket.subject}: erro 500."


def test_a_kept_statement_with_a_stray_percent_sign_is_refused() -> None:
    together = sql._together_statement(("INSERT INTO t (a) VALUES (%s)", "UPDATE t SET a = '100%' WHERE b = %s"))
    with pytest.raises(ValueError, match="placeholders"):
        sql._numbered(together)
    together = sql._together_statement(("INSERT INTO t (a, b) VALUES (%s, %s)", "UPDATE t SET a = %s WHERE b = %s"))
    assert sql._numbered(together) == (
        "WITH w0 AS (INSERT INTO t (a, b) VALUES ($1, $2)) UPDATE t SET a = $3 WHERE b = $4"
    )


def test_a_row_written_twice_is_written_twice_in_order(cast: Cast) -> None:
    ticket = new_ticket(cast, "Antes")
    with transaction.atomic(), sql.writes_together():
        ticket.subject = "Primeiro"
        sql.update(ticket, ["subject"])
        ticket.subject = "Segundo"
        sql.update(ticket, ["subject"])  # the same row: the first runs before this one is kept
    assert Ticket.objects.get(pk=ticket.pk).subject == "Segundo"


def test_a_row_inserted_then_updated_is_updated(cast: Cast) -> None:
    """One WITH query does not see the rows another inserts: the update runs after the insert."""
    with transaction.atomic(), sql.writes_together():
        message = Message(ticket=new_ticket(cast, "Com nota"), kind=Message.Kind.NOTE, body="antes")
        message.created_at = timezone.now()
        sql.insert([message])
        message.body = "depois"
        sql.update(message, ["body"])
    assert Message.objects.get(pk=message.pk).body == "depois"


def test_an_error_in_a_kept_write_is_raised_before_the_next_statement_and_rolls_back(cast: Cast) -> None:
    ticket = new_ticket(cast, "Existente")
    with pytest.raises(IntegrityError), transaction.atomic(), sql.writes_together():
        copy = Message(ticket=ticket, kind=Message.Kind.NOTE, body="nota", created_at=timezone.now())
        sql.insert([copy])
        duplicate = TicketEvent(ticket=ticket, at=timezone.now(), seq=1, action="created", actor_label="x")
        sql.insert([duplicate])  # (ticket, seq) taken: the unique constraint fails when it runs
        Ticket.objects.count()
    assert Message.objects.filter(kind=Message.Kind.NOTE).count() == 0  # nothing of the transaction stays


def test_writes_followed_by_a_write_are_sent_without_waiting_and_answered_before_the_next_statement(
    cast: Cast,
) -> None:
    """A second insert into a table with an insert kept sends the first (``pg_send``) without
    waiting: the wrappers see it, its answer is read before the next statement, and both rows
    are written."""
    ticket = new_ticket(cast, "Enviado")
    seen: list[str] = []

    def wrapper(execute, statement, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(statement)
        return execute(statement, params, many, context)

    def note(body: str) -> Message:
        return Message(ticket=ticket, kind=Message.Kind.NOTE, body=body, created_at=timezone.now())

    with transaction.atomic(), connection.execute_wrapper(wrapper), sql.writes_together():
        sql.insert([note("primeira")])
        sql.insert([note("segunda")])  # the first is sent
        assert sql._together.sent is not None and len(seen) == 2  # the ids taken, then the first sent
        assert Message.objects.filter(kind=Message.Kind.NOTE).count() == 2  # answered, the second run, then this
        assert sql._together.sent is None
    assert sorted(Message.objects.filter(kind=Message.Kind.NOTE).values_list("body", flat=True)) == [
        "primeira", "segunda",
    ]  # fmt: skip
    assert sum('INSERT INTO "tickets_message"' in s for s in seen) == 2


def test_an_error_in_writes_sent_without_waiting_is_raised_by_the_next_statement_and_rolls_back(
    cast: Cast,
) -> None:
    ticket = new_ticket(cast, "Existente")
    with pytest.raises(IntegrityError), transaction.atomic(), sql.writes_together():
        duplicate = TicketEvent(ticket=ticket, at=timezone.now(), seq=1, action="created", actor_label="x")
        sql.insert([duplicate])  # (ticket, seq) taken: the unique constraint fails when it runs
        again = TicketEvent(ticket=ticket, at=timezone.now(), seq=2, action="note", actor_label="x")
        sql.insert([again])  # an insert into the same table: the first is sent, not waited for
        assert sql._together.sent is not None
        Ticket.objects.count()  # its answer, the error, read here
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1  # nothing of the transaction stays
    assert Ticket.objects.count() == 1  # the connection is usable again


def test_an_exception_with_writes_in_flight_leaves_the_connection_usable(cast: Cast) -> None:
    ticket = new_ticket(cast, "Existente")
    with pytest.raises(RuntimeError), transaction.atomic(), sql.writes_together():
        for body in ("um", "dois"):
            sql.insert([Message(ticket=ticket, kind=Message.Kind.NOTE, body=body, created_at=timezone.now())])
        assert sql._together.sent is not None
        raise RuntimeError("the caller fails")
    assert sql._together.sent is None and not Message.objects.filter(kind=Message.Kind.NOTE).exists()


def test_a_batch_takes_its_numbers_in_one_block_and_gives_back_the_rest(cast: Cast) -> None:
    first = new_ticket(cast, "Antes do lote")
    with transaction.atomic(), CaptureQueriesContext(connection) as seen, sql.writes_together():
        made = [new_ticket(cast, f"Lote {n}") for n in range(3)]
    counters = [q["sql"] for q in seen.captured_queries if '"tickets_counter"' in q["sql"]]
    assert len(counters) == 2  # one block taken, the rest given back
    assert [t.number for t in made] == [first.number + 1, first.number + 2, first.number + 3]
    assert Counter.objects.get(name=TICKET_NUMBER).value == first.number + 3
    after = new_ticket(cast, "Depois do lote")
    assert after.number == first.number + 4  # no number skipped
    assert NUMBERS_AT_ONCE > 3


def test_a_batch_rolled_back_leaves_the_counter_as_it_was(cast: Cast) -> None:
    first = new_ticket(cast, "Antes")
    with pytest.raises(RuntimeError), transaction.atomic(), sql.writes_together():
        new_ticket(cast, "Desfeito")
        raise RuntimeError("the batch fails")
    assert Counter.objects.get(name=TICKET_NUMBER).value == first.number
    assert new_ticket(cast, "Depois").number == first.number + 1


def test_more_tickets_than_a_block_take_a_second_block(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sladesk.tickets.actions.create.NUMBERS_AT_ONCE", 2)
    first = new_ticket(cast, "Antes")
    with transaction.atomic(), sql.writes_together():
        made = [new_ticket(cast, f"Lote {n}") for n in range(5)]
    assert [t.number for t in made] == [first.number + n for n in range(1, 6)]
    assert Counter.objects.get(name=TICKET_NUMBER).value == first.number + 5
    assert Ticket.objects.filter(received_at__gte=timezone.now() - timedelta(hours=1)).count() == 6
