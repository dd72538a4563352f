"""The directory as the two CSV files that ``sladesk directory import`` reads back.

Only active people are written; a customer without a contract has no row to go in
and is reported as skipped (with its people, whose customer would be unknown).
A cell a spreadsheet would run as a formula is written behind a ``'`` (``fields.neutralise``),
which the import takes away again.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sladesk.directory import fields
from sladesk.directory.models import Contract, Customer, Person


@dataclass(frozen=True)
class ExportSummary:
    customers: int
    people: int
    skipped: list[str]  # codes of customers without a contract


def export_directory(directory: Path) -> ExportSummary:
    """Write contracts.csv and people.csv into ``directory`` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    contracts = Contract.objects.select_related("customer", "partner").order_by("customer__code")
    people = list(
        Person.objects.filter(is_active=True, customer__contract__isnull=False)
        .select_related("customer", "store", "manager")
        .order_by("customer__code", "name", "email")
    )
    exported = {p.email for p in people}
    n_contracts = _write_csv(directory / "contracts.csv", fields.CONTRACT_COLUMNS, map(_contract_row, contracts))
    _write_csv(directory / "people.csv", fields.PEOPLE_COLUMNS, (_person_row(p, exported) for p in people))
    skipped = Customer.objects.filter(contract__isnull=True).order_by("code").values_list("code", flat=True)
    return ExportSummary(n_contracts, len(people), list(skipped))


def _contract_row(c: Contract) -> list[str]:
    return [
        c.customer.code,
        c.customer.name,
        c.model,
        c.partner.name if c.partner else "",
        str(c.support_seats),
        fields.write_platforms(c.oto, c.context),
        *(fields.write_yes_no(flag) for flag in (c.csm, c.partner_hours, c.training)),
        c.starts_on.isoformat(),
        c.ends_on.isoformat() if c.ends_on else "",
    ]


def _person_row(p: Person, exported: set[str]) -> list[str]:
    """A manager who is not exported (inactive, or of a customer without a contract) is left out."""
    manager = p.manager.email if p.manager and p.manager.email in exported else ""
    store = p.store.name if p.store else ""
    return [p.customer.code, store, p.name, p.email, p.phone, p.role, fields.write_yes_no(p.support_seat), manager]


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[list[str]]) -> int:
    """Write through a temporary file, so that a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    n = 0
    with partial.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([fields.neutralise(cell) for cell in row])
            n += 1
    partial.replace(path)
    return n
