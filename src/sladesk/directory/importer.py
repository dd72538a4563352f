"""Directory CSV files -> validated records, every problem named by file, line and column.

A file is recognised by its header (``fields.HEADERS``). ``parse_files`` reads the
bytes as received (``audit.receive_files``), never a path, and touches no database;
``check_import`` reads the database (which customers and people exist already) but
never writes to it. ``actions.do_import_directory`` calls it inside the transaction
that writes, so what was checked is what the writing finds.

When a call has a people file, the people files list *all* the people of every
customer in the call (named in its contracts or its people files): whoever of
those customers is missing from them is deactivated. A call with contracts only
leaves people alone.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from django.db.models import Count
from django.db.models.functions import Lower

from sladesk.directory import fields
from sladesk.directory.audit import ReceivedFile
from sladesk.directory.models import Contract, Customer, Person

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int  # 0: the file as a whole
    column: str  # "": the row as a whole
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ContractRecord:
    """One row of a contracts file: a customer and its contract."""

    file: str
    line: int
    customer: str
    customer_name: str
    model: str
    partner: str
    support_seats: int
    oto: bool
    context: bool
    csm: bool
    partner_hours: bool
    training: bool
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One row of a people file (email lower-case)."""

    file: str
    line: int
    customer: str
    store: str
    name: str
    email: str
    phone: str
    role: str
    support_seat: bool
    manager_email: str


@dataclass
class DirectoryImport:
    """Everything the files say, and every problem found. Importable only without problems."""

    given: list[str] = field(default_factory=list)  # the files' names, in the order given
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (name, kind, data rows) of those read
    contracts: list[ContractRecord] = field(default_factory=list)
    people: list[PersonRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    contract_of: dict[str, ContractRecord] = field(default_factory=dict)  # by customer code
    person_of: dict[str, PersonRecord] = field(default_factory=dict)  # by email

    @property
    def has_people(self) -> bool:
        return any(kind == "people" for _, kind, _ in self.files)

    @property
    def covered(self) -> set[str]:
        """Customer codes whose people the people files list in full."""
        if not self.has_people:
            return set()
        return {r.customer for r in self.contracts} | {r.customer for r in self.people}

    def fail(self, record: ContractRecord | PersonRecord, column: str, message: str) -> None:
        self.problems.append(Problem(record.file, record.line, column, message))

    def sort_problems(self) -> None:
        """By file (as given), line and column (as in the header)."""
        order = {name: i for i, name in reversed(list(enumerate(self.given)))}
        self.problems.sort(key=lambda p: (order.get(p.file, -1), p.line, _COLUMN_ORDER.get(p.column, -1)))


def parse_files(files: Sequence[ReceivedFile]) -> DirectoryImport:
    """Every file's records and the problems found in the files themselves; no database."""
    batch = DirectoryImport(given=[f.name for f in files])
    for received in files:
        _read_file(received, batch)
    batch.sort_problems()
    return batch


def check_import(batch: DirectoryImport) -> None:
    """Add the problems that the database shows (reads only; call it in the transaction that writes)."""
    _check_against_directory(batch, _Directory.load(batch))
    batch.sort_problems()


_COLUMN_ORDER = {column: i for columns in fields.HEADERS.values() for i, column in enumerate(columns)}


# Reading files -------------------------------------------------------------------------------


def _read_file(received: ReceivedFile, batch: DirectoryImport) -> None:
    path = received.name
    rows, suspect = _csv_rows(received, batch.problems)
    if not rows:
        return
    (header_line, header), *data = rows
    columns = [name.strip().lower() for name in header]
    if suspect and any(map(fields.control_character, columns)):
        columns = [repr(name)[1:-1] for name in columns]  # said with escapes, never as they are
    kind = _kind(columns)
    if kind is None:
        batch.problems.append(Problem(path, header_line, "header", _unknown_header(columns)))
        return
    for line, cells in data:
        if len(cells) != len(columns):
            message = f"{len(cells)} columns, expected {len(columns)} as in the header"
            batch.problems.append(Problem(path, line, "", message))
            continue
        values = dict(zip(columns, (fields.unneutralise(cell.strip()) for cell in cells), strict=True))
        row = _Row(path, line, values, batch.problems)
        if suspect:
            row.refuse_control_characters()
        if kind == "contracts":
            _add_contract(batch, _contract(row))
        else:
            _add_person(batch, _person(row))
    batch.files.append((path, kind, len(data)))


def _csv_rows(received: ReceivedFile, problems: list[Problem]) -> tuple[list[tuple[int, list[str]]], bool]:
    """The non-blank rows of a CSV file with the line each starts on ([] after a problem), and
    whether its cells may hold control characters (then each cell is looked at)."""
    path, raw = received.name, received.data
    if raw is None:
        problems.append(Problem(path, 0, "", f"cannot read the file ({received.error})"))
        return [], False
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(path, raw[: exc.start].count(b"\n") + 1, "", "is not UTF-8 text"))
        return [], False
    # one search of the whole text; a line end inside a quoted cell is found by the row's lines
    suspect = fields.has_control(text)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, start = [], 1
    try:
        for cells in reader:
            if "".join(cells).strip():  # not a blank row
                rows.append((start, cells))
                suspect = suspect or reader.line_num != start
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(path, start, "", f"malformed CSV ({exc})"))
        return [], False
    if not rows:
        problems.append(Problem(path, 0, "", "is empty (expected a header row)"))
    return rows, suspect


