"""The real worker sweep driven across nights, weekends and holidays with time_machine."""

from __future__ import annotations

import pytest
import time_machine

from sladesk.notifications.models import Notification
from sladesk.oncall.actions import do_set_oncall
from sladesk.ops.management.commands.worker import Command as Worker
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets import actions as a
from tests.tickets.conftest import Cast, at

# The worker closes connections older than their age limit, as it should; a time jump of days
# makes the test's own connection one of them, so these tests commit instead of rolling back.
pytestmark = pytest.mark.django_db(transaction=True)


def sweep_at(moment: str) -> dict[str, int]:
    with time_machine.travel(at(moment), tick=False):
        return Worker.sweep()


def test_a_p2_opened_friday_at_17_warns_on_monday_morning_not_on_saturday(cast: Cast) -> None:
    t = cast.ticket("2027-03-05 17:00", priority="P2")  # 1 h on Friday, 1 h on Monday: due Mon 10:00
    a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-03-05 17:01"))
    for moment in ("2027-03-05 18:30", "2027-03-06 10:00", "2027-03-07 23:00", "2027-03-08 09:29"):
        counts = sweep_at(moment)
        assert (counts["warnings"], counts["notified"]) == (0, 0), moment
    counts = sweep_at("2027-03-08 09:31")  # 1 h 30 of 2 h used at Monday 09:30
    assert (counts["warnings"], counts["notified"], counts["sent"]) == (2, 2, 1)  # one email, both warnings
    mail = OutboxMessage.objects.get(template="sla_notification")
    assert mail.to == "ana@vendor.example" and mail.sent_at is not None


def test_holidays_hold_like_weekends(cast: Cast) -> None:
    # Thursday 2027-05-27 is Corpus Christi: a P2 breached at Wednesday's closing waits for Friday
    t = cast.ticket("2027-05-26 16:00", priority="P2")
    a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-05-26 16:01"))
    assert sweep_at("2027-05-26 18:01")["breaches"] == 2
    assert sweep_at("2027-05-27 10:00")["notified"] == 0
    assert sweep_at("2027-05-28 09:00")["notified"] == 4  # Ana and Sam, reply and response
    assert OutboxMessage.objects.filter(template="sla_notification").count() == 2


def test_a_p1_on_saturday_night_pages_at_once(cast: Cast) -> None:
    t = cast.ticket("2027-03-06 23:00", priority="P1", channel="phone")  # response due 01:00 (24x7)
    counts = sweep_at("2027-03-07 00:31")
    assert (counts["warnings"], counts["notified"]) == (1, 1)  # unassigned: the vendor's agents
    counts = sweep_at("2027-03-07 01:01")
    assert (counts["breaches"], counts["notified"]) == (1, 2)  # + the supervisor, at 01:01 on a Sunday
    rows = Notification.objects.filter(ticket=t).order_by("id")
    assert [(n.kind, n.to, n.deliver_after) for n in rows] == [
        ("warning", "ana@vendor.example", at("2027-03-07 00:31")),
        ("breach", "ana@vendor.example", at("2027-03-07 01:01")),
        ("breach", "sam@vendor.example", at("2027-03-07 01:01")),
    ]


def test_a_p1_pages_the_person_on_call_at_any_hour(cast: Cast) -> None:
    from tests.tickets.conftest import _staff

    walter = _staff("walter@vendor.example", "agent")
    do_set_oncall(user=walter, starts_at=at("2027-03-06 18:00"), ends_at=at("2027-03-08 09:00"), actor=cast.sam)
    t = cast.ticket("2027-03-07 02:00", priority="P1", channel="phone")  # Sunday 02:00; response due 04:00
    a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-03-07 02:01"))
    counts = sweep_at("2027-03-07 03:31")
    assert (counts["warnings"], counts["notified"]) == (1, 2)
    rows = Notification.objects.filter(ticket=t).order_by("to")
    assert [(n.to, n.reasons) for n in rows] == [
        ("ana@vendor.example", "assignee"),
        ("walter@vendor.example", "on_call"),
    ]
    # a P2 at the same hour is not for the on-call person, and waits for Monday
    u = cast.ticket("2027-03-05 17:00", priority="P2")
    a.do_assign_ticket(u, cast.sam, cast.ana, now=at("2027-03-05 17:01"))
    assert sweep_at("2027-03-07 03:40")["breaches"] == 0  # due Monday 10:00 on the business calendar
    sweep_at("2027-03-08 10:01")
    told = set(Notification.objects.filter(ticket=u).values_list("kind", "to"))
    assert told == {("breach", "ana@vendor.example"), ("breach", "sam@vendor.example")}  # not Walter
