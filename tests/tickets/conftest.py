"""Personas for ticket tests, built through the real models and actions.

ACME (self-service): Alice, a Gestor with the only seat; Gina, a Gestor without one;
Gil, a Gerente; Bob, a Vendedor. Lojas Beta (partner "Parceiros Sul"): Bea, its Gestor.
Staff: Sam the supervisor, Ana a vendor agent, Pedro an agent of Parceiros Sul,
Otto an agent of another partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from sladesk.directory.models import Contract, Customer, Partner, Person, Store
from sladesk.staff.actions import do_save_staff
from sladesk.tickets.actions import do_create_ticket
from sladesk.tickets.models import Ticket

SP = ZoneInfo("America/Sao_Paulo")


def at(text: str) -> datetime:
    """A local (America/Sao_Paulo) instant: at('2027-03-01 09:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=SP)


@dataclass
class Cast:
    acme: Customer
    beta: Customer
    alice: Person
    gina: Person
    gil: Person
    bob: Person
    bea: Person
    sam: User
    ana: User
    pedro: User
    otto: User

    def ticket(self, when: str = "2027-03-01 09:00", **values: object) -> Ticket:
        defaults: dict[str, object] = {"channel": "email", "requester": self.alice, "subject": "Relatório não abre"}
        defaults.update(values)
        return do_create_ticket(actor=None, received_at=at(when), now=at(when), **defaults)


def _person(customer: Customer, name: str, role: str, store: Store | None = None, seat: bool = False) -> Person:
    email = f"{name.lower()}@{customer.code}.example"
    phone = f"+55 51 9{abs(hash(name)) % 10**8:08d}"
    return Person.objects.create(
        customer=customer, name=name, email=email, role=role, store=store, support_seat=seat, phone=phone
    )


def _staff(email: str, role: str, partner: str | None = None) -> User:
    profile, _ = do_save_staff(email=email, name=email.split("@", maxsplit=1)[0].title(), role=role, partner=partner)
    return profile.user


@pytest.fixture
def cast(db: None) -> Cast:
    acme = Customer.objects.create(code="acme", name="ACME Lojas")
    Contract.objects.create(customer=acme, support_seats=1, starts_on=date(2026, 1, 1), csm=True)
    centro = Store.objects.create(customer=acme, name="Centro")
    partner = Partner.objects.create(name="Parceiros Sul")
    beta = Customer.objects.create(code="beta", name="Lojas Beta")
    Contract.objects.create(
        customer=beta, model="partner", partner=partner, support_seats=2, starts_on=date(2026, 1, 1)
    )
    return Cast(
        acme=acme,
        beta=beta,
        alice=_person(acme, "Alice", "gestor", seat=True),
        gina=_person(acme, "Gina", "gestor"),
        gil=_person(acme, "Gil", "gerente", centro),
        bob=_person(acme, "Bob", "vendedor", centro),
        bea=_person(beta, "Bea", "gestor", seat=True),
        sam=_staff("sam@vendor.example", "supervisor"),
        ana=_staff("ana@vendor.example", "agent"),
        pedro=_staff("pedro@sul.example", "partner_agent", "Parceiros Sul"),
        otto=_staff("otto@norte.example", "partner_agent", "Parceiros Norte"),
    )
