"""Every change to a ticket: ``do_<verb>_<noun>()``.

Each action runs in one transaction holding the ticket's row lock: it checks who
acts and whether the transition is allowed, applies the change, appends one
event (with the deadlines before and after), re-evaluates the SLA clocks with
the pure engine from the whole event log, and writes outbox rows that the worker
delivers after commit. Views, commands and the worker call these; nothing else
writes a ticket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from sladesk.directory.entitlement import check_person
from sladesk.directory.models import Person, Store
from sladesk.policies.service import current_policy, current_version
from sladesk.staff.access import may_see_customer, profile_of
from sladesk.tickets import clocks, notices
from sladesk.tickets.models import OPEN_STATUSES, Channel, Message, Status, Ticket, TicketEvent


class ActionError(Exception):
    """A refused action. ``code`` is stable for scripts; the message says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


FORBIDDEN = "forbidden"  # this staff member may not act on this customer
FORBIDDEN_TRANSITION = "forbidden_transition"
NOT_ENTITLED = "not_entitled"
INVALID = "invalid"

# Which statuses each action may start from.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "set_priority": (*OPEN_STATUSES, Status.RESOLVED),
    "reply": (*OPEN_STATUSES, Status.RESOLVED),
    "start": (Status.NEW,),
    "wait": (Status.NEW, Status.IN_PROGRESS),
    "customer_reply": (*OPEN_STATUSES, Status.RESOLVED),
    "resolve": OPEN_STATUSES,
    "reopen": (Status.RESOLVED,),
    "close": (Status.RESOLVED,),
    "note": (*OPEN_STATUSES, Status.RESOLVED, Status.CLOSED),
    "assign": (*OPEN_STATUSES, Status.RESOLVED),
    "set_affected": (*OPEN_STATUSES, Status.RESOLVED),
    "out_of_scope": OPEN_STATUSES,
    "sla_breached": OPEN_STATUSES,
}


@dataclass
class Change:
    """What one action does to a ticket (filled by the action, applied by ``_apply``)."""

    action: str
    sla_type: str = ""
    priority: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    message_kind: str = ""
    message_body: str = ""
    author_person: Person | None = None
    notice: str = ""  # template code of the email to the requester, if any
    details: dict[str, Any] = field(default_factory=dict)  # more for the event log's "after"


# ---- helpers ---------------------------------------------------------------------------
def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _authorize(actor: User | None, ticket: Ticket) -> None:
    if actor is None:  # the system itself (intake, worker)
        return
    profile = profile_of(actor)
    if not may_see_customer(profile, ticket.customer):
        raise ActionError(FORBIDDEN, f"{actor} may not act on tickets of {ticket.customer}")


def _check_transition(ticket: Ticket, action: str) -> None:
    allowed = ALLOWED_FROM[action]
    if ticket.status not in allowed:
        names = ", ".join(str(s) for s in allowed)
        raise ActionError(
            FORBIDDEN_TRANSITION,
            f"ticket #{ticket.number} is {ticket.status}: '{action}' is only possible when it is {names}",
        )


def _label(actor: User | None, person: Person | None) -> str:
    if actor is not None:
        return str(getattr(actor, "email", "") or actor)
    if person is not None:
        return person.email
    return "system"


def _apply(ticket: Ticket, actor: User | None, change: Change, now: datetime | None) -> Ticket:
    """Lock, check, apply, log, re-evaluate, schedule: the one way a ticket changes."""
    with transaction.atomic():
        t = (
            Ticket.objects.select_for_update()
            .select_related("customer", "requester", "policy_version")
            .get(pk=ticket.pk)
        )
        _authorize(actor, t)
        _check_transition(t, change.action)
        events = list(t.events.order_by("seq"))
        at = max(_now(now), events[-1].at if events else t.received_at)
        before_eval = clocks.evaluate_ticket(t, at, events)
        before = {k: _plain(getattr(t, k)) for k in change.fields}
        for key, value in change.fields.items():
            setattr(t, key, value)
        message = _message(t, actor, change, at)
        event = TicketEvent(
            ticket=t,
            at=at,
            seq=(events[-1].seq + 1) if events else 1,
            action=change.action,
            sla_type=change.sla_type,
            priority=change.priority,
            actor_staff=actor,
            actor_person=change.author_person,
            actor_label=_label(actor, change.author_person),
            before=before,
            after={**{k: _plain(v) for k, v in change.fields.items()}, **change.details},
            deadlines_before=clocks.snapshot(before_eval),
            message=message,
        )
        evaluation = clocks.evaluate_ticket(t, at, [*events, event])
        event.deadlines_after = clocks.snapshot(evaluation)
        event.save()
        clocks.store_metrics(t, evaluation, at)
        t.save(update_fields=[*change.fields, "next_due_at", "updated_at"])
        if change.notice:
            notices.email_requester(t, change.notice, change.message_body)
    return t


def _message(t: Ticket, actor: User | None, change: Change, at: datetime) -> Message | None:
    if not change.message_kind:
        return None
    return Message.objects.create(
        ticket=t,
        kind=change.message_kind,
        author_staff=actor,
        author_person=change.author_person,
        body=change.message_body,
        created_at=at,
    )