def _kind(columns: list[str]) -> str | None:
    return next((kind for kind, names in fields.HEADERS.items() if sorted(columns) == sorted(names)), None)


def _unknown_header(columns: list[str]) -> str:
    closest = max(fields.HEADERS, key=lambda kind: len(set(columns) & set(fields.HEADERS[kind])))
    expected = fields.HEADERS[closest] if set(columns) & set(fields.HEADERS[closest]) else ()
    details = [
        f"{label} {', '.join(names)}"
        for label, names in (
            ("unknown column(s):", [c for c in columns if c not in expected]),
            (f"missing for {closest}:", [c for c in expected if c not in columns]),
            ("repeated:", sorted({c for c in columns if columns.count(c) > 1})),
        )
        if names
    ]
    recognised = "; ".join(f"{kind}: {','.join(names)}" for kind, names in fields.HEADERS.items())
    return f"not a recognised header ({'; '.join(details)}); the recognised headers are {recognised}"


class _Row:
    """One data row: reads its cells, noting each problem with file, line and column."""

    def __init__(self, file: str, line: int, cells: dict[str, str], problems: list[Problem]) -> None:
        self.file, self.line, self.cells, self.problems = file, line, cells, problems
        self.bad: set[str] = set()

    def refuse_control_characters(self) -> None:
        """A cell with a control character is a problem, and is then read as empty (its text
        never goes into a message: PostgreSQL cannot store a NUL, not even in the run's record)."""
        for column, cell in self.cells.items():
            found = fields.control_character(cell)
            if found:
                self.fail(column, f"holds a control character ({found}), which no cell may hold")
                self.bad.add(column)

    def read(self, column: str, reader: Callable[[str], T], default: T) -> T:
        if column in self.bad:
            return default
        try:
            return reader(self.cells[column])
        except ValueError as exc:
            self.fail(column, str(exc))
            return default

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, column, message))


# Rows -> records -----------------------------------------------------------------------------

# The cell readers, made once (a file may have 100,000 rows).
_CODE = fields.code
_NAME = fields.text(200)
_OPTIONAL_NAME = fields.text(200, required=False)
_PHONE = fields.text(40, required=False)
_MODEL = fields.choice(Contract.Model.values)
_ROLE = fields.choice(Person.Role.values)


def _contract(row: _Row) -> ContractRecord:
    oto, context = row.read("platforms", fields.platforms, (True, False))
    record = ContractRecord(
        row.file,
        row.line,
        customer=row.read("customer", _CODE, ""),
        customer_name=row.read("customer_name", _NAME, ""),
        model=row.read("model", _MODEL, ""),
        partner=row.read("partner", _OPTIONAL_NAME, ""),
        # a bad cell reads as "enough seats", so that it is not also reported as too few
        support_seats=row.read("support_seats", fields.count, fields.MAX_SEATS),
        oto=oto,
        context=context,
        csm=row.read("csm", fields.yes_no, False),
        partner_hours=row.read("partner_hours", fields.yes_no, False),
        training=row.read("training", fields.yes_no, False),
        starts_on=row.read("starts_on", fields.iso_date, date.min),
        ends_on=row.read("ends_on", fields.optional_date, None),
    )
    _check_contract(row, record)
    return record


def _check_contract(row: _Row, r: ContractRecord) -> None:
    if r.model == Contract.Model.PARTNER and not r.partner:
        row.fail("partner", "is required for model partner (the partner company's name)")
    if r.model == Contract.Model.SELF_SERVICE and r.partner:
        row.fail("partner", f"must be empty for model self_service (found '{r.partner}')")
    if r.ends_on and r.starts_on != date.min and r.ends_on < r.starts_on:
        row.fail("ends_on", f"'{r.ends_on}' is before starts_on '{r.starts_on}'")


def _person(row: _Row) -> PersonRecord:
    record = PersonRecord(
        row.file,
        row.line,
        customer=row.read("customer", _CODE, ""),
        store=row.read("store", _OPTIONAL_NAME, ""),
        name=row.read("name", _NAME, ""),
        email=row.read("email", fields.email, ""),
        phone=row.read("phone", _PHONE, ""),
        role=row.read("role", _ROLE, ""),
        support_seat=row.read("support_seat", fields.yes_no, False),
        manager_email=row.read("manager_email", fields.optional_email, ""),
    )
    _check_person(row, record)
    return record


def _check_person(row: _Row, r: PersonRecord) -> None:
    if r.role in (Person.Role.VENDEDOR, Person.Role.GERENTE) and not r.store:
        row.fail("store", f"is required for a {r.role}")
    if r.support_seat and r.role and r.role != Person.Role.GESTOR:
        row.fail("support_seat", f"only a gestor may hold a support seat (this person is a {r.role})")
    if r.manager_email and r.manager_email == r.email:
        row.fail("manager_email", "a person cannot be their own manager")


