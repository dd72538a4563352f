"""Opening a ticket: ``do_create_ticket`` (a Gestor's request, by any channel), its number
taken from the counter row, its first event, message and clocks written at once."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sladesk import sql
from sladesk.core.instants import from_us
from sladesk.core.sla import Evaluation
from sladesk.directory.entitlement import check_person
from sladesk.directory.models import Person, Store
from sladesk.outbound.headers import one_line
from sladesk.policies.service import current_policy, current_version
from sladesk.staff.access import may_see_customer, profile_of
from sladesk.tickets import clocks, notices
from sladesk.tickets.actions.base import (
    FORBIDDEN,
    INVALID,
    NOT_ENTITLED,
    ActionError,
    _label,
    _now,
    _settle,
    _text,
)
from sladesk.tickets.models import (
    Channel,
    Counter,
    Message,
    Ticket,
    TicketEvent,
)


@dataclass
class NewTicket:
    channel: str
    requester: Person
    subject: str
    description: str = ""
    priority: str | None = None
    received_at: datetime | None = None  # when the request arrived; never later than now
    affected_person: Person | None = None
    affected_store: Store | None = None
    missing_information: list[str] = field(default_factory=list)
    related_to: Ticket | None = None
    suggested_priority: str = ""  # the intake's triage: suggestions an agent confirms
    suggested_category: str = ""
    triage: dict[str, Any] = field(default_factory=dict)  # the reasons of the suggestions
    acknowledge: bool = True  # email the requester the acknowledgement (not when rate-limited)


def do_create_ticket(*, actor: User | None, now: datetime | None = None, **values: Any) -> Ticket:
    """A new ticket from an entitled Gestor (``values``: the fields of ``NewTicket``)."""
    new = NewTicket(**values)
    now = _now(now)
    new.received_at = new.received_at or now
    new.subject = one_line(new.subject)
    policy = current_policy(new.received_at)  # the version in force at the receipt, not at the logging
    _check_new(policy, new, now)
    # Who acts first: a partner's agent learns nothing (customer, seat, contract) about a
    # person of a customer it does not serve, not even why that person could not ask.
    if actor is not None and not may_see_customer(profile_of(actor), new.requester.customer):
        raise ActionError(FORBIDDEN, f"{actor} may not open tickets for {new.requester.email}")
    entitlement = check_person(new.requester, timezone.localdate(new.received_at))
    if not entitlement.ok:
        raise ActionError(NOT_ENTITLED, f"{new.requester.email}: {entitlement.reason}. {entitlement.explain()}")
    if new.priority is None and new.channel == Channel.PHONE:
        new.priority = policy.channels[Channel.PHONE].priorities[0]
    return _insert(new, actor, now)


def _check_new(policy: Any, new: NewTicket, now: datetime) -> None:
    if new.channel not in policy.channels:
        raise ActionError(INVALID, f"channel {new.channel!r} is not one of {', '.join(policy.channels)}")
    if new.priority is not None and new.priority not in policy.priorities:
        raise ActionError(INVALID, f"priority {new.priority!r} is not one of {', '.join(policy.priorities)}")
    allowed = policy.channels[new.channel].priorities
    if new.priority is not None and new.priority not in allowed:
        raise ActionError(
            INVALID,
            f"the {new.channel} channel takes {', '.join(allowed)} only; other requests come by email or the portal",
        )
    if new.received_at is not None and new.received_at > now + timedelta(seconds=5):
        raise ActionError(INVALID, f"received_at {new.received_at.isoformat()} is in the future")
    _text(new.subject, "a ticket")


TICKET_NUMBER = "ticket_number"
NEXT_NUMBERS = (
    'UPDATE "tickets_counter" SET "value" = GREATEST("value", '
    '(SELECT COALESCE(MAX("number"), 0) FROM "tickets_ticket")) + %s WHERE "name" = %s RETURNING "value"'
)
NEXT_NUMBERS_SQLITE = NEXT_NUMBERS.replace("GREATEST(", "MAX(", 1)  # SQLite's MAX of two values
GIVE_BACK = 'UPDATE "tickets_counter" SET "value" = %s WHERE "name" = %s'


NUMBERS_AT_ONCE = 50  # within sql.writes_together: numbers taken in one statement


def _next_number() -> int:
    """The next ticket number, taken by one ``UPDATE ... RETURNING`` of the counter row, whose
    lock is held until commit, so parallel creations wait for each other instead of colliding
    on the unique number. Tickets written behind the counter's back (the bulk demo) never make
    it hand out a taken number: it moves past the highest number first.

    Within ``sql.writes_together`` (an intake batch on PostgreSQL) the first one takes
    ``NUMBERS_AT_ONCE`` numbers, the next ones are handed out from them, and before the batch's
    last writes the counter is set back to the last one handed out: the row's lock, held from
    the first, means nobody took one meanwhile, so no number is skipped."""
    if sql.writing_together():
        block: _Numbers = sql.together_state(TICKET_NUMBER, _Numbers, _give_back)
        if block.next > block.last:
            block.last = _take_numbers(NUMBERS_AT_ONCE)
            block.next = block.last - NUMBERS_AT_ONCE + 1
        block.next += 1
        return block.next - 1
    return _take_numbers(1)


@dataclass
class _Numbers:
    next: int = 0  # the next to hand out
    last: int = -1  # the last taken


def _give_back(block: _Numbers) -> None:
    if block.next <= block.last:
        with connection.cursor() as cursor:
            cursor.execute(GIVE_BACK, [block.next - 1, TICKET_NUMBER])


def _take_numbers(n: int) -> int:
    """Move the counter ``n`` on; the last number taken."""
    statement = NEXT_NUMBERS_SQLITE if connection.vendor == "sqlite" else NEXT_NUMBERS
    with connection.cursor() as cursor:
        cursor.execute(statement, [n, TICKET_NUMBER])
        row = cursor.fetchone()
    if row is None:  # a database emptied by hand (or by a test's flush): make the row again
        with contextlib.suppress(IntegrityError), transaction.atomic():
            Counter.objects.create(name=TICKET_NUMBER, value=0)
        return _take_numbers(n)
    return int(row[0])


def _insert(new: NewTicket, actor: User | None, now: datetime) -> Ticket:
    received_at = new.received_at or now
    # The ticket's rows together or not at all: the caller's transaction, without a savepoint of
    # its own (a failure here fails the caller's atomic block, which the intake's per-email
    # savepoint or the outermost transaction undoes; nothing catches one and goes on).
    with transaction.atomic(savepoint=False):
        ticket = Ticket(
            number=_next_number(),
            customer=new.requester.customer,
            requester=new.requester,
            affected_person=new.affected_person,
            affected_store=new.affected_store,
            channel=new.channel,
            received_at=received_at,
            subject=new.subject[:300],
            description=new.description.strip(),
            priority=new.priority or "",
            missing_information=new.missing_information,
            policy_version=current_version(received_at),
            related_to=new.related_to,
            suggested_priority=new.suggested_priority,
            suggested_category=new.suggested_category,
            triage=new.triage,
        )
        if new.affected_store is None and new.affected_person is not None:  # the person's store, by id
            ticket.affected_store_id = new.affected_person.store_id
        event = TicketEvent(
            ticket=ticket,
            at=received_at,
            seq=1,
            action="created",
            priority=new.priority or "",
            actor_staff=actor,
            actor_person=None if actor else new.requester,
            actor_label=_label(actor, new.requester),
            after={"channel": new.channel, "priority": new.priority, "subject": ticket.subject},
        )
        # The event's snapshot is as of its own instant (the call may be logged later);
        # the stored metrics are as of now: a deadline already past is recorded at once.
        # Both are evaluated before the ticket is written, so it is written once, with its next deadline.
        event.deadlines_after = clocks.snapshot(clocks.evaluate_ticket(ticket, received_at, [event]))
        at = max(received_at, now)
        evaluation = clocks.evaluate_ticket(ticket, at, [event])
        ticket.next_due_at = _first_due(evaluation)
        sql.insert([ticket])
        if ticket.description:
            sql.insert([
                Message(
                    ticket=ticket, kind=Message.Kind.INBOUND, author_person=new.requester, body=ticket.description,
                    created_at=received_at,
                )
            ])  # fmt: skip
        event.ticket = ticket
        sql.insert([event])
        due = ticket.next_due_at
        _settle(ticket, evaluation, at, event.seq, rows=[])  # a new ticket has no metrics yet: not asked
        if ticket.next_due_at != due:
            sql.update(ticket, ["next_due_at"])
        if new.acknowledge:
            notices.email_requester(ticket, notices.ACKNOWLEDGEMENT, "")
    return ticket


def _first_due(evaluation: Evaluation) -> datetime | None:
    """The nearest running deadline, as ``clocks.store_metrics`` sets ``next_due_at``."""
    running = [m.due for m in evaluation.metrics.values() if m.anchor is not None and m.due is not None]
    return from_us(min(running)) if running else None
