"""What the intake reads of the directory for each email, read once per batch.

A batch of emails is processed in one transaction (``process.process_messages``), and what it
reads of the directory is read once in it: the senders by email (with the customer, its contract
and the store joined, through the unique ``lower(email)`` index), their customers' people for
the triage's guess of the affected person and store, and a refused sender's seat holders.
``begin()`` forgets it all when a batch starts, so every batch meets the directory as it is
then, or as ``prepare`` read it for that batch while the one before was written (a batch's
time earlier: ``stream.process_stream``). A change committed after that read (a second or
less) counts from the next batch, as if the batch had run a moment earlier.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.db.models import Window
from django.db.models.functions import Lower, RowNumber

from sladesk import sql
from sladesk.directory.models import Person
from sladesk.intake.triage import Candidate

MAX_CANDIDATES = 2000


class Snapshot:
    """What one batch reads of the directory."""

    def __init__(self) -> None:
        self.senders: dict[str, Person | None] = {}
        self.people: dict[int, list[Candidate]] = {}
        self.holders: dict[int, list[Person]] = {}
        # each candidate by customer and lower-case email: (person id, store id or None, name, email)
        self.ids: dict[int, dict[str, tuple[int, int | None, str, str]]] = {}


class _Read(threading.local):
    """The snapshot of this thread's batch (each thread its own: the listener's drain, the IMAP
    poller and the pipe may run batches at the same moment, and one's ``begin`` must not empty
    what another is reading)."""

    def __init__(self) -> None:
        self.current = Snapshot()


_read = _Read()


def begin(snapshot: Snapshot | None = None) -> None:
    """A new batch: nothing read before it counts, but ``snapshot``, read for it by ``prepare``."""
    _read.current = snapshot if snapshot is not None else Snapshot()


def prepare(emails: Iterable[str]) -> Snapshot:
    """The senders and their customers' candidates, read now for a batch that ``begin``s a
    moment later: ``stream.process_stream`` reads the next batch's while this one is written,
    and its triage, done ahead, sees exactly what the batch will."""
    snapshot = Snapshot()
    _read_into(snapshot, emails)
    return snapshot


def _people_by_email(emails: list[str]) -> Iterable[Person]:
    rows = Person.objects.select_related("customer__contract", "store").alias(lower_email=Lower("email"))
    return rows.filter(lower_email__in=emails)


_AFFECTED = sql.Prepared(
    lambda customer, email: (
        Person.objects.select_related("store")
        .alias(lower_email=Lower("email"))
        .filter(customer_id=customer, lower_email=email)
    ),
    customer=int,
    email=str,
)


def read_senders(emails: Iterable[str]) -> None:
    """The senders of a whole batch, read in one query (instead of one per email), then their
    customers' candidates in one more (instead of one per customer); what the batch's snapshot
    holds already is not read again."""
    _read_into(_read.current, emails)


def _read_into(snapshot: Snapshot, emails: Iterable[str]) -> None:
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()) - snapshot.senders.keys())
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found = {p.email.strip().lower(): p for p in _people_by_email(chunk)}
        for email in chunk:
            snapshot.senders[email] = found.get(email)
    customers = {p.customer_id for p in snapshot.senders.values() if p is not None} - snapshot.people.keys()
    _read_candidates(snapshot, customers)


def _read_candidates(snapshot: Snapshot, customers: set[int]) -> None:
    """Each customer's first ``MAX_CANDIDATES`` active people by name, in one query."""
    if not customers:
        return
    rank = Window(RowNumber(), partition_by="customer_id", order_by=("name", "pk"))
    rows = Person.objects.filter(customer_id__in=customers, is_active=True).annotate(rank=rank)
    values = rows.filter(rank__lte=MAX_CANDIDATES).order_by("customer_id", "name", "pk")
    for customer in customers:
        snapshot.people[customer], snapshot.ids[customer] = [], {}
    fields = ("customer_id", "name", "email", "store__name", "pk", "store_id")
    for customer, name, email, store, pk, store_id in values.values_list(*fields):
        snapshot.people[customer].append(Candidate(name, email, store or ""))
        snapshot.ids[customer].setdefault(email.strip().lower(), (pk, store_id, name, email))


def sender(email: str) -> Person | None:
    """The person with this email (case-insensitive), customer, contract and store loaded."""
    email = email.strip().lower()
    if not email:
        return None
    senders = _read.current.senders
    if email not in senders:
        senders[email] = next(iter(_people_by_email([email])), None)
    return senders[email]


def candidates(customer_id: int) -> list[Candidate]:
    """The customer's active people (name, email, store), at most ``MAX_CANDIDATES``."""
    if customer_id not in _read.current.people:
        _read_candidates(_read.current, {customer_id})
    return _read.current.people[customer_id]


def seat_holders(customer_id: int) -> list[Person]:
    """The customer's active Gestores with a support seat, by name (at most 10): whom a refused
    sender is told to ask."""
    holders = _read.current.holders
    if customer_id not in holders:
        rows = Person.objects.filter(
            customer_id=customer_id, is_active=True, role=Person.Role.GESTOR, support_seat=True
        ).order_by("name")
        holders[customer_id] = list(rows[:10])
    return holders[customer_id]


def affected(customer_id: int, email: str) -> Person | None:
    """The person the triage named (None when there is no such person): one of the customer's
    candidates as the batch read them (only their ids, name and email: a ticket refers to them
    by id; no query), or else read, with their store."""
    email = email.strip().lower()
    if not email:
        return None
    known = _read.current.ids.get(customer_id, {}).get(email)
    if known is None:
        return _AFFECTED.first(customer=customer_id, email=email)
    pk, store, name, written = known
    person = Person(id=pk, customer_id=customer_id, store_id=store, name=name, email=written)
    person._state.adding, person._state.db = False, "default"
    return person