def _plain(value: Any) -> Any:
    """Field values as JSON for the event log: ids for relations, ISO for instants."""
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _text(text: str, what: str) -> str:
    if not text or not text.strip():
        raise ActionError(INVALID, f"{what} needs a text")
    return text.strip()


# ---- creating -------------------------------------------------------------------------
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


def do_create_ticket(*, actor: User | None, now: datetime | None = None, **values: Any) -> Ticket:
    """A new ticket from an entitled Gestor (``values``: the fields of ``NewTicket``)."""
    new = NewTicket(**values)
    now = _now(now)
    new.received_at = new.received_at or now
    policy = current_policy()
    _check_new(policy, new, now)
    entitlement = check_person(new.requester, timezone.localdate(new.received_at))
    if not entitlement.ok:
        raise ActionError(NOT_ENTITLED, f"{new.requester.email}: {entitlement.reason}. {entitlement.explain()}")
    if actor is not None and not may_see_customer(profile_of(actor), new.requester.customer):
        raise ActionError(FORBIDDEN, f"{actor} may not open tickets for {new.requester.customer}")
    if new.priority is None and new.channel == Channel.PHONE:
        new.priority = policy.channels[Channel.PHONE].priorities[0]
    for _attempt in range(5):
        try:
            return _insert(new, actor, now)
        except IntegrityError:  # two tickets took the same number: take the next
            continue
    raise ActionError(INVALID, "could not allocate a ticket number; try again")


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


