"""Each ticket action: its transition, its event, its clocks, its permission."""

from __future__ import annotations

from datetime import datetime

import pytest

from sladesk.outbound.models import OutboxMessage
from sladesk.tickets import actions as a
from sladesk.tickets.actions import ActionError
from sladesk.tickets.models import Message, Ticket
from sladesk.tickets.sweeps import sweep_breaches
from tests.tickets.conftest import Cast, at


def metric(ticket: Ticket, name: str) -> tuple[str, str | None]:
    row = ticket.metrics.get(name=name)
    return row.state, row.due_at.astimezone(at("2027-01-01 00:00").tzinfo).strftime(
        "%m-%d %H:%M"
    ) if row.due_at else None


def test_it_opens_a_ticket_for_an_entitled_gestor_with_running_clocks(cast: Cast) -> None:
    t = cast.ticket("2027-03-03 16:00")
    assert (t.number, t.status, t.priority) == (1, "new", "")
    assert metric(t, "reply") == ("running", "03-03 18:00")
    assert metric(t, "resolution") == ("running", "03-05 16:00")
    assert t.next_due_at == at("2027-03-03 18:00")
    assert t.events.get().action == "created"
    assert OutboxMessage.objects.get().template == "acknowledgement"


@pytest.mark.parametrize(("who", "reason"), [("bob", "not_a_gestor"), ("gil", "not_a_gestor"), ("gina", "no_seat")])
def test_it_refuses_requesters_who_are_not_entitled(cast: Cast, who: str, reason: str) -> None:
    with pytest.raises(ActionError) as err:
        cast.ticket(requester=getattr(cast, who))
    assert err.value.code == "not_entitled"
    assert reason in str(err.value)
    assert Ticket.objects.count() == 0


def test_it_refuses_a_deactivated_gestor(cast: Cast) -> None:
    cast.alice.is_active = False
    cast.alice.save()
    with pytest.raises(ActionError, match="inactive"):
        cast.ticket()


def test_it_refuses_a_gestor_whose_contract_ended(cast: Cast) -> None:
    contract = cast.acme.contract
    contract.ends_on = at("2027-02-01 00:00").date()
    contract.save()
    with pytest.raises(ActionError, match="no_contract"):
        cast.ticket("2027-03-01 09:00")


def test_phone_calls_are_p1_and_run_24x7(cast: Cast) -> None:
    t = cast.ticket("2027-03-06 02:00", channel="phone")
    assert t.priority == "P1"
    assert metric(t, "reply") == ("not_applicable", None)
    assert metric(t, "response") == ("running", "03-06 04:00")
    with pytest.raises(ActionError, match="phone channel takes P1 only"):
        cast.ticket(channel="phone", priority="P2")


def test_it_refuses_a_call_time_in_the_future(cast: Cast) -> None:
    with pytest.raises(ActionError, match="in the future"):
        a.do_create_ticket(
            actor=cast.ana, channel="phone", requester=cast.alice, subject="x",
            received_at=at("2027-03-01 10:00"), now=at("2027-03-01 09:00"),
        )  # fmt: skip


