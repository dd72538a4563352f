"""Things happening at the same moment, really at once: threads (each on its own database
connection) and processes, on SQLite (a file, as the desk runs it) and on PostgreSQL.

Every writer either succeeds or is refused with its stable code; nothing is lost, doubled
or left half done because another writer was busy."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from sladesk.tickets import actions as a
from sladesk.tickets import clocks
from sladesk.tickets.models import Message, Ticket, TicketEvent
from tests.conftest import run_sladesk
from tests.tickets.conftest import Cast

pytestmark = pytest.mark.django_db(transaction=True)
N = 8


def at_once(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; each result or the exception raised."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # the test reports it
            results[i] = exc
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def failures(results: list[Any]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]


def recent(cast: Cast, minutes: int = 30, **values: Any) -> Ticket:
    """A ticket received a while ago (real time: the actions below run at the real now)."""
    received = timezone.now() - timedelta(minutes=minutes)
    defaults: dict[str, Any] = {"channel": "email", "requester": cast.alice, "subject": "Relatório não abre"}
    return a.do_create_ticket(actor=None, received_at=received, **(defaults | values))


def assert_log_is_whole(ticket: Ticket) -> None:
    """The event log numbers 1..n without a gap or a repeat, and the stored clocks are the
    engine's reading of it."""
    seqs = list(ticket.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    stored = {m.name: (m.state, m.due_at) for m in ticket.metrics.all()}
    at = max(m.evaluated_at for m in ticket.metrics.all())
    evaluation = clocks.evaluate_ticket(ticket, at)
    assert stored == {n: (m.state, clocks._dt(m.due)) for n, m in evaluation.metrics.items()}


def test_eight_agents_writing_notes_at_once_on_different_tickets_all_succeed(cast: Cast) -> None:
    tickets = [recent(cast) for _ in range(N)]
    results = at_once(N, lambda i: [a.do_add_note(tickets[i], cast.ana, f"nota {i}.{k}") for k in range(5)])
    assert failures(results) == []
    for t in tickets:
        assert t.messages.filter(kind=Message.Kind.NOTE).count() == 5
        assert_log_is_whole(t)


def test_eight_agents_writing_at_once_on_one_ticket_lose_nothing(cast: Cast) -> None:
    t = recent(cast)
    results = at_once(N, lambda i: [a.do_add_note(t, cast.ana, f"nota {i}.{k}") for k in range(5)])
    assert failures(results) == []
    bodies = Counter(t.messages.filter(kind=Message.Kind.NOTE).values_list("body", flat=True))
    assert bodies == Counter(f"nota {i}.{k}" for i in range(N) for k in range(5))
    assert_log_is_whole(t)


def test_eight_parallel_creations_get_eight_distinct_numbers(cast: Cast) -> None:
    results = at_once(N, lambda i: recent(cast, subject=f"chamado {i}").number)
    assert failures(results) == []
    assert sorted(results) == list(range(1, N + 1))
    assert Ticket.objects.count() == N


def test_the_web_desk_answers_every_agent_writing_at_once(cast: Cast) -> None:
    """The report: two agents adding a note at the same moment, one got HTTP 500."""
    tickets = [recent(cast) for _ in range(N)]

    def post(i: int) -> list[int]:
        client = Client()
        client.force_login(cast.ana if i % 2 else cast.sam)
        codes = []
        for k in range(3):
            ticket = tickets[i] if k < 2 else tickets[0]  # and all of them on one ticket at the end
            response = client.post(f"/t/{ticket.code}/note/", {"text": f"nota {i}.{k}"})
            codes.append(response.status_code)
        return codes

    results = at_once(N, post)
    assert failures(results) == []
    assert results == [[302, 302, 302]] * N
    assert Message.objects.filter(kind=Message.Kind.NOTE).count() == 3 * N


@pytest.mark.parametrize("first", ["resolve", "reply"])
def test_a_customer_reply_racing_a_resolve_ends_in_a_state_the_policy_allows(cast: Cast, first: str) -> None:
    for _round in range(4):
        t = recent(cast)
        # The report: waiting on the customer, who replies as the agent resolves. Both calls get
        # this copy of the ticket, stale by then: the decision must come from the locked row.
        a.do_hold_ticket(t, cast.ana, "Pode enviar o print do erro?")
        order = [first, "reply" if first == "resolve" else "resolve"]
        results = at_once(2, lambda i, stale=t, order=order: _race(order[i], stale, cast))
        assert failures(results) == []
        t.refresh_from_db()
        resolution = t.metrics.get(name="resolution")
        if t.status == "resolved":  # the reply came first, then the resolve
            assert t.resolved_at is not None and resolution.state in ("met", "breached")
        else:  # resolved, then reopened by the reply within the window
            assert t.status == "in_progress"
            assert t.resolved_at is None and resolution.state == "running"
            assert t.events.filter(sla_type="reopened").count() == 1
        assert_log_is_whole(t)


def _race(what: str, stale: Ticket, cast: Cast) -> Ticket:
    if what == "resolve":
        return a.do_resolve_ticket(stale, cast.ana, "Corrigido")
    return a.do_add_customer_reply(stale, None, "Ainda não funciona")


def _subprocess_env() -> dict[str, str]:
    """The test database, for a real `sladesk` process."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"DATABASE_URL": f"sqlite:///{s['NAME']}"}
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    return {"DATABASE_URL": f"postgres://{s['USER']}@{host}:{port}/{s['NAME']}"}


def test_eight_parallel_cli_actions_on_one_ticket_all_succeed(cast: Cast) -> None:
    """The report: 8 parallel `sladesk tickets act N ... note`, 7 died with `database is locked`."""
    t = recent(cast)
    env = _subprocess_env()
    results = at_once(
        N,
        lambda i: run_sladesk("tickets", "act", str(t.number), "--as", "ana@vendor.example", "note", f"n{i}", env=env),
    )
    assert failures(results) == []
    assert [(r.returncode, r.stderr.decode()) for r in results] == [(0, "")] * N
    assert sorted(t.messages.filter(kind=Message.Kind.NOTE).values_list("body", flat=True)) == [
        f"n{i}" for i in range(N)
    ]
    assert_log_is_whole(t)
    assert TicketEvent.objects.filter(ticket=t, action="note").count() == N
