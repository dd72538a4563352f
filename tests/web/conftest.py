"""Named personas for the desk's tests, built through the real models and actions.

Customers: Aurora (self-service), Bento (partner Sul), Cedro (partner Norte).
People: Gabriela (Aurora's Gestora with a seat), Gerson (Aurora's Gestor without one),
Vicente (Aurora's Vendedor), Beatriz (Bento's Gestora), Carla (Cedro's Gestora).
Staff: Sam (supervisor), Ana (vendor agent), Pedro (partner agent of Sul),
Otto (partner agent of Norte); Walter logs in but has no staff profile.

One cast across the suite: a name means one role everywhere (tests/tickets/conftest.py has
the same staff; Alice, wherever she appears, is a customer's Gestora with the seat).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from sladesk.directory.models import Contract, Customer, Partner, Person, Store
from sladesk.staff.models import StaffProfile
from sladesk.tickets import actions
from sladesk.tickets.models import Ticket

PASSWORD = "uma-senha-bem-longa-42"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return make_password(PASSWORD)  # argon2 once per session, not once per user


@dataclass
class World:
    sul: Partner
    norte: Partner
    aurora: Customer
    bento: Customer
    cedro: Customer
    aurora_centro: Store
    gabriela: Person
    gerson: Person
    vicente: Person
    beatriz: Person
    carla: Person
    sam: User
    ana: User
    pedro: User
    otto: User
    walter: User


def customer(code: str, name: str, partner: Partner | None = None, seats: int = 2) -> Customer:
    c = Customer.objects.create(code=code, name=name)
    Contract.objects.create(
        customer=c,
        model=Contract.Model.PARTNER if partner else Contract.Model.SELF_SERVICE,
        partner=partner,
        support_seats=seats,
        csm=True,
        starts_on=date(2020, 1, 1),
    )
    return c


def person(c: Customer, name: str, email: str, role: str, seat: bool = False, **extra: Any) -> Person:
    return Person.objects.create(customer=c, name=name, email=email, role=role, support_seat=seat, **extra)


def staff(username: str, first: str, last: str, role: str, partner: Partner | None = None) -> User:
    user = User.objects.create(
        username=username, email=username, first_name=first, last_name=last, password=password_hash()
    )
    StaffProfile.objects.create(user=user, role=role, partner=partner)
    return user


@pytest.fixture(autouse=True)
def portuguese() -> Iterator[None]:
    """Each test starts in pt-BR (a request in English leaves its language active in the thread)."""
    with translation.override("pt-br"):
        yield


@pytest.fixture
def world(db: None) -> World:
    sul, norte = Partner.objects.create(name="Parceira Sul"), Partner.objects.create(name="Parceira Norte")
    aurora = customer("aurora", "Lojas Aurora")
    bento = customer("bento", "Calçados Bento", sul)
    cedro = customer("cedro", "Móveis Cedro", norte)
    centro = Store.objects.create(customer=aurora, name="Aurora Centro")
    G, V = Person.Role.GESTOR, Person.Role.VENDEDOR
    R = StaffProfile.Role
    walter = User.objects.create(
        username="walter@aurora.example", email="walter@aurora.example", password=password_hash()
    )
    return World(
        sul=sul, norte=norte, aurora=aurora, bento=bento, cedro=cedro, aurora_centro=centro,
        gabriela=person(aurora, "Gabriela Gomes", "gabriela@aurora.example", G, True, phone="+55 51 99811-2233"),
        gerson=person(aurora, "Gerson Garcia", "gerson@aurora.example", G, False, phone="+55 51 99811-4455"),
        vicente=person(aurora, "Vicente Vaz", "vicente@aurora.example", V, store=centro, phone="+55 51 99700-1000"),
        beatriz=person(bento, "Beatriz Brito", "beatriz@bento.example", G, True, phone="+55 51 3222-1000"),
        carla=person(cedro, "Carla Costa", "carla@cedro.example", G, True),
        sam=staff("sam@sladesk.example", "Sam", "Souza", R.SUPERVISOR),
        ana=staff("ana@sladesk.example", "Ana", "Almeida", R.AGENT),
        pedro=staff("pedro@sul.example", "Pedro", "Prado", R.PARTNER_AGENT, sul),
        otto=staff("otto@norte.example", "Otto", "Nunes", R.PARTNER_AGENT, norte),
        walter=walter,
    )  # fmt: skip


def open_ticket(
    requester: Person, subject: str, *, channel: str = "email", priority: str | None = None,
    received_at: datetime | None = None, now: datetime | None = None, **values: Any,
) -> Ticket:  # fmt: skip
    """A ticket as intake or the phone desk would open it (the system acts)."""
    return actions.do_create_ticket(
        actor=None, channel=channel, requester=requester, subject=subject, priority=priority,
        received_at=received_at, now=now, **values,
    )  # fmt: skip


CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium, driven by Playwright: one for the whole session (Playwright's sync API
    runs one event loop per thread, so two of them at once would refuse to start)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def close_quietly(context: BrowserContext) -> None:
    """Close a browser context once the desk has answered every request its pages sent. A
    page's poll still being served holds row locks while the test database is flushed, and
    on PostgreSQL the flush's TRUNCATE and that request then deadlock."""
    for page in context.pages:
        with contextlib.suppress(Exception):  # a page already closed or gone: nothing in flight
            page.wait_for_load_state("networkidle", timeout=5_000)
            page.goto("about:blank")  # its timers stop: nothing new is sent
    context.close()