def _add_contract(batch: DirectoryImport, record: ContractRecord) -> None:
    first = batch.contract_of.setdefault(record.customer, record) if record.customer else record
    if first is not record:
        batch.fail(record, "customer", f"'{record.customer}' already has a contract on {first.file}:{first.line}")
    batch.contracts.append(record)


def _add_person(batch: DirectoryImport, record: PersonRecord) -> None:
    first = batch.person_of.setdefault(record.email, record) if record.email else record
    if first is not record:
        batch.fail(record, "email", f"'{record.email}' is already used on {first.file}:{first.line}")
    batch.people.append(record)


# Records against the database ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Directory:
    """What the database holds that the files refer to."""

    seats: dict[str, int | None]  # customer code -> its contract's seats (None: no contract)
    people: dict[str, tuple[str, bool]]  # email -> (customer code, active): managers not in the files
    seat_holders: dict[str, int]  # customer code -> active seat holders (for a call without people)

    @classmethod
    def load(cls, batch: DirectoryImport) -> _Directory:
        codes = {r.customer for r in batch.people} | set(batch.contract_of)
        managers = {r.manager_email for r in batch.people} - set(batch.person_of) - {""}
        holders = (
            Person.objects.filter(customer__code__in=batch.contract_of, is_active=True, support_seat=True)
            .values_list("customer__code")
            .annotate(n=Count("pk"))
        )
        people = (
            Person.objects.annotate(lower_email=Lower("email"))
            .filter(lower_email__in=managers)
            .values_list("lower_email", "customer__code", "is_active")
        )
        return cls(
            seats=dict(Customer.objects.filter(code__in=codes).values_list("code", "contract__support_seats")),
            people={email: (code, active) for email, code, active in people},
            seat_holders=dict(holders) if not batch.has_people and batch.contract_of else {},
        )


def _check_against_directory(batch: DirectoryImport, db: _Directory) -> None:
    covered = batch.covered
    for record in batch.people:
        if record.customer and record.customer not in batch.contract_of and record.customer not in db.seats:
            where = "not in the contracts files given nor in the database"
            batch.fail(record, "customer", f"unknown customer '{record.customer}' ({where})")
        _check_manager(batch, db, covered, record)
    if batch.has_people:
        _check_seat_holders(batch, db)
    else:
        _check_seats_left(batch, db)


def _check_manager(batch: DirectoryImport, db: _Directory, covered: set[str], record: PersonRecord) -> None:
    """A manager is listed in the files or active in the database (and stays so), and is a
    person of the same customer."""
    email = record.manager_email
    if not email:
        return
    listed = batch.person_of.get(email)
    found = db.people.get(email)
    if listed is not None:
        code = listed.customer
    elif found is None:
        batch.fail(record, "manager_email", f"'{email}' matches nobody in the people files or the database")
        return
    elif not found[1]:
        batch.fail(record, "manager_email", f"'{email}' is a deactivated person")
        return
    elif found[0] in covered:
        message = f"'{email}' is missing from the people files, so this import deactivates them"
        batch.fail(record, "manager_email", message)
        return
    else:
        code = found[0]
    if code and record.customer and code != record.customer:
        message = (
            f"'{email}' is a person of customer '{code}', not of '{record.customer}' (a manager is of the same one)"
        )
        batch.fail(record, "manager_email", message)


def _check_seat_holders(batch: DirectoryImport, db: _Directory) -> None:
    holders: dict[str, list[PersonRecord]] = defaultdict(list)
    for record in batch.people:
        if record.support_seat and record.role == Person.Role.GESTOR and record.customer:
            holders[record.customer].append(record)
    for code, records in holders.items():
        contract = batch.contract_of.get(code)
        if contract is None and code not in db.seats:
            continue  # an unknown customer, already said
        seats = contract.support_seats if contract else db.seats[code]
        if len(records) > (seats or 0):
            failing = records[seats or 0]
            lines = ", ".join(str(r.line) if r.file == failing.file else f"{r.file}:{r.line}" for r in records)
            has = "it has no contract" if seats is None else f"its contract has {_seats(seats)}"
            message = f"customer '{code}' has {len(records)} seat holders (lines {lines}) but {has}"
            batch.fail(failing, "support_seat", message)


def _check_seats_left(batch: DirectoryImport, db: _Directory) -> None:
    """Without a people file the seat holders stay: a contract may not drop below them."""
    for record in batch.contract_of.values():
        holders = db.seat_holders.get(record.customer, 0)
        if holders > record.support_seats:
            message = (
                f"customer '{record.customer}' has {holders} seat holders in the database, "
                f"more than {_seats(record.support_seats)} (import its people file too)"
            )
            batch.fail(record, "support_seats", message)


def _seats(n: int) -> str:
    return f"{n} support seat" if n == 1 else f"{n} support seats"
