"""`sladesk up` loads the demo on its first run against an empty database, and only then."""

from __future__ import annotations

from typing import Any

import pytest

from sladesk.directory.models import Customer
from sladesk.ops.management.commands.up import Command
from sladesk.staff.actions import do_save_staff
from sladesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def prepare(**options: Any) -> list[str]:
    return Command()._prepare({"no_demo": False, **options})


def test_it_loads_the_demo_on_an_empty_database_and_prints_the_logins() -> None:
    lines = prepare()
    assert Customer.objects.filter(is_demo=True).count() == 2
    assert Ticket.objects.exists()
    text = "\n".join(lines)
    assert "demo data loaded" in text and "--no-demo" in text
    assert "supervisor@demo.sladesk" in text and "demo-supervisor" in text


def test_it_loads_nothing_on_the_second_run() -> None:
    prepare()
    tickets = Ticket.objects.count()
    assert prepare() == []
    assert Ticket.objects.count() == tickets


def test_it_loads_nothing_with_no_demo() -> None:
    assert prepare(no_demo=True) == []
    assert not Customer.objects.exists()


def test_it_loads_nothing_when_customers_are_there_already() -> None:
    Customer.objects.create(code="acme", name="ACME")
    assert prepare() == []
    assert list(Customer.objects.values_list("code", flat=True)) == ["acme"]


def test_it_loads_nothing_beside_a_real_staff_account() -> None:
    do_save_staff(email="sofia@vendor.example", name="Sofia", role="supervisor")
    assert prepare() == []
    assert not Customer.objects.exists()