def _insert(new: NewTicket, actor: User | None, now: datetime) -> Ticket:
    received_at = new.received_at or now
    with transaction.atomic():
        number = (Ticket.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        ticket = Ticket.objects.create(
            number=number,
            customer=new.requester.customer,
            requester=new.requester,
            affected_person=new.affected_person,
            affected_store=new.affected_store or (new.affected_person.store if new.affected_person else None),
            channel=new.channel,
            received_at=received_at,
            subject=new.subject.strip()[:300],
            description=new.description.strip(),
            priority=new.priority or "",
            missing_information=new.missing_information,
            policy_version=current_version(),
            related_to=new.related_to,
        )
        if ticket.description:
            Message.objects.create(
                ticket=ticket, kind=Message.Kind.INBOUND, author_person=new.requester, body=ticket.description,
                created_at=received_at,
            )  # fmt: skip
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
        # the stored metrics are as of now.
        event.deadlines_after = clocks.snapshot(clocks.evaluate_ticket(ticket, received_at, [event]))
        event.save()
        clocks.store_metrics(ticket, clocks.evaluate_ticket(ticket, max(received_at, now), [event]), now)
        ticket.save(update_fields=["next_due_at"])
        notices.email_requester(ticket, notices.ACKNOWLEDGEMENT, "")
    return ticket


# ---- acting on a ticket ---------------------------------------------------------------
def do_set_ticket_priority(ticket: Ticket, actor: User | None, priority: str, now: datetime | None = None) -> Ticket:
    policy = clocks.policy_for(ticket)
    if priority not in policy.priorities:
        raise ActionError(INVALID, f"priority {priority!r} is not one of {', '.join(policy.priorities)}")
    if priority == ticket.priority:
        raise ActionError(INVALID, f"ticket #{ticket.number} is already {priority}")
    change = Change("set_priority", "priority_set", priority, {"priority": priority})
    return _apply(ticket, actor, change, now)


def do_reply_ticket(ticket: Ticket, actor: User | None, text: str, now: datetime | None = None) -> Ticket:
    body = _text(text, "a reply")
    change = Change("reply", "public_reply", message_kind=Message.Kind.PUBLIC, message_body=body, notice=notices.REPLY)
    return _apply(ticket, actor, change, now)


def do_start_ticket(ticket: Ticket, actor: User | None, now: datetime | None = None) -> Ticket:
    fields: dict[str, Any] = {"status": Status.IN_PROGRESS}
    if actor is not None and ticket.assignee_id is None:
        fields["assignee"] = actor
    return _apply(ticket, actor, Change("start", "handling_started", fields=fields), now)


def do_hold_ticket(ticket: Ticket, actor: User | None, text: str, now: datetime | None = None) -> Ticket:
    """Ask the customer for something: the ticket waits on the customer."""
    body = _text(text, "waiting on the customer")
    change = Change(
        "wait", "waiting_on_customer", fields={"status": Status.WAITING_ON_CUSTOMER},
        message_kind=Message.Kind.PUBLIC, message_body=body, notice=notices.WAITING,
    )  # fmt: skip
    return _apply(ticket, actor, change, now)


def do_add_customer_reply(
    ticket: Ticket, actor: User | None, text: str, person: Person | None = None, now: datetime | None = None
) -> Ticket:
    """A message from the customer. It ends a wait, reopens a recently resolved
    ticket, and on a closed one (or past the reopen window) opens a new ticket
    linked to the old one, which is returned instead."""
    body = _text(text, "a customer reply")
    person = person or ticket.requester
    moment = _now(now)
    window = timedelta(days=clocks.policy_for(ticket).lifecycle.reopen_window_days)
    late = ticket.status == Status.RESOLVED and ticket.resolved_at is not None and moment - ticket.resolved_at > window
    if ticket.status == Status.CLOSED or late:
        return _follow_up(ticket, actor, person, body, moment)
    change = Change("customer_reply", message_kind=Message.Kind.INBOUND, message_body=body, author_person=person)
    if ticket.status == Status.WAITING_ON_CUSTOMER:
        change.sla_type, change.fields = "customer_replied", {"status": Status.IN_PROGRESS}
    elif ticket.status == Status.RESOLVED:
        change.sla_type, change.fields = "reopened", {"status": Status.IN_PROGRESS, "resolved_at": None}
    return _apply(ticket, actor, change, now)


def _follow_up(ticket: Ticket, actor: User | None, person: Person, body: str, now: datetime) -> Ticket:
    if ticket.status != Status.CLOSED:
        do_close_ticket(ticket, None, now)
    return do_create_ticket(
        actor=actor, channel=ticket.channel if ticket.channel != Channel.PHONE else Channel.EMAIL,
        requester=person, subject=f"Re: {ticket.subject}", description=body, received_at=now,
        related_to=ticket, now=now,
    )  # fmt: skip


def do_resolve_ticket(ticket: Ticket, actor: User | None, text: str, now: datetime | None = None) -> Ticket:
    body = _text(text, "resolving")
    change = Change(
        "resolve", "resolved", fields={"status": Status.RESOLVED, "resolved_at": _now(now)},
        message_kind=Message.Kind.PUBLIC, message_body=body, notice=notices.RESOLVED,
    )  # fmt: skip
    return _apply(ticket, actor, change, now)


def do_reopen_ticket(ticket: Ticket, actor: User | None, now: datetime | None = None) -> Ticket:
    change = Change("reopen", "reopened", fields={"status": Status.IN_PROGRESS, "resolved_at": None})
    return _apply(ticket, actor, change, now)


def do_close_ticket(ticket: Ticket, actor: User | None, now: datetime | None = None) -> Ticket:
    change = Change("close", "closed", fields={"status": Status.CLOSED, "closed_at": _now(now)})
    return _apply(ticket, actor, change, now)


def do_add_note(ticket: Ticket, actor: User | None, text: str, now: datetime | None = None) -> Ticket:
    """An internal note: never seen by the customer, never stops a clock."""
    change = Change("note", message_kind=Message.Kind.NOTE, message_body=_text(text, "a note"))
    return _apply(ticket, actor, change, now)


def do_assign_ticket(ticket: Ticket, actor: User | None, assignee: User | None, now: datetime | None = None) -> Ticket:
    if assignee is not None:
        profile = profile_of(assignee)
        if not may_see_customer(profile, ticket.customer):
            raise ActionError(FORBIDDEN, f"{assignee} may not work on tickets of {ticket.customer}")
    return _apply(ticket, actor, Change("assign", fields={"assignee": assignee}), now)


def do_set_ticket_affected(
    ticket: Ticket, actor: User | None, person: Person | None, store: Store | None = None, now: datetime | None = None
) -> Ticket:
    """Who is affected and in which store (the store defaults to the person's)."""
    store = store or (person.store if person is not None else None)
    for item, what in ((person, "person"), (store, "store")):
        if item is not None and item.customer_id != ticket.customer_id:
            raise ActionError(INVALID, f"that {what} is not of {ticket.customer}, the ticket's customer")
    change = Change("set_affected", fields={"affected_person": person, "affected_store": store})
    return _apply(ticket, actor, change, now)


def do_exclude_ticket(ticket: Ticket, actor: User | None, category: str, now: datetime | None = None) -> Ticket:
    """Out of scope: closed with outcome ``out_of_scope``, its SLA ``excluded``, and the
    requester told the alternatives the contract includes."""
    scope = clocks.policy_for(ticket).scope
    out = [name for name, c in scope.categories.items() if not c.in_scope]
    if category not in out:
        raise ActionError(
            INVALID, f"category {category!r} is not one of the out-of-scope categories ({', '.join(out)})"
        )
    body = notices.out_of_scope_text(ticket, category)
    fields = {
        "status": Status.CLOSED, "outcome": Ticket.Outcome.OUT_OF_SCOPE, "category": category, "closed_at": _now(now),
    }  # fmt: skip
    change = Change(
        "out_of_scope", "out_of_scope", fields=fields,
        message_kind=Message.Kind.AUTOMATIC, message_body=body, notice=notices.OUT_OF_SCOPE,
    )  # fmt: skip
    return _apply(ticket, actor, change, now)


def do_record_breach(ticket: Ticket, metrics: dict[str, datetime], now: datetime | None = None) -> Ticket:
    """The worker saw these metrics run past their deadlines: an SLA event on the timeline."""
    breached = {name: due.isoformat() for name, due in metrics.items()}
    change = Change("sla_breached", details={"breached": breached})
    return _apply(ticket, None, change, now)