def test_a_reply_stops_the_reply_clock_only(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P2")
    t = a.do_reply_ticket(t, cast.ana, "Estamos verificando.", now=at("2027-03-01 09:30"))
    assert metric(t, "reply") == ("met", "03-01 11:00")
    assert metric(t, "response") == ("running", "03-01 11:00")
    assert t.messages.filter(kind=Message.Kind.PUBLIC).count() == 1
    assert OutboxMessage.objects.filter(template="reply", to="alice@acme.example").count() == 1


def test_a_note_never_stops_a_clock_nor_reaches_the_customer(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00")
    t = a.do_add_note(t, cast.ana, "Verificar logs do servidor", now=at("2027-03-01 09:10"))
    assert metric(t, "reply")[0] == "running"
    assert OutboxMessage.objects.exclude(template="acknowledgement").count() == 0
    event = t.events.last()
    assert event is not None and (event.action, event.sla_type) == ("note", "")


def test_waiting_on_the_customer_pauses_resolution_until_the_reply(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P2")
    t = a.do_hold_ticket(t, cast.ana, "Qual a loja afetada?", now=at("2027-03-01 10:00"))
    assert t.status == "waiting_on_customer"
    assert metric(t, "resolution") == ("paused", None)
    assert t.metrics.get(name="resolution").remaining_s == 64800 - 3600
    t = a.do_add_customer_reply(t, None, "Loja Centro", now=at("2027-03-03 09:00"))
    assert t.status == "in_progress"
    assert metric(t, "resolution") == ("running", "03-04 17:00")


def test_resolving_and_reopening_keeps_the_counted_time(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P2")
    t = a.do_start_ticket(t, cast.ana, now=at("2027-03-01 09:30"))
    assert t.assignee == cast.ana
    t = a.do_resolve_ticket(t, cast.ana, "Corrigido.", now=at("2027-03-01 12:00"))
    assert (t.status, metric(t, "resolution")[0]) == ("resolved", "met")
    t = a.do_reopen_ticket(t, cast.ana, now=at("2027-03-02 09:00"))
    assert metric(t, "resolution") == ("running", "03-03 15:00")


def test_a_customer_reply_within_the_window_reopens_and_after_it_opens_a_linked_ticket(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00")
    t = a.do_resolve_ticket(t, cast.ana, "Corrigido.", now=at("2027-03-01 12:00"))
    t = a.do_add_customer_reply(t, None, "Voltou a falhar", now=at("2027-03-05 12:00"))
    assert t.status == "in_progress"
    t = a.do_resolve_ticket(t, cast.ana, "Corrigido de novo.", now=at("2027-03-05 13:00"))
    new = a.do_add_customer_reply(t, None, "Falhou outra vez", now=at("2027-03-15 13:00"))
    assert new.pk != t.pk and new.related_to == t
    t.refresh_from_db()
    assert t.status == "closed"


def test_raising_to_p1_after_the_response_keeps_its_outcome(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 10:00", priority="P2")
    t = a.do_start_ticket(t, cast.ana, now=at("2027-03-01 10:30"))
    t = a.do_set_ticket_priority(t, cast.ana, "P1", now=at("2027-03-01 11:00"))
    assert metric(t, "response") == ("met", "03-01 12:00")
    assert metric(t, "resolution") == ("running", "03-01 14:00")
    event = t.events.last()
    assert event is not None
    assert (event.before, event.after) == ({"priority": "P2"}, {"priority": "P1"})
    assert datetime.fromisoformat(event.deadlines_before["resolution"]["due"]) == at("2027-03-03 10:00")
    assert datetime.fromisoformat(event.deadlines_after["resolution"]["due"]) == at("2027-03-01 14:00")


def test_out_of_scope_closes_excludes_and_offers_the_contracted_alternatives(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00")
    t = a.do_exclude_ticket(t, cast.ana, "usage_question", now=at("2027-03-01 09:30"))
    assert (t.status, t.outcome, t.category) == ("closed", "out_of_scope", "usage_question")
    assert {m.state for m in t.metrics.all()} == {"excluded"}
    body = OutboxMessage.objects.get(template="out_of_scope").body
    assert "CSM" in body  # ACME contracted the CSM period
    assert "horas contratadas" not in body  # but not partner hours
    with pytest.raises(ActionError, match="not one of the out-of-scope categories"):
        a.do_exclude_ticket(cast.ticket(), cast.ana, "bug")


@pytest.mark.parametrize(
    ("steps", "action"),
    [((), "close"), ((), "reopen"), (("start",), "start"), (("resolve",), "wait"), (("resolve", "close"), "reply")],
)
def test_it_refuses_transitions_the_status_does_not_allow(cast: Cast, steps: tuple[str, ...], action: str) -> None:
    t = cast.ticket()
    calls = {
        "start": lambda t: a.do_start_ticket(t, cast.ana),
        "resolve": lambda t: a.do_resolve_ticket(t, cast.ana, "ok"),
        "close": lambda t: a.do_close_ticket(t, cast.ana),
        "reopen": lambda t: a.do_reopen_ticket(t, cast.ana),
        "wait": lambda t: a.do_hold_ticket(t, cast.ana, "?"),
        "reply": lambda t: a.do_reply_ticket(t, cast.ana, "?"),
    }
    for step in steps:
        t = calls[step](t)
    events = t.events.count()
    with pytest.raises(ActionError) as err:
        calls[action](t)
    assert err.value.code == "forbidden_transition"
    assert t.events.count() == events


def test_a_partner_agent_acts_only_on_its_partners_customers(cast: Cast) -> None:
    beta_ticket = cast.ticket(requester=cast.bea)
    acme_ticket = cast.ticket()
    a.do_add_note(beta_ticket, cast.pedro, "Verificando")
    with pytest.raises(ActionError) as err:
        a.do_add_note(acme_ticket, cast.pedro, "Verificando")
    assert err.value.code == "forbidden"
    with pytest.raises(ActionError):
        a.do_add_note(beta_ticket, cast.otto, "Verificando")
    with pytest.raises(ActionError, match="may not work on tickets"):
        a.do_assign_ticket(acme_ticket, cast.sam, cast.pedro)


def test_every_action_appends_one_event_in_order(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00")
    t = a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-03-01 09:05"))
    t = a.do_start_ticket(t, cast.ana, now=at("2027-03-01 09:10"))
    t = a.do_reply_ticket(t, cast.ana, "Olá", now=at("2027-03-01 09:20"))
    rows = list(t.events.values_list("seq", "action", "sla_type", "actor_label"))
    assert rows == [
        (1, "created", "", "alice@acme.example"),
        (2, "assign", "", "sam@vendor.example"),
        (3, "start", "handling_started", "ana@vendor.example"),
        (4, "reply", "public_reply", "ana@vendor.example"),
    ]


def test_a_call_logged_late_records_its_deadlines_as_of_the_call(cast: Cast) -> None:
    t = a.do_create_ticket(
        actor=cast.ana, channel="phone", requester=cast.alice, subject="Oto fora do ar",
        received_at=at("2027-03-06 02:00"), now=at("2027-03-06 05:00"),
    )  # fmt: skip
    created, breach, warning = t.events.order_by("seq")
    assert created.deadlines_after["response"]["state"] == "running"  # at 02:00 nothing had passed
    # resolution (4 h, due 06:00) had used 3 h of 4 by 05:00: past the policy's 75 %, a warning
    assert (warning.action, list(warning.after["warning"])) == ("sla_warning", ["resolution"])
    assert metric(t, "response") == ("breached", "03-06 04:00")  # but by 05:00 it had
    # ... and that breach is recorded when the call is logged, not left for a sweep that never comes
    assert (breach.action, breach.at) == ("sla_breached", at("2027-03-06 05:00"))
    assert breach.after == {"breached": {"response": "2027-03-06T07:00:00+00:00"}}
    assert sweep_breaches(now=at("2027-03-06 05:01")) == 0


def test_the_affected_user_and_store_can_be_set_later_within_the_customer(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00")
    t = a.do_set_ticket_affected(t, cast.ana, cast.bob, now=at("2027-03-01 09:05"))
    assert (t.affected_person, t.affected_store) == (cast.bob, cast.bob.store)  # the store follows the person
    event = t.events.last()
    assert event is not None and event.after == {"affected_person": cast.bob.pk, "affected_store": cast.bob.store_id}
    assert metric(t, "reply")[0] == "running"  # no clock moves
    with pytest.raises(ActionError, match="not of ACME Lojas"):
        a.do_set_ticket_affected(t, cast.ana, cast.bea)


def test_a_refused_follow_up_changes_nothing_and_keeps_the_message(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00")
    t = a.do_resolve_ticket(t, cast.ana, "Corrigido.", now=at("2027-03-01 12:00"))
    cast.alice.support_seat = False  # she lost her seat meanwhile: she may not open a ticket
    cast.alice.save()
    with pytest.raises(ActionError, match="kept on ticket #1") as refused:
        a.do_add_customer_reply(t, None, "Falhou de novo", now=at("2027-03-15 13:00"))
    assert refused.value.code == "not_entitled"
    t.refresh_from_db()
    assert t.status == "resolved"  # the close of the follow-up was undone with it
    assert Ticket.objects.count() == 1
    kept = t.events.order_by("seq").last()
    assert kept is not None and kept.action == "customer_message_kept" and not kept.sla_type
    assert kept.after["refused"] == "not_entitled"
    assert kept.message is not None and kept.message.body == "Falhou de novo"
    assert kept.message.kind == Message.Kind.INBOUND and kept.message.author_person == cast.alice


def test_an_action_after_a_deadline_records_the_breach_the_sweep_had_not_seen(cast: Cast) -> None:
    t = cast.ticket("2027-03-05 16:00", priority="P2")  # reply and response due Friday 18:00
    t = a.do_resolve_ticket(t, cast.ana, "Corrigido.", now=at("2027-03-08 10:00"))  # Monday, no sweep ran
    resolve, breach = t.events.order_by("seq")[1:]
    assert (resolve.action, breach.action, breach.at) == ("resolve", "sla_breached", at("2027-03-08 10:00"))
    assert breach.after == {"breached": {"reply": "2027-03-05T21:00:00+00:00", "response": "2027-03-05T21:00:00+00:00"}}
    assert sweep_breaches(now=at("2027-03-08 10:05")) == 0  # each breach once
    t = a.do_add_note(t, cast.ana, "Encerrado com atraso", now=at("2027-03-08 10:10"))
    assert t.events.filter(action="sla_breached").count() == 1
