"""PostgreSQL's search documents written after a writer's commit (migration 0013,
``tickets/search_later.py``): a transaction that asks for it commits its notes instead of its
documents; ``flush_later`` (a ``Flusher`` poked after each batch, the worker's sweep, any search)
writes them; and with the intake's stream, agents and searches writing at once, every document
ends as written from scratch, every word found, nothing left noted."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from sladesk.intake.ahead import Ahead
from sladesk.intake.process import Incoming
from sladesk.intake.stream import process_stream
from sladesk.ops.management.commands.worker import Command as Worker
from sladesk.tickets import actions, search_later
from sladesk.tickets.models import Ticket
from sladesk.tickets.search_later import Flusher, flush_later, write_after_commit
from tests.intake.conftest import email
from tests.tickets.conftest import Cast
from tests.tickets.test_concurrency import at_once, failures, recent
from tests.tickets.test_search_at_commit import documents, finds, rebuilt, rows

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's index (SQLite's rows are its own)"),
]


def noted_later() -> int:
    return int(rows("SELECT count(*) FROM tickets_search_dirty WHERE later")[0][0])  # type: ignore[call-overload]


def noted_now() -> int:
    return int(rows("SELECT count(*) FROM tickets_search_dirty WHERE NOT later")[0][0])  # type: ignore[call-overload]


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield
    assert noted_now() == 0  # a commit writes its own notes, or leaves them all for later


def test_a_transaction_that_asks_commits_its_notes_and_a_flush_writes_them(cast: Cast) -> None:
    ticket = recent(cast, subject="Balança")
    with transaction.atomic():
        write_after_commit()
        actions.do_add_note(ticket, cast.ana, "zebrafone")
        other = recent(cast, subject="Impressora fiscal")
    assert noted_later() >= 2
    assert "zebrafon" not in documents()[ticket.pk] and other.pk not in documents()  # nothing written at commit
    assert flush_later() == 2
    assert noted_later() == 0 and documents() == rebuilt()
    assert flush_later() == 0  # nothing left: nothing done


def test_a_search_writes_what_is_left_before_it_reads(cast: Cast) -> None:
    with transaction.atomic():
        write_after_commit()
        ticket = recent(cast, subject="Catraca travada")
    assert noted_later() == 1
    assert finds("catraca") == {ticket.pk}
    assert noted_later() == 0 and documents() == rebuilt()


def test_the_worker_sweep_writes_what_is_left(cast: Cast) -> None:
    with transaction.atomic():
        write_after_commit()
        recent(cast, subject="Gaveta")
    assert Worker.sweep()["searchable"] == 1
    assert noted_later() == 0 and documents() == rebuilt()


def test_a_rolled_back_transaction_leaves_no_note(cast: Cast) -> None:
    with transaction.atomic():
        write_after_commit()
        recent(cast, subject="Sumiço")
        transaction.set_rollback(True)
    assert noted_later() == 0 and documents() == {}


def test_a_flusher_writes_after_each_poke_and_once_more_when_closed(cast: Cast) -> None:
    with Flusher() as flusher:
        with transaction.atomic():
            write_after_commit()
            first = recent(cast, subject="Primeiro")
        flusher.poke()
        with transaction.atomic():
            write_after_commit()
            second = recent(cast, subject="Segundo")
    assert flusher.written == 2 and flusher.failures == 0
    assert noted_later() == 0 and documents() == rebuilt()
    assert finds("primeiro") == {first.pk} and finds("segundo") == {second.pk}


def test_a_flush_that_fails_is_logged_and_done_at_the_next_poke(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real, calls = search_later.flush_later, []

    def fails_once() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseError("the database is away")
        return real()

    monkeypatch.setattr(search_later, "flush_later", fails_once)
    with transaction.atomic():
        write_after_commit()
        recent(cast, subject="Adiado")
    with caplog.at_level(logging.ERROR), Flusher() as flusher:
        flusher.poke()
        deadline = time.monotonic() + 10
        while flusher.rounds < 1 and time.monotonic() < deadline:  # the failed round done
            time.sleep(0.01)
    assert flusher.failures == 1 and flusher.written == 1  # the last round, at close, wrote it
    assert "failed" in caplog.text
    assert noted_later() == 0 and documents() == rebuilt()


def test_the_intake_agents_and_searches_at_once_leave_every_document_as_written_from_scratch(cast: Cast) -> None:
    """The intake's stream (its batches leaving their documents to its flusher) replies to
    tickets that agents are adding notes to, while others search (each search writes what is
    left): each document ends with every word of its ticket, as written from scratch."""
    tickets = [recent(cast, subject=f"Chamado {i}") for i in range(4)]
    n, rounds = 6, 4
    now = timezone.now()

    def intake() -> None:
        batches = [
            [
                Incoming(
                    email(subject=f"Re: [#{t.number}] Chamado", body=f"resposta{k}x{t.number}"),
                    now,
                    "smtp",
                    f"spool:{k}-{t.number}",
                )
                for t in tickets
            ]
            for k in range(rounds)
        ]
        with Ahead() as ahead, Flusher() as flusher:
            for _batch, results in process_stream(batches, ahead, flusher):
                assert all(r.outcome == "ticket_updated" for r in results), results

    def work(i: int) -> None:
        if i == 0:
            intake()
        elif i % 2:
            for k in range(rounds):
                actions.do_add_note(tickets[i % len(tickets)], cast.ana, f"nota{i}x{k}")
        else:
            for _ in range(rounds):
                finds("chamado")

    assert failures(at_once(n, work)) == []
    assert flush_later() == 0 and connection.vendor == "postgresql"  # the flusher left nothing
    assert noted_later() == 0 and documents() == rebuilt()
    for t in tickets:
        for k in range(rounds):
            assert finds(f"resposta{k}x{t.number}") == {t.pk}
    for i in range(1, n, 2):
        for k in range(rounds):
            assert finds(f"nota{i}x{k}") == {tickets[i % len(tickets)].pk}
    assert Ticket.objects.count() == len(tickets)


def test_writers_on_threads_of_their_own_and_flushes_at_once_leave_no_older_document_last(cast: Cast) -> None:
    """Flushes at once with writers that flush at their commit and writers that leave theirs for
    later, on the same tickets: no document computed from an older state ends last."""
    tickets = [recent(cast, subject=f"Compartilhado {i}") for i in range(3)]
    n, rounds = 8, 5
    writing = threading.Semaphore(0)  # released by each writer done
    flushes = []

    def work(i: int) -> None:
        if i == 0:  # flushes until every writer is done, then once more
            done = 0
            while done < n - 1:
                flushes.append(flush_later())
                done += writing.acquire(timeout=0.001)
            flushes.append(flush_later())
            return
        try:
            for k in range(rounds):
                with transaction.atomic():
                    if i % 2:
                        write_after_commit()
                    for t in tickets:
                        actions.do_add_note(t, cast.ana, f"w{i}r{k}")
        finally:
            writing.release()

    assert failures(at_once(n, work)) == []
    assert sum(flushes) > 0
    assert noted_later() == 0 and documents() == rebuilt()  # nothing was left to hide an older one
    for i in range(1, n):
        for k in range(rounds):
            assert finds(f"w{i}r{k}") == {t.pk for t in tickets}


def test_a_flush_waits_for_a_transaction_that_wrote_documents_and_computes_after_it(cast: Cast) -> None:
    """A transaction writes a ticket's document before its end (a search inside it) and commits
    after a flush of that ticket began: the flush waits for it and computes the document after
    its commit, not from the state before it (which would leave the older document last)."""
    ticket = recent(cast, subject="Gaveta")
    with transaction.atomic():  # a batch of the intake's left a note on the ticket for later
        write_after_commit()
        actions.do_add_note(ticket, cast.ana, "antes")
    flushed: list[int | BaseException] = []

    def flush() -> None:
        try:
            flushed.append(flush_later())
        except BaseException as exc:  # the test reports it
            flushed.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        actions.do_add_note(ticket, cast.ana, "durante")
        rows("SELECT tickets_search_flush_now()")  # as a search inside this transaction does
        flusher = threading.Thread(target=flush)
        flusher.start()
        deadline = time.monotonic() + 10
        while not waiting_flushes() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert waiting_flushes() == 1  # it waits for this transaction
    flusher.join(10)
    assert flushed == [1]
    assert documents() == rebuilt()
    assert finds("durante") == {ticket.pk} and finds("antes") == {ticket.pk}


def waiting_flushes() -> int:
    rows("SELECT pg_stat_clear_snapshot()")  # inside a transaction, its first reading is kept
    return int(
        rows(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND query LIKE %s",
            "%tickets_search_flush_later%",
        )[0][0]  # type: ignore[call-overload]
    )


def test_a_stream_with_a_flusher_not_started_writes_its_documents_at_commit(cast: Cast) -> None:
    batches = [[Incoming(email(subject="Sem flusher"), timezone.now(), "smtp", "spool:sem-flusher")]]
    flusher = Flusher()  # never started
    [(_batch, [result])] = list(process_stream(batches, None, flusher))
    assert result.outcome == "ticket_created" and noted_later() == 0
    assert documents() == rebuilt() and finds("flusher") == {Ticket.objects.get().pk}
