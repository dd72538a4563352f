"""Every change to the directory: ``do_<verb>_<noun>()``, one transaction each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models.functions import Lower

from sladesk.directory.audit import Received, record_import
from sladesk.directory.importer import ContractRecord, DirectoryImport, PersonRecord, check_import, parse_files
from sladesk.directory.models import Contract, Customer, ImportRun, Partner, Person, Store, digits, name_key

CHUNK = 500  # rows per statement (or `IN (...)` list): a few queries per chunk, none per row
ANALYZE_AFTER = 1000  # people created


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


@dataclass(frozen=True, slots=True)
class Move:
    """A person whose row names another customer than the one they belong to."""

    email: str
    before: str  # customer code
    after: str

    def __str__(self) -> str:
        return f"{self.email} moves from customer '{self.before}' to '{self.after}'"


@dataclass
class ImportReport:
    dry_run: bool
    customers: Tally = field(default_factory=Tally)
    people: Tally = field(default_factory=Tally)
    stores_created: int = 0
    partners_created: int = 0
    moves: list[Move] = field(default_factory=list)  # counted in people.updated too

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
            f"moves: {len(self.moves)} person(s) to another customer",
            *(f"  {move}" for move in self.moves),
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
    try:
        outcome = _check_and_write(received, batch, dry_run)
    except DatabaseError as exc:
        # Nothing was written (the transaction rolled back); the run is recorded as failed, in
        # a transaction of its own, and the caller gets the database's words, not a traceback.
        message = f"the database refused the import, nothing was written: {type(exc).__name__}: {exc}".strip()
        run = record_import(received, ImportRun.Outcome.FAILED, [message], [])
        raise ImportFailed(message, run) from exc
    if outcome.report is not None and not dry_run:
        _vacuum_after(outcome.report)
    return outcome


def _vacuum_after(report: ImportReport) -> None:
    """After a large import on PostgreSQL, VACUUM the people's table (outside any transaction).

    It marks the pages just written all-visible, so that counting a customer's people and
    reading its 500th page are index-only scans, not 100,000 visits of the table (66 ms ->
    6 ms for that page's rows); autovacuum would do it later, if it is on."""
    p = report.people
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    if p.created + p.updated + p.deactivated < ANALYZE_AFTER:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {_table(Person)}")


class ImportFailed(Exception):
    """The database refused what the checks let through; the run is recorded as failed."""

    def __init__(self, message: str, run: ImportRun) -> None:
        super().__init__(message)
        self.run = run


def _check_and_write(received: Received, batch: DirectoryImport, dry_run: bool) -> ImportOutcome:
    with transaction.atomic():
        _lock_directory()
        check_import(batch)
        plan = None if batch.problems else _plan(batch, ImportReport(dry_run=dry_run))
        if plan is None or batch.problems:  # planning finds what only the people's rows in the database show
            batch.sort_problems()
            problems = [str(problem) for problem in batch.problems]
            return ImportOutcome(batch, record_import(received, ImportRun.Outcome.REJECTED, problems, []), None)
        if not dry_run:
            _write(plan)
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


# Planning: what differs between the files and the database -----------------------------------


@dataclass(frozen=True, slots=True)
class _Known:
    """A person of the files who is in the database already, as the import compares them."""

    pk: int
    state: tuple[Any, ...]  # as _person_wanted
    manager_email: str


@dataclass
class _Plan:
    """What differs between the files and the database, found before anything is written."""

    report: ImportReport
    customers: dict[str, Customer]  # by code, as they are now (with contract and partner)
    people: dict[str, _Known]  # by email, as they are now
    contracts: list[ContractRecord] = field(default_factory=list)  # to write
    persons: list[PersonRecord] = field(default_factory=list)  # to write (new, changed or another manager)
    deactivate: list[int] = field(default_factory=list)  # person ids
    partners: dict[str, int] = field(default_factory=dict)  # pk by name_key, as they are now
    new_partners: list[str] = field(default_factory=list)
    stores: dict[tuple[str, str], int] = field(default_factory=dict)  # pk by (customer code, name)
    new_stores: list[tuple[str, str]] = field(default_factory=list)


def _plan(batch: DirectoryImport, report: ImportReport) -> _Plan:
    codes = {r.customer for r in batch.contracts} | {r.customer for r in batch.people}
    plan = _Plan(report, _customers_by_code(codes), _people_by_email(r.email for r in batch.people))
    for contract in batch.contracts:
        if report.customers.count(_contract_now(plan.customers.get(contract.customer)), _contract_wanted(contract)):
            plan.contracts.append(contract)
    for person in batch.people:
        known = plan.people.get(person.email)
        before = (known.state, known.manager_email) if known else None
        if report.people.count(before, (_person_wanted(person), person.manager_email)):
            plan.persons.append(person)
        if known and known.state[0] != person.customer:
            report.moves.append(Move(person.email, known.state[0], person.customer))
    _check_moves(batch, plan)
    plan.deactivate = _absentees(batch)
    report.people.deactivated = len(plan.deactivate)
    _plan_partners(batch, plan)
    _plan_stores(batch, plan)
    return plan


def _check_moves(batch: DirectoryImport, plan: _Plan) -> None:
    """A person who moves may not stay the manager of people left behind in their old customer
    (people the files do not list, so whose manager the import would not change)."""
    movers = {plan.people[m.email].pk: m for m in plan.report.moves}
    if not movers:
        return
    left: dict[int, list[str]] = {}
    covered = batch.covered  # whoever of these customers the files leave out is deactivated
    for ids in _chunks(sorted(movers)):
        reports = Person.objects.filter(manager_id__in=ids, is_active=True).order_by("email")
        for manager_id, email, code in reports.values_list("manager_id", "email", "customer__code"):
            if email.lower() not in batch.person_of and code not in covered:
                left.setdefault(manager_id, []).append(email)
    for pk, emails in left.items():
        move = movers[pk]
        record = batch.person_of[move.email]
        names = ", ".join(emails[:5]) + (f" and {len(emails) - 5} more" if len(emails) > 5 else "")
        message = (
            f"'{move.email}' moves from customer '{move.before}' to '{move.after}' but still manages "
            f"{len(emails)} person(s) of '{move.before}' not in the people files ({names}): "
            "list them with their new manager, or leave the person where they are"
        )
        batch.fail(record, "customer", message)


def _contract_now(customer: Customer | None) -> tuple[Any, ...] | None:
    if customer is None:
        return None
    c: Contract | None = getattr(customer, "contract", None)
    if c is None:
        return (customer.name,)
    partner = c.partner.name_key if c.partner else ""
    flags = (c.oto, c.context, c.csm, c.partner_hours, c.training)
    return (customer.name, c.model, partner, c.support_seats, *flags, c.starts_on, c.ends_on)


def _contract_wanted(r: ContractRecord) -> tuple[Any, ...]:
    flags = (r.oto, r.context, r.csm, r.partner_hours, r.training)
    return (r.customer_name, r.model, name_key(r.partner), r.support_seats, *flags, r.starts_on, r.ends_on)


def _person_wanted(r: PersonRecord) -> tuple[Any, ...]:
    return (r.customer, r.store, r.name, r.phone, r.role, r.support_seat, True)


def _customers_by_code(codes: Iterable[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for chunk in _chunks(sorted(set(codes))):
        found |= {c.code: c for c in Customer.objects.filter(code__in=chunk).select_related("contract__partner")}
    return found


def _people_by_email(emails: Iterable[str]) -> dict[str, _Known]:
    found: dict[str, _Known] = {}
    columns = ("pk", "lower_email", "customer__code", "store__name", "name", "phone", "role", "support_seat")
    for chunk in _chunks(sorted(set(emails))):
        people = Person.objects.annotate(lower_email=Lower("email")).filter(lower_email__in=chunk).order_by()
        for pk, email, code, store, *rest, active, manager in people.values_list(
            *columns, "is_active", "manager__email"
        ):
            found[email] = _Known(pk, (code, store or "", *rest, active), (manager or "").lower())
    return found


def _absentees(batch: DirectoryImport) -> list[int]:
    """Active people of the customers the people files speak for, missing from those files."""
    listed = set(batch.person_of)
    active = (
        Person.objects.filter(customer__code__in=batch.covered, is_active=True).order_by().values_list("pk", "email")
    )
    return [pk for pk, email in active if email.lower() not in listed]


def _plan_partners(batch: DirectoryImport, plan: _Plan) -> None:
    # the oldest of two names that differ only in case wins, as Partner.objects.named finds it first
    wanted = {name_key(r.partner): r.partner for r in reversed(batch.contracts) if r.partner}
    known = Partner.objects.filter(name_key__in=list(wanted)).order_by("-pk").values_list("pk", "name_key")
    plan.partners = {key: pk for pk, key in known}
    plan.new_partners = [name for key, name in wanted.items() if key not in plan.partners]
    plan.report.partners_created = len(plan.new_partners)


def _plan_stores(batch: DirectoryImport, plan: _Plan) -> None:
    wanted = {(r.customer, r.store) for r in batch.people if r.store}
    for chunk in _chunks(sorted({code for code, _ in wanted})):
        stores = Store.objects.filter(customer__code__in=chunk).values_list("customer__code", "name", "pk")
        plan.stores |= {(code, name): pk for code, name, pk in stores}
    plan.new_stores = sorted(wanted - set(plan.stores))
    plan.report.stores_created = len(plan.new_stores)


# Writing, a few statements per chunk of rows --------------------------------------------------

CONTRACT_FIELDS = [
    "model",
    "partner",
    "support_seats",
    "oto",
    "context",
    "csm",
    "partner_hours",
    "training",
    "starts_on",
    "ends_on",
]


def _write(plan: _Plan) -> None:
    _save_partners(plan)
    customers = _save_customers(plan)
    _save_stores(plan, customers)
    _save_people(plan, customers)
    for ids in _chunks(plan.deactivate):
        Person.objects.filter(pk__in=ids).update(is_active=False, support_seat=False)
    if connection.vendor == "postgresql" and plan.report.people.created >= ANALYZE_AFTER:
        # As PostgreSQL's manual advises after loading a table: without statistics of its new
        # size the next import looks each chunk of emails up by scanning the whole table
        # (autovacuum would analyze it, later, if it is on).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_table(Person)}")


def _save_partners(plan: _Plan) -> None:
    # bulk_create sets the primary keys (RETURNING: PostgreSQL, SQLite 3.35 and later)
    new = [Partner(name=name, name_key=name_key(name)) for name in plan.new_partners]
    created = Partner.objects.bulk_create(new, batch_size=CHUNK)
    plan.partners |= {p.name_key: p.pk for p in created}


def _save_customers(plan: _Plan) -> dict[str, int]:
    """Customers and contracts of the contracts to write; returns every named customer's pk by code."""
    new: list[Customer] = []
    renamed: list[Customer] = []
    for r in plan.contracts:
        customer = plan.customers.get(r.customer)
        if customer is None:
            new.append(Customer(code=r.customer, name=r.customer_name))
        elif customer.name != r.customer_name:
            customer.name = r.customer_name
            renamed.append(customer)
    Customer.objects.bulk_create(new, batch_size=CHUNK)
    Customer.objects.bulk_update(renamed, ["name"], batch_size=CHUNK)
    plan.customers |= {c.code: c for c in new}
    fresh = {c.code for c in new}
    created: list[Contract] = []
    changed: list[Contract] = []
    for r in plan.contracts:
        customer = plan.customers[r.customer]
        contract: Contract | None = None if r.customer in fresh else getattr(customer, "contract", None)
        values = {name: getattr(r, name) for name in CONTRACT_FIELDS if name != "partner"}
        values["partner_id"] = plan.partners[name_key(r.partner)] if r.partner else None
        if contract is None:
            created.append(Contract(customer=customer, **values))
        else:
            for name, value in values.items():
                setattr(contract, name, value)
            changed.append(contract)
    Contract.objects.bulk_create(created, batch_size=CHUNK)
    Contract.objects.bulk_update(changed, CONTRACT_FIELDS, batch_size=CHUNK)
    return {code: c.pk for code, c in plan.customers.items()}


def _save_stores(plan: _Plan, customers: dict[str, int]) -> None:
    new = [Store(customer_id=customers[code], name=name) for code, name in plan.new_stores]
    Store.objects.bulk_create(new, batch_size=CHUNK)
    plan.stores |= {key: store.pk for key, store in zip(plan.new_stores, new, strict=True)}


def _save_people(plan: _Plan, customers: dict[str, int]) -> None:
    """New people first, managers before the people they manage, so that nearly every manager
    has a pk when a person is written; the few left (a manager in the same chunk, a circle of
    managers) get theirs in a last pass. Then the people who change, managers and all."""
    ids = {email: known.pk for email, known in plan.people.items()}
    new = [r for r in plan.persons if r.email not in ids]
    outside = {r.manager_email for r in plan.persons} - set(ids) - {r.email for r in new} - {""}
    ids |= _pks_by_email(outside)
    late: list[PersonRecord] = []
    for chunk in _chunks(_managers_first(new), _rows_per_statement(len(PERSON_FIELDS))):
        rows = [_person_row(plan, customers, r, ids.get(r.manager_email)) for r in chunk]
        ids |= _insert(Person, PERSON_FIELDS, rows, key="email")
        late += [r for r, row in zip(chunk, rows, strict=True) if r.manager_email and row[-1] is None]
    changed = [r for r in plan.persons if r.email in plan.people]
    _update(
        Person,
        PERSON_FIELDS,
        [(ids[r.email], *_person_row(plan, customers, r, ids.get(r.manager_email))) for r in changed],
    )
    _update(Person, ["manager"], [(ids[r.email], ids[r.manager_email]) for r in late])


PERSON_FIELDS = [
    "customer",
    "store",
    "name",
    "email",
    "phone",
    "phone_digits",
    "role",
    "support_seat",
    "is_active",
    "manager",  # last: _save_people looks at it
]


def _person_row(plan: _Plan, customers: dict[str, int], r: PersonRecord, manager_id: int | None) -> tuple[Any, ...]:
    """A person's PERSON_FIELDS; as Person.save() would, the email lower-case and the phone's digits."""
    store = plan.stores[(r.customer, r.store)] if r.store else None
    row = (customers[r.customer], store, r.name, r.email, r.phone, digits(r.phone), r.role, r.support_seat, True)
    return (*row, manager_id)


# People are written by statements made here: one per chunk of rows, with no model instance
# per row. Django's bulk_update writes a CASE per field and per row, and took minutes for
# 100,000 people; its bulk_create spends most of its time preparing each value.


def _insert(model: type[models.Model], fields: list[str], rows: list[tuple[Any, ...]], key: str) -> dict[Any, int]:
    """INSERT the rows in one statement; the new primary keys by their value of field ``key``.

    RETURNING: PostgreSQL, and SQLite from 3.35."""
    if not rows:
        return {}
    columns = ", ".join(_column(model, name)[0] for name in fields)
    source, names, params = _rows_as_table(model, fields, rows)
    returning = f"{_column(model, 'pk')[0]}, {_column(model, key)[0]}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(model)} ({columns}) SELECT {', '.join(names)} FROM {source} "  # noqa: S608
            f"RETURNING {returning}",
            params,
        )
        return {found: pk for pk, found in cursor.fetchall()}


def _update(model: type[models.Model], fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE the rows, each ``(pk, *values of fields)``, one statement per chunk:
    ``UPDATE ... FROM`` (PostgreSQL; SQLite from 3.33)."""
    table, pk = _table(model), _column(model, "pk")[0]
    for chunk in _chunks(rows, _rows_per_statement(len(fields) + 1)):
        source, (row_pk, *names), params = _rows_as_table(model, ["pk", *fields], chunk)
        sets = ", ".join(f"{_column(model, name)[0]} = {value}" for name, value in zip(fields, names, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {sets} FROM {source} WHERE {table}.{pk} = {row_pk}", params)  # noqa: S608


def _rows_as_table(
    model: type[models.Model], fields: list[str], rows: list[tuple[Any, ...]]
) -> tuple[str, list[str], list[Any]]:
    """The rows as a table to select from: its SQL, its columns' names and the parameters.

    PostgreSQL: UNNEST of one typed array per column, as Django's bulk_create does (one
    parameter per column: the statement stays short, and a column of NULLs has its type).
    SQLite: VALUES, one parameter per value."""
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{_column(model, name)[1]}[]" for name in fields)
        aliases = [f"c{i}" for i in range(len(fields))]
        columns = [list(column) for column in zip(*rows, strict=True)]
        return f"UNNEST({arrays}) AS v({', '.join(aliases)})", [f"v.{a}" for a in aliases], columns
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    names = [f"v.column{i}" for i in range(1, len(fields) + 1)]
    return f"(VALUES {values}) AS v", names, [value for row in rows for value in row]


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[models.Model], name: str) -> tuple[str, str]:
    """A field's column, quoted, and its type in this database."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    db_type = field.rel_db_type(connection) if field.primary_key else field.db_type(connection)  # not serial
    return connection.ops.quote_name(field.column), str(db_type)


def _rows_per_statement(width: int) -> int:
    """At most CHUNK rows, and no more query parameters than the database takes: SQLite says
    how many (32,766 by default since 3.32; Django assumes the older 999)."""
    if connection.vendor != "sqlite":
        return CHUNK  # one parameter per column
    connection.ensure_connection()
    limit: int = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(CHUNK, limit // width))


def _managers_first(records: list[PersonRecord]) -> list[PersonRecord]:
    """The records ordered by how many managers above them are also among them (stable)."""
    manager = {r.email: r.manager_email for r in records}
    depth: dict[str, int] = {}
    for r in records:
        chain, seen, email = [], set(), r.email
        while email in manager and email not in depth and email not in seen:  # up to a known one or a circle
            chain.append(email)
            seen.add(email)
            email = manager[email]
        level = depth.get(email, -1)
        for email in reversed(chain):
            level += 1
            depth[email] = level
    return sorted(records, key=lambda r: depth[r.email])


def _pks_by_email(emails: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(emails))):
        people = Person.objects.annotate(lower_email=Lower("email")).filter(lower_email__in=chunk).order_by()
        found |= dict(people.values_list("lower_email", "pk"))
    return found


def _chunks(items: list[Any], size: int | None = None) -> Iterator[list[Any]]:
    step = size or CHUNK
    for start in range(0, len(items), step):
        yield items[start : start + step]
