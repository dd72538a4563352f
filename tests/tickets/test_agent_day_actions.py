"""The agent's day in actions: reply and start in one step, a stale action refused, a call
taken by the agent who logged it, the priority preview equal to what the change records."""

from __future__ import annotations

import pytest

from sladesk.outbound.models import OutboxMessage
from sladesk.tickets import actions as a
from sladesk.tickets.actions import ActionError, StaleError
from sladesk.tickets.models import Message, Ticket
from sladesk.tickets.preview import priority_preview
from tests.tickets.conftest import Cast, at


def actions_of(t: Ticket) -> list[str]:
    return list(t.events.order_by("seq").values_list("action", flat=True))


def test_it_replies_and_starts_in_one_step(cast: Cast) -> None:
    t = cast.ticket("2027-03-03 10:00", priority="P2")
    t = a.do_reply_and_start_ticket(t, cast.ana, "Olá, estamos vendo.", now=at("2027-03-03 10:30"))
    assert (t.status, t.assignee) == ("in_progress", cast.ana)
    assert actions_of(t) == ["created", "start", "reply"]
    start, reply = t.events.order_by("seq")[1:3]
    assert start.at == reply.at == at("2027-03-03 10:30")
    assert start.deadlines_after["response"]["state"] == "met"
    assert reply.deadlines_after["reply"]["state"] == "met"
    assert {m.name: m.state for m in t.metrics.all()} == {"reply": "met", "response": "met", "resolution": "running"}
    assert OutboxMessage.objects.filter(template="reply").count() == 1


def test_reply_and_start_is_refused_whole_once_the_ticket_is_started(cast: Cast) -> None:
    t = a.do_start_ticket(cast.ticket(), cast.ana)
    with pytest.raises(ActionError) as err:
        a.do_reply_and_start_ticket(t, cast.ana, "Olá")
    assert err.value.code == "forbidden_transition"
    assert actions_of(t) == ["created", "start"]
    assert not Message.objects.filter(kind="public").exists()


def test_reply_and_start_needs_a_text(cast: Cast) -> None:
    t = cast.ticket()
    with pytest.raises(ActionError) as err:
        a.do_reply_and_start_ticket(t, cast.ana, "  ")
    assert err.value.code == "invalid"
    assert actions_of(t) == ["created"]


def test_an_action_from_a_stale_page_is_refused_and_says_who(cast: Cast) -> None:
    t = cast.ticket()
    seen = t.events.get().seq
    a.do_reply_ticket(t, cast.sam, "Resposta do Sam")
    with pytest.raises(StaleError) as err:
        a.do_reply_ticket(t, cast.ana, "Resposta da Ana", seen=seen)
    assert err.value.code == "stale" and err.value.by == "Sam"
    assert not Message.objects.filter(body="Resposta da Ana").exists()
    a.do_reply_ticket(t, cast.ana, "Resposta da Ana", seen=seen + 1)  # after reloading
    assert Message.objects.filter(body="Resposta da Ana").exists()


def test_notes_and_ones_own_changes_never_make_a_page_stale(cast: Cast) -> None:
    t = cast.ticket()
    seen = t.events.get().seq
    a.do_add_note(t, cast.sam, "olhando")
    a.do_assign_ticket(t, cast.ana, cast.ana)
    t = a.do_set_ticket_priority(t, cast.ana, "P3", seen=seen)
    assert t.priority == "P3"


def test_a_customer_message_makes_a_page_stale(cast: Cast) -> None:
    t = cast.ticket()
    a.do_add_customer_reply(t, None, "Mais um detalhe")
    with pytest.raises(StaleError) as err:
        a.do_resolve_ticket(t, cast.ana, "Resolvido", seen=1)
    assert err.value.by == "Alice"


def test_a_p1_call_is_assigned_to_the_agent_who_took_it(cast: Cast) -> None:
    t = a.do_open_call_ticket(actor=cast.ana, requester=cast.alice, subject="Fora do ar", now=at("2027-03-03 10:00"))
    assert (t.channel, t.priority, t.assignee) == ("phone", "P1", cast.ana)
    assert actions_of(t) == ["created", "assign"]
    t = a.do_assign_ticket(t, cast.ana, cast.sam)  # who may hand it on
    assert t.assignee == cast.sam


def test_a_refused_call_assigns_nothing(cast: Cast) -> None:
    with pytest.raises(ActionError):
        a.do_open_call_ticket(actor=cast.ana, requester=cast.gina, subject="Fora do ar")
    assert Ticket.objects.count() == 0


def test_the_priority_preview_shows_what_the_change_records_and_writes_nothing(cast: Cast) -> None:
    t = cast.ticket("2027-03-03 10:00", priority="P3")
    now = at("2027-03-03 11:00")
    shown = priority_preview(t, "P1", now)
    assert t.events.count() == 1 and shown.seen == 1 and shown.current == "P3"
    after = {row.after.badge.name: row.after.badge.due for row in shown.rows}
    assert any(row.moves for row in shown.rows)
    t = a.do_set_ticket_priority(t, cast.ana, "P1", now=now, seen=shown.seen)
    assert {m.name: m.due_at for m in t.metrics.all()} == after


def test_a_link_never_makes_a_page_stale(cast: Cast) -> None:
    t, other = cast.ticket(), cast.ticket(subject="Outro")
    a.do_link_tickets(t, cast.sam, other)
    t = a.do_reply_ticket(t, cast.ana, "Resposta", seen=1)
    assert t.events.order_by("-seq").first().action == "reply"  # type: ignore[union-attr]
