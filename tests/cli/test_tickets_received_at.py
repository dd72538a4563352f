"""`sladesk tickets create --received-at`: an instant the SLA calendars cannot hold is a
clear error, never an overflow traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_sladesk

SETUP = """
from datetime import date
from sladesk.directory.models import Contract, Customer, Person
acme = Customer.objects.create(code="acme", name="ACME")
Contract.objects.create(customer=acme, support_seats=1, starts_on=date(2020, 1, 1))
Person.objects.create(customer=acme, name="Alice", email="alice@acme.example", role="gestor", support_seat=True)
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("desk")
    env = {"SLADESK_DATA_DIR": str(data), "DATABASE_URL": ""}
    assert run_sladesk("migrate", "-v0", env=env).returncode == 0
    assert run_sladesk("manage", "shell", "-c", SETUP, env=env).returncode == 0
    assert (
        run_sladesk("staff", "add", "ana@vendor.example", "--name", "Ana", "--role", "agent", env=env).returncode == 0
    )
    return data


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("0001-01-01T00:00:00+00:00", "--received-at '0001-01-01T00:00:00+00:00' is before 2000"),
        ("0001-01-01T00:00:00", "--received-at '0001-01-01T00:00:00' is before 2000"),
        ("1999-12-31T23:59:59+00:00", "is before 2000: too long ago for a call logged late"),
        ("ontem", "is not an ISO 8601 instant"),
    ],
)
def test_it_refuses_an_instant_out_of_range_in_words(data: Path, when: str, message: str) -> None:
    args = [
        "tickets",
        "create",
        "--as",
        "ana@vendor.example",
        "--channel",
        "phone",
        "--requester",
        "alice@acme.example",
    ]
    env = {"SLADESK_DATA_DIR": str(data), "DATABASE_URL": ""}
    result = run_sladesk(*args, "--subject", "Fora do ar", "--received-at", when, env=env)
    err = result.stderr.decode()
    assert result.returncode == 1
    assert "Traceback" not in err
    assert message in err
