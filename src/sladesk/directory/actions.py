"""Every change to the directory: ``do_<verb>_<noun>()``, one transaction each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Lower

from sladesk.directory.audit import Received, record_import
from sladesk.directory.importer import ContractRecord, DirectoryImport, PersonRecord, check_import, parse_files
from sladesk.directory.models import Contract, Customer, ImportRun, Partner, Person, Store

CHUNK = 500  # keeps `IN (...)` lists well inside every database's limit on query parameters


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0

    def count(self, before: object, after: object) -> bool:
        """Count one record (before is None: new); True when it must be written."""
        if before is None:
            self.created += 1
        elif before != after:
            self.updated += 1
        else:
            self.unchanged += 1
        return before != after


@dataclass
class ImportReport:
    dry_run: bool
    customers: Tally = field(default_factory=Tally)
    people: Tally = field(default_factory=Tally)
    stores_created: int = 0
    partners_created: int = 0

    @property
    def changed(self) -> bool:
        c, p = self.customers, self.people
        return bool(c.created or c.updated or p.created or p.updated or p.deactivated)

    def lines(self) -> list[str]:
        c, p = self.customers, self.people
        return [
            f"customers: {c.created} created, {c.updated} updated, {c.unchanged} unchanged",
            f"people: {p.created} created, {p.updated} updated, {p.deactivated} deactivated, {p.unchanged} unchanged",
            f"stores: {self.stores_created} created",
            f"partners: {self.partners_created} created",
        ]


@dataclass
class ImportOutcome:
    """What one import did: refused (``report`` None, nothing written to the directory) or applied."""

    batch: DirectoryImport
    run: ImportRun
    report: ImportReport | None

    @property
    def problems(self) -> list[str]:
        return [str(problem) for problem in self.batch.problems]


def do_import_directory(received: Received, *, dry_run: bool = False) -> ImportOutcome:
    """Check the files as received and apply them, all or nothing, and record the run.

    The bytes are parsed first (no database). Then one transaction holds the checks against
    the database, the writing and the audit row, and other writers of the directory wait for
    it, so nothing changes between what was checked and what is written. An import with
    problems writes nothing to the directory and is recorded as rejected; a dry run checks and
    counts the same way and writes only its record.
    """
    batch = parse_files(received.files)
    with transaction.atomic():
        _lock_directory()
        check_import(batch)
        if batch.problems:
            problems = [str(problem) for problem in batch.problems]
            return ImportOutcome(batch, record_import(received, ImportRun.Outcome.REJECTED, problems, []), None)
        plan = _plan(batch, ImportReport(dry_run=dry_run))
        partners = _new_partners(batch, plan.report)
        stores = _new_stores(batch, plan.report)
        if not dry_run:
            _write(plan, partners, stores)
        outcome = ImportRun.Outcome.DRY_RUN if dry_run else ImportRun.Outcome.IMPORTED
        run = record_import(received, outcome, [], plan.report.lines())
    return ImportOutcome(batch, run, plan.report)


def _lock_directory() -> None:
    """Make every other writer of the directory (another import, the admin) wait for this
    transaction to end; readers go on. On SQLite a transaction that writes holds the
    database's write lock from its start (``transaction_mode`` IMMEDIATE): nothing to do."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table) for m in (Partner, Customer, Contract, Store, Person)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


@dataclass
class _Plan:
    """What differs between the files and the database, found before anything is written."""

    report: ImportReport
    customers: dict[str, Customer]  # by code, as they are now
    people: dict[str, Person]  # by email, as they are now
    contracts: list[ContractRecord] = field(default_factory=list)  # to write
    persons: list[PersonRecord] = field(default_factory=list)  # to write
    managers: list[PersonRecord] = field(default_factory=list)  # whose manager changes
    deactivate: list[int] = field(default_factory=list)  # person ids


def _plan(batch: DirectoryImport, report: ImportReport) -> _Plan:
    codes = {r.customer for r in batch.contracts} | {r.customer for r in batch.people}
    customers = Customer.objects.filter(code__in=codes).select_related("contract__partner")
    people = _people_by_email([r.email for r in batch.people])
    plan = _Plan(report, {c.code: c for c in customers}, people)
    for contract in batch.contracts:
        if report.customers.count(_contract_now(plan.customers.get(contract.customer)), _contract_wanted(contract)):
            plan.contracts.append(contract)
    for person in batch.people:
        _plan_person(plan, person)
    plan.deactivate = _absentees(batch)
    report.people.deactivated = len(plan.deactivate)
    return plan


def _plan_person(plan: _Plan, r: PersonRecord) -> None:
    person = plan.people.get(r.email)
    manager_now = (person.manager.email if person.manager else "") if person else None
    before = (_person_now(person), manager_now) if person else None
    if plan.report.people.count(before, (_person_wanted(r), r.manager_email)):
        plan.persons.append(r)
    if manager_now != r.manager_email and (person or r.manager_email):
        plan.managers.append(r)


