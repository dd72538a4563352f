"""PostgreSQL's search documents written at commit (migration 0011): once per transaction for
every ticket it touched, the same documents as writing them one by one, nothing left noted after
a commit or a rollback, and writers at the same moment (threads, each its own connection and
transaction) leave every word findable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, transaction

from sladesk.tickets import actions, search
from sladesk.tickets.models import Ticket
from tests.tickets.conftest import Cast
from tests.tickets.test_concurrency import at_once, failures, recent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's index (SQLite's rows are its own)"),
]


def rows(sql: str, *params: object) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def documents() -> dict[int, str]:
    return {int(pk): str(doc) for pk, doc in rows("SELECT ticket_id, document::text FROM tickets_search")}  # type: ignore[call-overload]


def rebuilt() -> dict[int, str]:
    """Every document as 0006's function writes it from scratch (in a transaction rolled back)."""
    with transaction.atomic():
        rows("SELECT tickets_search_refresh(ARRAY(SELECT id FROM tickets_ticket))")
        fresh = documents()
        transaction.set_rollback(True)
    return fresh


def noted() -> int:
    return int(rows("SELECT count(*) FROM tickets_search_dirty")[0][0])  # type: ignore[call-overload]


def finds(word: str) -> set[int]:
    return set(Ticket.objects.filter(search.matching(search.parse(word))).values_list("pk", flat=True))


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield
    assert noted() == 0  # a commit or a rollback leaves nothing noted


def test_a_ticket_s_document_is_written_at_commit_not_at_each_statement(cast: Cast) -> None:
    with transaction.atomic():
        ticket = recent(cast, subject="Catraca travada")
        actions.do_add_note(ticket, cast.ana, "zebrafone na loja")
        assert rows("SELECT 1 FROM tickets_search WHERE ticket_id = %s", ticket.pk) == []  # not yet
        assert noted() == 1  # the ticket once, however often it changed
    assert documents() == rebuilt()
    assert finds("zebrafone") == {ticket.pk}


def test_the_search_inside_the_writing_transaction_sees_its_changes(cast: Cast) -> None:
    with transaction.atomic():
        ticket = recent(cast, subject="Impressora fiscal")
        assert finds("impressora") == {ticket.pk}
        actions.do_add_note(ticket, cast.ana, "quindim")
        assert finds("quindim") == {ticket.pk}
    assert documents() == rebuilt()


def test_a_rolled_back_transaction_writes_nothing(cast: Cast) -> None:
    with transaction.atomic():
        ticket = recent(cast)
        transaction.set_rollback(True)
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    assert documents() == {}


def test_a_deleted_ticket_s_document_goes_at_commit(cast: Cast) -> None:
    ticket = recent(cast, subject="Sumiço")
    assert finds("sumiço") == {ticket.pk}
    with transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).delete()
    assert documents() == {}


def test_writers_at_once_on_different_and_the_same_tickets_leave_every_word_found(cast: Cast) -> None:
    tickets = [recent(cast) for _ in range(4)]
    shared = recent(cast, subject="Compartilhado")
    n = 8

    def work(i: int) -> None:
        own = tickets[i % len(tickets)]
        for k in range(3):
            with transaction.atomic():  # two tickets in one transaction, the shared one last
                actions.do_add_note(own, cast.ana, f"palavra{i}x{k}")
                actions.do_add_note(shared, cast.ana, f"comum{i}x{k}")

    assert failures(at_once(n, work)) == []
    assert documents() == rebuilt()
    for i in range(n):
        for k in range(3):
            assert finds(f"palavra{i}x{k}") == {tickets[i % len(tickets)].pk}
            assert finds(f"comum{i}x{k}") == {shared.pk}


def test_changes_after_a_flush_and_in_a_rolled_back_savepoint_are_written_as_they_ended(cast: Cast) -> None:
    with transaction.atomic():
        ticket = recent(cast, subject="Balança")
        assert finds("balança") == {ticket.pk}  # flushed here
        try:
            with transaction.atomic():  # noted, then undone with the savepoint
                actions.do_add_note(ticket, cast.ana, "desfeito")
                raise RuntimeError
        except RuntimeError:
            pass
        actions.do_add_note(ticket, cast.ana, "gravado")  # noted after the flush: written at commit
    assert documents() == rebuilt()
    assert finds("gravado") == {ticket.pk}
    assert finds("desfeito") == set()


def test_a_change_to_many_tickets_at_once_writes_each_document(cast: Cast) -> None:
    tickets = [recent(cast, subject=f"Lote {i}") for i in range(200)]
    with transaction.atomic():  # one customer's name: 200 tickets noted, 200 firings at commit
        cast.acme.name = "ACME Varejo"
        cast.acme.save()
    assert documents() == rebuilt()
    assert finds("varejo") == {t.pk for t in tickets}
