"""Warnings at 75 % and breaches past the deadline: recorded once with their event, told to
the right people, at the right time (held outside business hours, at once for P1)."""

from __future__ import annotations

from collections import Counter

import pytest

from sladesk.notifications.delivery import dispatch_due
from sladesk.notifications.models import Notification
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets import actions as a
from sladesk.tickets.models import Ticket
from sladesk.tickets.sweeps import sweep_deadlines
from tests.tickets.conftest import Cast, at


def told(t: Ticket) -> set[tuple[str, str, str]]:
    return set(Notification.objects.filter(ticket=t, channel="email").values_list("kind", "metric", "to"))


def staff_mail() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(template="sla_notification").order_by("to", "id"))


def test_a_running_metric_warns_its_assignee_at_three_quarters_once(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P2")  # reply and response: 2 h úteis, due 11:00
    a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-03-01 09:05"))
    assert sweep_deadlines(now=at("2027-03-01 10:29")) == (0, 0)
    assert sweep_deadlines(now=at("2027-03-01 10:31")) == (0, 2)  # 1 h 30 of 2 h used
    assert sweep_deadlines(now=at("2027-03-01 10:40")) == (0, 0)  # once
    (event,) = t.events.filter(action="sla_warning")
    assert set(event.after["warning"]) == {"reply", "response"}
    assert told(t) == {("warning", "reply", "ana@vendor.example"), ("warning", "response", "ana@vendor.example")}
    assert dispatch_due(now=at("2027-03-01 10:31")) == 2
    assert dispatch_due(now=at("2027-03-01 10:32")) == 0
    (mail,) = staff_mail()  # both in one email
    assert mail.to == "ana@vendor.example" and "2 avisos" in mail.subject and f"#{t.number}" in mail.body


def test_an_unassigned_partner_ticket_warns_that_partners_agents_only(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P2", requester=cast.bea)
    sweep_deadlines(now=at("2027-03-01 10:31"))
    assert {to for _k, _m, to in told(t)} == {"pedro@sul.example"}  # not Otto (another partner), not Ana


def test_an_unassigned_vendor_ticket_warns_the_vendors_agents(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P2")
    sweep_deadlines(now=at("2027-03-01 10:31"))
    assert {to for _k, _m, to in told(t)} == {"ana@vendor.example"}


def test_a_breach_tells_the_assignee_and_the_supervisors_without_a_late_warning(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P2")
    a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-03-01 09:05"))
    # the first sweep after 11:00: reply and response are past due, so a breach each and no warning
    assert sweep_deadlines(now=at("2027-03-01 11:05")) == (2, 0)
    assert not t.events.filter(action="sla_warning").exists()
    people = ("ana@vendor.example", "sam@vendor.example")
    assert told(t) == {("breach", m, to) for m in ("reply", "response") for to in people}


def test_a_p2_breached_on_friday_evening_is_held_until_monday_as_one_digest_each(cast: Cast) -> None:
    t = cast.ticket("2027-03-05 15:00", priority="P2")  # due Friday 17:00
    u = cast.ticket("2027-03-05 15:30", priority="P2")  # due Friday 17:30
    for ticket in (t, u):
        a.do_assign_ticket(ticket, cast.sam, cast.ana, now=at("2027-03-05 15:45"))
    assert sweep_deadlines(now=at("2027-03-05 18:30")) == (4, 0)  # the calendar is closed now
    held = set(Notification.objects.values_list("deliver_after", flat=True))
    assert held == {at("2027-03-08 09:00")}  # Monday's opening
    assert dispatch_due(now=at("2027-03-06 10:00")) == 0  # Saturday: nothing leaves
    assert staff_mail() == []
    assert dispatch_due(now=at("2027-03-08 09:00")) == 8  # 4 breaches x (Ana, Sam)
    mails = staff_mail()
    assert [m.to for m in mails] == ["ana@vendor.example", "sam@vendor.example"]  # one digest each
    assert all("4 estouros" in m.subject for m in mails)
    assert all(f"#{t.number}" in m.body and f"#{u.number}" in m.body for m in mails)


def test_a_p1_at_night_is_told_at_once(cast: Cast) -> None:
    t = cast.ticket("2027-03-06 22:00", priority="P1", channel="phone")  # Saturday night, response due 00:00
    a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-03-06 22:01"))
    assert sweep_deadlines(now=at("2027-03-06 23:31")) == (0, 1)  # response, 24x7
    (n,) = Notification.objects.filter(ticket=t)
    assert (n.metric, n.deliver_after) == ("response", at("2027-03-06 23:31"))
    assert dispatch_due(now=at("2027-03-06 23:31")) == 1
    (mail,) = staff_mail()
    assert mail.to == "ana@vendor.example" and "Aviso de SLA" in mail.subject and "(P1)" in mail.subject


def test_a_held_warning_whose_risk_is_gone_by_the_opening_is_dropped(cast: Cast) -> None:
    t = cast.ticket("2027-03-05 16:30", priority="P2")  # reply, response: due Monday 09:30
    a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-03-05 16:31"))
    # 1 h 30 of 2 h used at Friday's closing: the warnings come at 18:00, held until Monday
    assert sweep_deadlines(now=at("2027-03-05 18:00")) == (0, 2)
    assert set(Notification.objects.values_list("deliver_after", flat=True)) == {at("2027-03-08 09:00")}
    # Ana answers on Saturday: reply and response stop, so on Monday there is no risk to tell of
    a.do_start_ticket(t, cast.ana, now=at("2027-03-06 10:00"))
    a.do_reply_ticket(t, cast.ana, "Estamos vendo", now=at("2027-03-06 10:01"))
    assert dispatch_due(now=at("2027-03-08 09:00")) == 0
    assert staff_mail() == []
    assert set(Notification.objects.values_list("queued_at", "outbox")) == {(at("2027-03-08 09:00"), None)}


def test_a_priority_change_moves_the_warning_with_the_deadline(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P3")  # response due Wed 09:00 (18 h úteis)
    a.do_start_ticket(t, cast.ana, now=at("2027-03-01 09:01"))
    a.do_reply_ticket(t, cast.ana, "Olá", now=at("2027-03-01 09:02"))
    # resolution: P3 4 dias úteis (36 h) warns after 27 h; raised to P2 (18 h): warns after 13 h 30
    a.do_set_ticket_priority(t, cast.ana, "P2", now=at("2027-03-01 10:00"))
    assert sweep_deadlines(now=at("2027-03-02 13:29")) == (0, 0)
    assert sweep_deadlines(now=at("2027-03-02 13:31")) == (0, 1)
    (n,) = Notification.objects.filter(ticket=t, kind="warning", metric="resolution")
    assert n.due_at == at("2027-03-02 18:00")


def test_every_crossing_has_its_event_and_its_notifications_once(cast: Cast) -> None:
    tickets = [cast.ticket(f"2027-03-01 {9 + i % 8:02d}:{i % 60:02d}", priority=f"P{1 + i % 3}") for i in range(24)]
    moments = [at(f"2027-03-{d:02d} {h:02d}:{m:02d}") for d in (1, 2, 3, 4) for h in (9, 12, 17, 23) for m in (5, 35)]
    for now in moments:
        sweep_deadlines(now=now)
        dispatch_due(now=now)
    for t in tickets:
        events = Counter()
        for e in t.events.filter(action__in=("sla_warning", "sla_breached")):
            events.update((e.action, name) for name in e.after.get("warning", e.after.get("breached", {})))
        assert all(n == 1 for n in events.values()), (t.number, events)
        kinds = {("sla_warning" if k == "warning" else "sla_breached", m) for k, m, _to in told(t)}
        assert kinds == set(events), t.number
    assert not Notification.objects.filter(queued_at__isnull=True, deliver_after__lte=moments[-1]).exists()


def test_a_ticket_that_fails_is_skipped_and_caught_up_later(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    import sladesk.notifications.plan as plan

    bad = cast.ticket("2027-03-01 09:00", priority="P2")
    good = cast.ticket("2027-03-01 09:00", priority="P2")
    real = plan.plan_notifications

    def failing(ticket: Ticket, *args: object) -> object:
        if ticket.pk == bad.pk:
            raise RuntimeError("a broken webhook row, say")
        return real(ticket, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(plan, "plan_notifications", failing)
    assert sweep_deadlines(now=at("2027-03-01 10:31")) == (0, 2)  # the good ticket's, not the bad one's
    assert not bad.events.filter(action="sla_warning").exists()  # rolled back whole, nothing half-told
    assert good.events.filter(action="sla_warning").count() == 1
    monkeypatch.setattr(plan, "plan_notifications", real)
    assert sweep_deadlines(now=at("2027-03-01 10:40")) == (0, 2)  # caught up, late rather than never
    assert {n.ticket_id for n in Notification.objects.all()} == {bad.pk, good.pk}
