"""What the intake reads of the directory for each email, read once per batch.

A batch of emails is processed in one transaction (``process.process_messages``), and what it
reads of the directory is read once in it: the senders by email (with the customer, its contract
and the store joined, through the unique ``lower(email)`` index), their customers' people for
the triage's guess of the affected person and store, and a refused sender's seat holders.
``begin()`` forgets it all when a batch starts, so every batch meets the directory as it is
then. On SQLite the batch holds the write lock, so the directory cannot change under it; on
PostgreSQL a change committed during a batch (a second or less) counts from the next one, as if
the batch had run a moment earlier.
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


class _Read(threading.local):
    """What this thread's batch has read (each thread its own: the listener's drain, the IMAP
    poller and the pipe may run batches at the same moment, and one's ``begin`` must not empty
    what another is reading)."""

    def __init__(self) -> None:
        self.senders: dict[str, Person | None] = {}
        self.people: dict[int, list[Candidate]] = {}
        self.holders: dict[int, list[Person]] = {}


_read = _Read()


def begin() -> None:
    """A new batch: nothing read before it counts."""
    _read.senders.clear()
    _read.people.clear()
    _read.holders.clear()


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
    customers' candidates in one more (instead of one per customer)."""
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()) - _read.senders.keys())
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found = {p.email.strip().lower(): p for p in _people_by_email(chunk)}
        for email in chunk:
            _read.senders[email] = found.get(email)
    _read_candidates({p.customer_id for p in _read.senders.values() if p is not None} - _read.people.keys())


def _read_candidates(customers: set[int]) -> None:
    """Each customer's first ``MAX_CANDIDATES`` active people by name, in one query."""
    if not customers:
        return
    rank = Window(RowNumber(), partition_by="customer_id", order_by=("name", "pk"))
    rows = Person.objects.filter(customer_id__in=customers, is_active=True).annotate(rank=rank)
    values = rows.filter(rank__lte=MAX_CANDIDATES).order_by("customer_id", "name", "pk")
    for customer in customers:
        _read.people[customer] = []
    for customer, name, email, store in values.values_list("customer_id", "name", "email", "store__name"):
        _read.people[customer].append(Candidate(name, email, store or ""))


def sender(email: str) -> Person | None:
    """The person with this email (case-insensitive), customer, contract and store loaded."""
    email = email.strip().lower()
    if not email:
        return None
    if email not in _read.senders:
        _read.senders[email] = next(iter(_people_by_email([email])), None)
    return _read.senders[email]


def candidates(customer_id: int) -> list[Candidate]:
    """The customer's active people (name, email, store), at most ``MAX_CANDIDATES``."""
    if customer_id not in _read.people:
        rows = Person.objects.filter(customer_id=customer_id, is_active=True).order_by("name", "pk")
        values = rows.values_list("name", "email", "store__name")[:MAX_CANDIDATES]
        _read.people[customer_id] = [Candidate(name, email, store or "") for name, email, store in values]
    return _read.people[customer_id]


def seat_holders(customer_id: int) -> list[Person]:
    """The customer's active Gestores with a support seat, by name (at most 10): whom a refused
    sender is told to ask."""
    if customer_id not in _read.holders:
        rows = Person.objects.filter(
            customer_id=customer_id, is_active=True, role=Person.Role.GESTOR, support_seat=True
        ).order_by("name")
        _read.holders[customer_id] = list(rows[:10])
    return _read.holders[customer_id]


def affected(customer_id: int, email: str) -> Person | None:
    """The person the triage named, with their store (None when there is no such person)."""
    email = email.strip().lower()
    if not email:
        return None
    return _AFFECTED.first(customer=customer_id, email=email)
