"""Related tickets: a link between two, and a duplicate merged into another; both tickets
locked in the order of their ids."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from sladesk.tickets.actions.base import (
    INVALID,
    ActionError,
    Change,
    _apply,
    _fixed,
    _locked,
    _now,
)
from sladesk.tickets.models import (
    Attachment,
    Message,
    Status,
    Ticket,
    TicketLink,
)


def _both_locked(a: Ticket, b: Ticket) -> None:
    """Lock two tickets in the order of their ids, so two agents acting on the same pair from
    either side wait for each other instead of deadlocking (the caller's transaction)."""
    if a.pk == b.pk:
        raise ActionError(INVALID, f"ticket #{a.number} cannot be related to itself")
    for pk in sorted((a.pk, b.pk)):
        _locked(pk)


def do_link_tickets(ticket: Ticket, actor: User | None, other: Ticket, now: datetime | None = None) -> Ticket:
    """Relate two tickets: one link, and a ``link`` event on each."""
    moment = _now(now)
    low, high = sorted((ticket, other), key=lambda t: t.pk)
    with transaction.atomic():
        _both_locked(ticket, other)
        if TicketLink.objects.filter(low=low, high=high).exists():
            raise ActionError(INVALID, f"tickets #{ticket.number} and #{other.number} are already linked")
        _apply(other, actor, _fixed(Change("link", details={"linked": ticket.number})), moment)
        ticket = _apply(ticket, actor, _fixed(Change("link", details={"linked": other.number})), moment)
        TicketLink.objects.create(low=low, high=high, created_by=actor, created_at=moment)
    return ticket


def do_merge_ticket(duplicate: Ticket, actor: User | None, into: Ticket, now: datetime | None = None) -> Ticket:
    """Merge a duplicate into another ticket, both or neither: the duplicate's messages and
    files move to the other (its events keep pointing at them), the duplicate closes with a
    pointer (``merged_into``) and its clocks excluded, and each records the merge. Returns the
    ticket merged into."""
    moment = _now(now)
    with transaction.atomic():
        _both_locked(duplicate, into)

        def close(t: Ticket, at: datetime) -> Change:
            target = Ticket.objects.get(pk=into.pk)
            if target.merged_into_id is not None or target.status == Status.CLOSED:
                raise ActionError(INVALID, f"ticket #{target.number} is closed: merge into an open ticket")
            fields = {"merged_into": target, "closed_at": at, "outcome": Ticket.Outcome.MERGED}
            return Change("merged_into", fields=fields, details={"into": target.number})

        _apply(duplicate, actor, close, moment)
        moved = Message.objects.filter(ticket=duplicate).update(ticket=into)
        Attachment.objects.filter(ticket=duplicate).update(ticket=into)
        change = Change("merge", details={"merged": duplicate.number, "messages": moved})
        return _apply(into, actor, _fixed(change), moment)
