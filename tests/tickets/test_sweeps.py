"""The worker's sweeps: breaches recorded once, resolved tickets closed, mail delivered once."""

from __future__ import annotations

from sladesk.tickets import actions as a
from sladesk.tickets.sweeps import sweep_auto_close, sweep_breaches
from tests.tickets.conftest import Cast, at


def test_it_records_a_breach_once_as_an_sla_event(cast: Cast) -> None:
    t = cast.ticket("2027-03-05 16:00", priority="P2")
    assert sweep_breaches(now=at("2027-03-05 17:59")) == 0
    assert sweep_breaches(now=at("2027-03-06 10:00")) == 2  # reply and response were due Friday 18:00
    assert sweep_breaches(now=at("2027-03-06 10:01")) == 0
    (event,) = t.events.filter(action="sla_breached").values_list("after", flat=True)
    assert event["breached"] == {"reply": "2027-03-05T21:00:00+00:00", "response": "2027-03-05T21:00:00+00:00"}
    assert {m.name: m.state for m in t.metrics.all()} == {
        "reply": "breached", "response": "breached", "resolution": "running",
    }  # fmt: skip


def test_two_workers_never_record_the_same_breach_twice(cast: Cast) -> None:
    t = cast.ticket("2027-03-05 16:00", priority="P2")
    other = cast.ticket("2027-03-05 15:00", priority="P2")  # due Friday 17:00
    first = sweep_breaches(now=at("2027-03-06 10:00"), limit=1)
    second = sweep_breaches(now=at("2027-03-06 10:00"))
    third = sweep_breaches(now=at("2027-03-06 10:00"))
    assert (first, second, third) == (2, 2, 0)
    assert t.events.filter(action="sla_breached").count() == 1
    assert other.events.filter(action="sla_breached").count() == 1


def test_a_moved_deadline_can_breach_again(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P1")
    a.do_start_ticket(t, cast.ana, now=at("2027-03-01 09:30"))
    assert sweep_breaches(now=at("2027-03-01 13:01")) == 2  # reply (2 h úteis) and resolution (4 h, 24x7)
    t = a.do_set_ticket_priority(t, cast.ana, "P2", now=at("2027-03-01 13:05"))
    assert t.metrics.get(name="resolution").state == "running"
    assert sweep_breaches(now=at("2027-03-03 09:01")) == 1  # the new 2 dias úteis deadline


def test_it_closes_resolved_tickets_after_the_policy_delay(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00")
    a.do_resolve_ticket(t, cast.ana, "Feito", now=at("2027-03-01 10:00"))
    assert sweep_auto_close(now=at("2027-03-08 09:59")) == 0
    assert sweep_auto_close(now=at("2027-03-08 10:01")) == 1
    t.refresh_from_db()
    assert t.status == "closed"
    assert t.events.last().actor_label == "system"  # type: ignore[union-attr]
