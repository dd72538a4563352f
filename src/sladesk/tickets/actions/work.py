"""Acting on a ticket: the agents' actions (reply, start, hold, resolve, close, assign, note,
priority, category, out of scope, the affected person), the customer's reply (with its reopen
and follow-up), the worker's record of breaches and warnings, and a call logged by its agent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from sladesk import sql
from sladesk.core.instants import to_us
from sladesk.core.lifecycle import reopens
from sladesk.core.sla import BREACHED, RUNNING
from sladesk.directory.models import Person, Store
from sladesk.staff.access import may_see_customer, profile_of
from sladesk.tickets import clocks, notices
from sladesk.tickets.actions.base import (
    FORBIDDEN,
    FORBIDDEN_TRANSITION,
    INVALID,
    NOT_ENTITLED,
    ActionError,
    Change,
    _apply,
    _fixed,
    _fresh,
    _locked,
    _now,
    _settle,
    _text,
)
from sladesk.tickets.actions.create import do_create_ticket
from sladesk.tickets.models import (
    Channel,
    Message,
    Status,
    Ticket,
)


def do_set_ticket_priority(
    ticket: Ticket, actor: User | None, priority: str, now: datetime | None = None, seen: int | None = None
) -> Ticket:
    policy = clocks.policy_for(ticket)
    if priority not in policy.priorities:
        raise ActionError(INVALID, f"priority {priority!r} is not one of {', '.join(policy.priorities)}")

    def build(t: Ticket, _at: datetime) -> Change:
        if priority == t.priority:
            raise ActionError(INVALID, f"ticket #{t.number} is already {priority}")
        return Change("set_priority", priority, {"priority": priority})

    return _apply(ticket, actor, _fresh(build, actor, seen), now)


def do_reply_ticket(
    ticket: Ticket, actor: User | None, text: str, now: datetime | None = None, seen: int | None = None
) -> Ticket:
    body = _text(text, "a reply")
    change = Change("reply", message_kind=Message.Kind.PUBLIC, message_body=body, notice=notices.REPLY)
    return _apply(ticket, actor, _fresh(_fixed(change), actor, seen), now)


def do_start_ticket(ticket: Ticket, actor: User | None, now: datetime | None = None, seen: int | None = None) -> Ticket:
    def build(t: Ticket, _at: datetime) -> Change:
        fields: dict[str, Any] = {}
        if actor is not None and t.assignee_id is None:  # whoever starts it takes it, unless it is taken
            fields["assignee"] = actor
        return Change("start", fields=fields)

    return _apply(ticket, actor, _fresh(build, actor, seen), now)


def do_reply_and_start_ticket(
    ticket: Ticket, actor: User | None, text: str, now: datetime | None = None, seen: int | None = None
) -> Ticket:
    """Answer a new ticket and start handling it, in one transaction: two events at the same
    instant, the start then the reply, so the Atendimento clock stops with the answer (an
    agent who answered never breaches it by forgetting the second button). Both or neither."""
    _text(text, "a reply")
    moment = _now(now)
    with transaction.atomic():
        started = do_start_ticket(ticket, actor, moment, seen=seen)
        return do_reply_ticket(started, actor, text, moment)


def do_hold_ticket(
    ticket: Ticket, actor: User | None, text: str, now: datetime | None = None, seen: int | None = None
) -> Ticket:
    """Ask the customer for something: the ticket waits on the customer."""
    body = _text(text, "waiting on the customer")
    change = Change("wait", message_kind=Message.Kind.PUBLIC, message_body=body, notice=notices.WAITING)
    return _apply(ticket, actor, _fresh(_fixed(change), actor, seen), now)


def do_add_customer_reply(
    ticket: Ticket, actor: User | None, text: str, person: Person | None = None, now: datetime | None = None
) -> Ticket:
    """A message from the customer. It ends a wait, reopens a recently resolved ticket
    (the policy's reopen window, ``core.lifecycle.reopens``), and on a closed one (or past
    the window) closes the old ticket and opens a new one linked to it, in one transaction,
    which is returned instead. A follow-up the customer may not open (``[not_entitled]``)
    leaves the old ticket as it was, with the message kept on it for the agents.

    Its savepoint (which undoes a refused follow-up's closing of the old ticket) is left out
    while the intake writes a batch together (``sql.writing_together``): there any failure
    undoes the whole batch, which runs again with a savepoint for each email (and this one's)."""
    body = _text(text, "a customer reply")
    try:
        with transaction.atomic(savepoint=not sql.writing_together()):
            locked = _locked(ticket.pk)
            if locked is None:
                raise ActionError(INVALID, f"ticket #{ticket.number} no longer exists")
            person = person or locked.requester
            moment = max(_now(now), locked.received_at)
            if _needs_follow_up(locked, moment):
                return _follow_up(locked, actor, person, body, moment)
            change = Change(
                "customer_reply", message_kind=Message.Kind.INBOUND, message_body=body, author_person=person
            )
            if locked.status == Status.RESOLVED:  # within the window: it reopens
                change.fields["resolved_at"] = None
            return _apply(locked, actor, _fixed(change), now, locked=True)
    except ActionError as exc:
        if exc.code != NOT_ENTITLED:
            raise
        _keep_refused(ticket, actor, person or ticket.requester, body, exc, now=now)
        raise ActionError(NOT_ENTITLED, f"{exc} The message was kept on ticket #{ticket.number}.") from exc


def _needs_follow_up(t: Ticket, moment: datetime) -> bool:
    if t.status == Status.CLOSED:
        return True
    if t.status != Status.RESOLVED or t.resolved_at is None:
        return False
    return not reopens(clocks.policy_for(t), to_us(t.resolved_at), to_us(moment))


def _follow_up(ticket: Ticket, actor: User | None, person: Person, body: str, now: datetime) -> Ticket:
    """Inside the caller's transaction: the old ticket closes and the new one opens, or neither."""
    if ticket.status != Status.CLOSED:
        do_close_ticket(ticket, None, now)
    return do_create_ticket(
        actor=actor, channel=ticket.channel if ticket.channel != Channel.PHONE else Channel.EMAIL,
        requester=person, subject=f"Re: {ticket.subject}", description=body, received_at=now,
        related_to=ticket, now=now,
    )  # fmt: skip


def _keep_refused(
    ticket: Ticket, actor: User | None, person: Person, body: str, exc: ActionError, *, now: datetime | None
) -> None:
    """A customer message that could not open its follow-up: kept on the old ticket, as an
    inbound message an agent sees, with why it opened nothing (no clock moves)."""
    change = Change(
        "customer_message_kept", message_kind=Message.Kind.INBOUND, message_body=body, author_person=person,
        details={"refused": exc.code, "reason": str(exc)},
    )  # fmt: skip
    _apply(ticket, actor, _fixed(change), now)


def do_resolve_ticket(
    ticket: Ticket, actor: User | None, text: str, now: datetime | None = None, seen: int | None = None
) -> Ticket:
    body = _text(text, "resolving")

    def build(_t: Ticket, at: datetime) -> Change:
        return Change(
            "resolve", fields={"resolved_at": at},
            message_kind=Message.Kind.PUBLIC, message_body=body, notice=notices.RESOLVED,
        )  # fmt: skip

    return _apply(ticket, actor, _fresh(build, actor, seen), now)


def do_reopen_ticket(ticket: Ticket, actor: User | None, now: datetime | None = None) -> Ticket:
    return _apply(ticket, actor, _fixed(Change("reopen", fields={"resolved_at": None})), now)


def do_close_ticket(
    ticket: Ticket,
    actor: User | None,
    now: datetime | None = None,
    resolved_before: datetime | None = None,
    seen: int | None = None,
) -> Ticket:
    """Close a resolved ticket; with ``resolved_before`` (the worker's auto-close) only one
    still resolved since before that instant, as the locked row says."""

    def build(t: Ticket, at: datetime) -> Change:
        if resolved_before is not None and (t.resolved_at is None or t.resolved_at > resolved_before):
            raise ActionError(FORBIDDEN_TRANSITION, f"ticket #{t.number} was resolved again after {resolved_before}")
        return Change("close", fields={"closed_at": at})

    return _apply(ticket, actor, _fresh(build, actor, seen), now)


def do_add_note(ticket: Ticket, actor: User | None, text: str, now: datetime | None = None) -> Ticket:
    """An internal note: never seen by the customer, never stops a clock."""
    change = Change("note", message_kind=Message.Kind.NOTE, message_body=_text(text, "a note"))
    return _apply(ticket, actor, _fixed(change), now)


def do_assign_ticket(
    ticket: Ticket, actor: User | None, assignee: User | None, now: datetime | None = None, seen: int | None = None
) -> Ticket:
    if assignee is not None:
        profile = profile_of(assignee)
        if not may_see_customer(profile, ticket.customer):
            raise ActionError(FORBIDDEN, f"{assignee} may not work on tickets of {ticket.customer}")
    change = _fixed(Change("assign", fields={"assignee": assignee}))
    return _apply(ticket, actor, _fresh(change, actor, seen), now)


def do_set_ticket_affected(
    ticket: Ticket, actor: User | None, person: Person | None, store: Store | None = None, now: datetime | None = None
) -> Ticket:
    """Who is affected and in which store (the store defaults to the person's)."""
    store = store or (person.store if person is not None else None)
    for item, what in ((person, "person"), (store, "store")):
        if item is not None and item.customer_id != ticket.customer_id:
            raise ActionError(INVALID, f"that {what} is not of {ticket.customer}, the ticket's customer")
    change = Change("set_affected", fields={"affected_person": person, "affected_store": store})
    return _apply(ticket, actor, _fixed(change), now)


def do_exclude_ticket(ticket: Ticket, actor: User | None, category: str, now: datetime | None = None) -> Ticket:
    """Out of scope: closed with outcome ``out_of_scope``, its SLA ``excluded``, and the
    requester told the alternatives the contract includes."""
    scope = clocks.policy_for(ticket).scope
    out = [name for name, c in scope.categories.items() if not c.in_scope]
    if category not in out:
        raise ActionError(
            INVALID, f"category {category!r} is not one of the out-of-scope categories ({', '.join(out)})"
        )

    def build(t: Ticket, at: datetime) -> Change:
        fields = {"outcome": Ticket.Outcome.OUT_OF_SCOPE, "category": category, "closed_at": at}
        return Change(
            "out_of_scope", fields=fields, message_kind=Message.Kind.AUTOMATIC,
            message_body=notices.out_of_scope_text(t, category), notice=notices.OUT_OF_SCOPE,
        )  # fmt: skip

    return _apply(ticket, actor, build, now)


def do_record_breaches(ticket_id: int, now: datetime | None = None) -> list[str]:
    """The worker's sweep: every deadline of the ticket that has passed and is not yet
    recorded gets its ``sla_breached`` event (and every warning its ``sla_warning``),
    claimed and recorded in one transaction. Returns the metrics whose breach was recorded
    ([] when another worker holds the ticket or had them)."""
    return sorted(do_record_deadlines(ticket_id, now).breaches)


def do_record_deadlines(ticket_id: int, now: datetime | None = None) -> clocks.Crossed:
    """Record the breaches and warnings of one ticket that are due and not yet recorded
    (``clocks.store_metrics`` decides which), locking it with SKIP LOCKED."""
    moment = _now(now)
    with transaction.atomic():
        t = _locked(ticket_id, skip_locked=True)
        if t is None:  # another worker (or an agent) holds it: it is swept again shortly
            return clocks.Crossed()
        breach = Q(state__in=(RUNNING, BREACHED), due_at__lt=moment, breach_notified_at__isnull=True)
        warning = Q(state=RUNNING, warn_at__lte=moment, warning_notified_at__isnull=True)
        if not t.metrics.filter(breach | warning).exists():  # another worker had them a moment ago
            return clocks.Crossed()
        events = list(t.events.order_by("seq"))
        at = max(moment, events[-1].at)
        evaluation = clocks.evaluate_ticket(t, at, events)
        crossed = _settle(t, evaluation, at, events[-1].seq)
        t.save(update_fields=["next_due_at"])
        return crossed


def do_set_ticket_category(ticket: Ticket, actor: User | None, category: str, now: datetime | None = None) -> Ticket:
    """Confirm what the request is about: an in-scope category of the policy (availability,
    bug...). Out of scope is ``do_exclude_ticket``, which closes the ticket."""
    scope = clocks.policy_for(ticket).scope
    inside = [name for name, c in scope.categories.items() if c.in_scope]
    if category not in inside:
        raise ActionError(INVALID, f"category {category!r} is not one of the in-scope categories ({', '.join(inside)})")

    def build(t: Ticket, _at: datetime) -> Change:
        if category == t.category:
            raise ActionError(INVALID, f"ticket #{t.number} is already {category}")
        return Change("set_category", fields={"category": category})

    return _apply(ticket, actor, build, now)


def do_open_call_ticket(*, actor: User, now: datetime | None = None, **values: Any) -> Ticket:
    """A call logged by the agent who took it (``values``: the fields of ``NewTicket``). An
    urgent one (the policy's ``urgent_priorities``: P1) is assigned to that agent in the same
    transaction: whoever took the call owns it until they hand it on."""
    moment = _now(now)
    with transaction.atomic():
        ticket = do_create_ticket(actor=actor, channel=Channel.PHONE, now=moment, **values)
        if ticket.priority in clocks.policy_for(ticket).notifications.urgent_priorities:
            ticket = do_assign_ticket(ticket, actor, actor, moment)
    return ticket
