"""Directory CSV files for the tests, written into a temporary working directory so that
problems read as an operator sees them (``people.csv:3: role: ...``).

The personas: at Lojas Aurora (self-service, 2 seats) Alice the gestor holds a seat, Dora
the gestor does not, Carol manages the Centro store where Bob sells; at Móveis do Sul
(through a partner, 1 seat) Gabriela the gestor holds the seat and Igor sells."""

from __future__ import annotations

from pathlib import Path

import pytest

from sladesk.directory.actions import ImportReport, do_import_directory
from sladesk.directory.audit import receive_files
from sladesk.directory.fields import CONTRACT_COLUMNS, PEOPLE_COLUMNS
from sladesk.directory.models import Contract, Person

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

AURORA = "lojas-aurora,Lojas Aurora Ltda.,self_service,,2,oto;context,sim,não,sim,2026-01-01,"
MOVEIS = "moveis-do-sul,Móveis do Sul S.A.,partner,Parceira TechRS,1,oto,não,sim,não,2026-03-01,2027-02-28"
ALICE = "lojas-aurora,,Alice Andrade,alice@aurora.example,+55 51 99999-0001,gestor,sim,"
DORA = "lojas-aurora,,Dora Dias,dora@aurora.example,,gestor,não,"
CAROL = "lojas-aurora,Centro,Carol Costa,carol@aurora.example,,gerente,não,alice@aurora.example"
BOB = "lojas-aurora,Centro,Bob Barros,bob@aurora.example,+55 51 99999-0002,vendedor,não,carol@aurora.example"
GABRIELA = "moveis-do-sul,,Gabriela Gomes,gabriela@moveisdosul.example,,gestor,sim,"
IGOR = "moveis-do-sul,Caxias,Igor Ilha,igor@moveisdosul.example,,vendedor,não,"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings) -> Path:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    settings.DATA_DIR = tmp_path / "data"  # where each import keeps the files it received
    return tmp_path


def write(name: str, header: tuple[str, ...] | str, *rows: str) -> str:
    head = header if isinstance(header, str) else ",".join(header)
    Path(name).write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return name


def contracts(*rows: str, name: str = "contracts.csv") -> str:
    return write(name, CONTRACT_COLUMNS, *rows)


def people(*rows: str, name: str = "people.csv") -> str:
    return write(name, PEOPLE_COLUMNS, *rows)


def problems(*paths: str) -> list[str]:
    """What an import of these files finds wrong, checked as a dry run (nothing is written)."""
    return do_import_directory(receive_files(paths), dry_run=True).problems


def import_files(*paths: str | Path, dry_run: bool = False) -> ImportReport:
    outcome = do_import_directory(receive_files(paths), dry_run=dry_run)
    assert outcome.problems == []
    assert outcome.report is not None
    return outcome.report


def person(email: str) -> Person:
    return Person.objects.select_related("customer", "store", "manager").get(email=email)


def snapshot() -> dict[str, object]:
    """The directory by natural keys: what a round trip must reproduce."""
    contracts = {
        c.customer.code: (
            c.customer.name,
            c.model,
            c.partner.name if c.partner else "",
            c.support_seats,
            c.platforms,
            sorted(c.extras),
            c.starts_on,
            c.ends_on,
        )
        for c in Contract.objects.select_related("customer", "partner")
    }
    active = {
        p.email: (
            p.customer.code,
            p.store.name if p.store else "",
            p.name,
            p.phone,
            p.phone_digits,
            p.role,
            p.support_seat,
            p.manager.email if p.manager and p.manager.is_active else "",
        )
        for p in Person.objects.filter(is_active=True).select_related("customer", "store", "manager")
    }
    return {"contracts": contracts, "people": active}