def _contract_now(customer: Customer | None) -> tuple[Any, ...] | None:
    if customer is None:
        return None
    c: Contract | None = getattr(customer, "contract", None)
    if c is None:
        return (customer.name,)
    partner = c.partner.name.lower() if c.partner else ""
    flags = (c.oto, c.context, c.csm, c.partner_hours, c.training)
    return (customer.name, c.model, partner, c.support_seats, *flags, c.starts_on, c.ends_on)


def _contract_wanted(r: ContractRecord) -> tuple[Any, ...]:
    flags = (r.oto, r.context, r.csm, r.partner_hours, r.training)
    return (r.customer_name, r.model, r.partner.lower(), r.support_seats, *flags, r.starts_on, r.ends_on)


def _person_now(p: Person) -> tuple[Any, ...]:
    store = p.store.name if p.store else ""
    return (p.customer.code, store, p.name, p.phone, p.role, p.support_seat, p.is_active)


def _person_wanted(r: PersonRecord) -> tuple[Any, ...]:
    return (r.customer, r.store, r.name, r.phone, r.role, r.support_seat, True)


def _absentees(batch: DirectoryImport) -> list[int]:
    """Active people of the customers the people files speak for, missing from those files."""
    listed = set(batch.person_of)
    active = Person.objects.filter(customer__code__in=batch.covered, is_active=True).values_list("pk", "email")
    return [pk for pk, email in active if email.lower() not in listed]


def _new_partners(batch: DirectoryImport, report: ImportReport) -> list[str]:
    wanted = {r.partner.lower(): r.partner for r in reversed(batch.contracts) if r.partner}
    known = set(Partner.objects.annotate(lower_name=Lower("name")).values_list("lower_name", flat=True))
    new = [name for key, name in wanted.items() if key not in known]
    report.partners_created = len(new)
    return new


def _new_stores(batch: DirectoryImport, report: ImportReport) -> list[tuple[str, str]]:
    wanted = {(r.customer, r.store) for r in batch.people if r.store}
    codes = {code for code, _ in wanted}
    known = set(Store.objects.filter(customer__code__in=codes).values_list("customer__code", "name"))
    new = sorted(wanted - known)
    report.stores_created = len(new)
    return new


# Writing -------------------------------------------------------------------------------------


def _write(plan: _Plan, partners: list[str], stores: list[tuple[str, str]]) -> None:
    Partner.objects.bulk_create(Partner(name=name) for name in partners)
    for record in plan.contracts:
        _save_contract(plan, record)
    customers = plan.customers  # every customer the files name, new ones included by now
    Store.objects.bulk_create(Store(customer=customers[code], name=name) for code, name in stores)
    _save_people(plan, customers)
    _save_managers(plan)
    for ids in _chunks(plan.deactivate):
        Person.objects.filter(pk__in=ids).update(is_active=False, support_seat=False)


def _save_contract(plan: _Plan, r: ContractRecord) -> None:
    customer = plan.customers.get(r.customer) or Customer(code=r.customer)
    if customer.pk is None or customer.name != r.customer_name:
        customer.name = r.customer_name
        customer.save()
        plan.customers[r.customer] = customer
    partner = Partner.objects.filter(name__iexact=r.partner).order_by("pk").first() if r.partner else None
    values = {
        "model": r.model,
        "partner": partner,
        "support_seats": r.support_seats,
        "oto": r.oto,
        "context": r.context,
        "csm": r.csm,
        "partner_hours": r.partner_hours,
        "training": r.training,
        "starts_on": r.starts_on,
        "ends_on": r.ends_on,
    }
    Contract.objects.update_or_create(customer=customer, defaults=values)


def _save_people(plan: _Plan, customers: dict[str, Customer]) -> None:
    codes = {r.customer for r in plan.persons}
    stores = {(s.customer_id, s.name): s for s in Store.objects.filter(customer__code__in=codes)}
    for r in plan.persons:
        person = plan.people.get(r.email) or Person(email=r.email)
        person.customer = customers[r.customer]
        person.store = stores[(person.customer.pk, r.store)] if r.store else None
        person.name, person.phone, person.role = r.name, r.phone, r.role
        person.support_seat, person.is_active = r.support_seat, True
        person.save()
        plan.people[r.email] = person


def _save_managers(plan: _Plan) -> None:
    wanted = {r.manager_email for r in plan.managers} - {""}
    managers = {email: p.pk for email, p in plan.people.items() if email in wanted}
    managers |= {email: p.pk for email, p in _people_by_email(wanted - set(managers)).items()}
    for r in plan.managers:
        person = plan.people[r.email]
        person.manager_id = managers[r.manager_email] if r.manager_email else None
        person.save(update_fields=["manager"])


def _people_by_email(emails: Iterable[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for chunk in _chunks(sorted(set(emails))):
        people = Person.objects.annotate(lower_email=Lower("email")).filter(lower_email__in=chunk)
        found |= {p.email.lower(): p for p in people.select_related("customer", "store", "manager")}
    return found


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
