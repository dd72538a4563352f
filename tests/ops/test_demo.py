"""`sladesk demo`: a clearly marked demo, every role and state, told through the actions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from sladesk.core.instants import HOUR_US
from sladesk.directory.models import Customer, Person
from sladesk.ops.demo import LOGINS, load_demo
from sladesk.outbound.models import OutboxMessage
from sladesk.staff.access import visible_customers
from sladesk.tickets import clocks
from sladesk.tickets.models import Ticket, TicketEvent, TicketMetric

SP = ZoneInfo("America/Sao_Paulo")
# A weekday afternoon, a Saturday night, Carnival Tuesday (a business day by default), New Year's Day.
INSTANTS = ["2027-03-03 15:00", "2027-03-06 23:00", "2027-02-09 10:00", "2027-01-01 12:00"]

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SP)


def tickets() -> list[Ticket]:
    return list(Ticket.objects.select_related("policy_version").prefetch_related("metrics").order_by("number"))


def test_it_marks_every_customer_as_demo() -> None:
    load_demo(at(INSTANTS[0]))
    assert Customer.objects.count() == 2
    for customer in Customer.objects.all():
        assert customer.is_demo and customer.name.startswith("[DEMO] ")
        assert all(p.email.endswith(".example") for p in customer.people.all())


def test_it_has_people_of_every_role_and_a_gestor_with_and_without_a_seat() -> None:
    shop = load_demo(at(INSTANTS[0])).directory.self_service.customer
    people = list(shop.people.all())
    assert {p.role for p in people} == set(Person.Role.values)
    gestores = [p for p in people if p.role == Person.Role.GESTOR]
    assert sorted(p.support_seat for p in gestores) == [False, True]
    assert shop.contract.support_seats == 1
    assert shop.contract.extras == {"csm", "training"}
    assert shop.stores.count() == 3


def test_its_partner_customer_is_handled_by_the_demo_partner_whose_agent_sees_only_it() -> None:
    d = load_demo(at(INSTANTS[0])).directory
    contract = d.partner_customer.customer.contract
    assert contract.model == "partner" and contract.partner == d.partner
    assert list(visible_customers(d.staff["partner-agent"].staff)) == [d.partner_customer.customer]


@pytest.mark.parametrize("when", INSTANTS)
def test_it_has_tickets_in_every_state_priority_and_channel(when: str) -> None:
    load_demo(at(when))
    all_tickets = tickets()
    assert {t.outcome or t.status for t in all_tickets} == {
        "new", "in_progress", "waiting_on_customer", "resolved", "closed", "out_of_scope",
    }  # fmt: skip
    assert {t.priority for t in all_tickets} >= {"P1", "P2", "P3"}
    assert {t.channel for t in all_tickets} == {"email", "phone", "portal"}
    states = set(TicketMetric.objects.values_list("state", flat=True))
    assert states == {"running", "paused", "met", "breached", "not_applicable", "excluded"}


@pytest.mark.parametrize("when", INSTANTS)
def test_its_open_tickets_are_breached_at_risk_or_on_track_whatever_the_hour(when: str) -> None:
    now = at(when)
    load_demo(now)
    kinds = set()
    for t in tickets():
        if not t.is_open:
            continue
        metrics = clocks.evaluate_ticket(t, now).metrics.values()
        left = [m.remaining_us for m in metrics if m.state == "running" and m.remaining_us is not None]
        if any(m.state == "breached" for m in metrics):
            kinds.add("breached")
        elif left and min(left) <= HOUR_US:
            kinds.add("at risk")
        elif left:
            kinds.add("on track")
    assert kinds == {"breached", "at risk", "on track"}


def test_its_metrics_are_the_engine_of_its_event_logs() -> None:
    load_demo(at(INSTANTS[0]))
    for t in tickets():
        stored = {m.name: (m.state, m.due_at) for m in t.metrics.all()}
        evaluated_at = t.metrics.all()[0].evaluated_at
        engine = clocks.evaluate_ticket(t, evaluated_at).metrics
        assert stored == {name: (m.state, clocks._dt(m.due)) for name, m in engine.items()}, t.subject


def test_the_worker_recorded_the_breaches_as_they_happened() -> None:
    now = at(INSTANTS[0])
    load_demo(now)
    assert not TicketMetric.objects.filter(state="running", due_at__lt=now).exists()
    breaches = TicketEvent.objects.filter(action="sla_breached")
    assert breaches.exists()
    for event in breaches:
        for due in event.after["breached"].values():
            assert 0 < (event.at - datetime.fromisoformat(due)).total_seconds() <= 5


def test_loading_twice_creates_nothing_new() -> None:
    load_demo(at(INSTANTS[0]))
    models = (Customer, Person, User, Ticket, TicketEvent, TicketMetric)
    before = {m.__name__: m.objects.count() for m in models}
    again = load_demo(at(INSTANTS[1]))
    assert again.tickets == []
    assert {m.__name__: m.objects.count() for m in models} == before


def test_every_printed_login_works_and_lands_on_the_queue() -> None:
    load_demo(at(INSTANTS[0]))
    for login in LOGINS:
        client = Client()
        response = client.post(reverse("login"), {"username": login.email, "password": login.password})
        assert response.status_code == 302, login.email
        assert client.get(reverse("tickets:queue")).status_code == 200
    admin = User.objects.get(username="admin@demo.sladesk")
    assert admin.is_superuser and admin.staff.role == "admin"


def test_every_demo_ticket_came_through_the_actions() -> None:
    load_demo(at(INSTANTS[0]))
    counted = Ticket.objects.annotate(n=Count("events")).values_list("n", flat=True)
    assert min(counted) >= 1
    assert set(TicketEvent.objects.filter(seq=1).values_list("action", flat=True)) == {"created"}
    acknowledged = OutboxMessage.objects.filter(template="acknowledgement").values_list("ticket", flat=True)
    assert set(acknowledged) == set(Ticket.objects.values_list("pk", flat=True))
