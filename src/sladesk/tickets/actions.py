"""Every change to a ticket: ``do_<verb>_<noun>()``.

Each action runs in one transaction holding the ticket's row lock: it checks who
acts and whether the transition is allowed, applies the change, appends one
event (with the deadlines before and after), re-evaluates the SLA clocks with
the pure engine from the whole event log, and writes outbox rows that the worker
delivers after commit. Views, commands and the worker call these; nothing else
writes a ticket.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from sladesk import sql
from sladesk.core.instants import from_us, to_us
from sladesk.core.lifecycle import reopens
from sladesk.core.sla import BREACHED, RUNNING, Evaluation
from sladesk.directory.entitlement import check_person
from sladesk.directory.models import Person, Store
from sladesk.outbound.headers import one_line
from sladesk.policies.service import current_policy, current_version
from sladesk.staff.access import may_see_customer, profile_of
from sladesk.tickets import clocks, notices, transitions
from sladesk.tickets.models import (
    Attachment,
    Channel,
    Counter,
    Message,
    SavedReply,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketMetric,
)


class ActionError(Exception):
    """A refused action. ``code`` is stable for scripts; the message says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


FORBIDDEN = "forbidden"  # this staff member may not act on this customer
FORBIDDEN_TRANSITION = "forbidden_transition"
NOT_ENTITLED = "not_entitled"
INVALID = "invalid"

ALLOWED_FROM = transitions.ALLOWED_FROM  # which statuses each action may start from


@dataclass
class Change:
    """What one action does to a ticket: built from the locked row, applied by ``_apply``.

    The status and the SLA event come from the transition table (``transitions.py``)."""

    action: str
    priority: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    message_kind: str = ""
    message_body: str = ""
    author_person: Person | None = None
    notice: str = ""  # template code of the email to the requester, if any
    details: dict[str, Any] = field(default_factory=dict)  # more for the event log's "after"


# Builds the change from the ticket as locked and the instant the action takes effect.
Build = Callable[[Ticket, datetime], Change]


# ---- helpers ---------------------------------------------------------------------------
def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _authorize(actor: User | None, ticket: Ticket) -> None:
    if actor is None:  # the system itself (intake, worker)
        return
    profile = profile_of(actor)
    if not may_see_customer(profile, ticket.customer):  # never say whose ticket it is
        raise ActionError(FORBIDDEN, f"{actor} may not act on ticket #{ticket.number}")


def _step(ticket: Ticket, action: str) -> transitions.Step:
    step = transitions.step(action, ticket.status)
    if step is None:
        names = ", ".join(str(s) for s in ALLOWED_FROM[action])
        raise ActionError(
            FORBIDDEN_TRANSITION,
            f"ticket #{ticket.number} is {ticket.status}: '{action}' is only possible when it is {names}",
        )
    return step


def _label(actor: User | None, person: Person | None) -> str:
    if actor is not None:
        return str(getattr(actor, "email", "") or actor)
    if person is not None:
        return person.email
    return "system"


def _locking(skip_locked: bool) -> sql.Prepared[Ticket]:
    # of=self: the ticket's row only, not the customer and policy rows the join reads.
    return sql.Prepared(
        lambda pk: (
            Ticket.objects.select_for_update(skip_locked=skip_locked, of=("self",))
            .select_related("customer", "requester", "policy_version")
            .filter(pk=pk)
        ),
        pk=int,
    )


_LOCKING = {False: _locking(False), True: _locking(True)}
# What the engine and the next event need of a ticket's events (not their JSON snapshots).
_TIMELINE = sql.Prepared(
    lambda ticket: (
        TicketEvent.objects.filter(ticket_id=ticket)
        .only("ticket_id", "at", "seq", "action", "sla_type", "priority")
        .order_by("seq")
    ),
    ticket=int,
)


def _locked(pk: int, skip_locked: bool = False) -> Ticket | None:
    """The ticket's row, locked until the transaction ends (on SQLite the IMMEDIATE
    transaction already holds the database's write lock)."""
    return _LOCKING[skip_locked].first(pk=pk)


def _apply(ticket: Ticket, actor: User | None, build: Build, now: datetime | None, *, locked: bool = False) -> Ticket:
    """Lock, decide, check, apply, log, re-evaluate, schedule: the one way a ticket changes.

    ``build`` sees the row as locked, so what the action decides and what it writes are
    the same state, whatever another agent, the worker or the intake did a moment before.
    ``locked``: ``ticket`` is the row as the caller's transaction locked it (not read again),
    and that caller's atomic block undoes this one's work if it fails (no savepoint of its own)."""
    with transaction.atomic(savepoint=not locked):
        t = ticket if locked else _locked(ticket.pk)
        if t is None:
            raise ActionError(INVALID, f"ticket #{ticket.number} no longer exists")
        _authorize(actor, t)
        events = _TIMELINE.all(ticket=t.pk)
        at = max(_now(now), events[-1].at if events else t.received_at)
        change = build(t, at)
        step = _step(t, change.action)
        if step.to is not None:
            change.fields.setdefault("status", step.to)
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
            sla_type=step.sla_type,
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
        sql.insert([event])
        _settle(t, evaluation, at, event.seq)
        sql.update(t, [*change.fields, "next_due_at", "updated_at"])
        if change.notice:
            notices.email_requester(t, change.notice, change.message_body)
    return t


def _settle(
    t: Ticket, evaluation: Evaluation, at: datetime, seq: int, rows: list[TicketMetric] | None = None
) -> clocks.Crossed:
    """Store the metrics as evaluated at ``at``, and record every breach and warning not yet
    recorded.

    Each deadline that has passed gets exactly one ``sla_breached`` event, and each running
    metric past the policy's warning share one ``sla_warning`` event, in the same transaction
    that marks them recorded and plans who is told (``notifications.plan``): whether the
    worker's sweep found them, or an action (a late-logged call, a resolve after the
    deadline, a priority raised) found them already crossed."""
    crossed = clocks.store_metrics(t, evaluation, at, rows)
    if crossed.breaches or crossed.warnings:
        snapshot = clocks.snapshot(evaluation)
        for kind, action, metrics in (
            ("breached", "sla_breached", crossed.breaches),
            ("warning", "sla_warning", crossed.warnings),
        ):
            if not metrics:
                continue
            seq += 1
            TicketEvent.objects.create(
                ticket=t, at=at, seq=seq, action=action, actor_label="system",
                after={kind: {name: due.isoformat() for name, due in metrics.items()}},
                deadlines_before=snapshot, deadlines_after=snapshot,
            )  # fmt: skip
        from sladesk.notifications.plan import plan_notifications  # tickets <- notifications

        plan_notifications(t, evaluation, crossed, at)
    return crossed


def _message(t: Ticket, actor: User | None, change: Change, at: datetime) -> Message | None:
    if not change.message_kind:
        return None
    message = Message(
        ticket=t,
        kind=change.message_kind,
        author_staff=actor,
        author_person=change.author_person,
        body=change.message_body,
        created_at=at,
    )
    sql.insert([message])
    return message


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


def _fixed(change: Change) -> Build:
    """A change that does not depend on the ticket's state (the transition table still does)."""
    return lambda _t, _at: change


STALE = "stale"  # the ticket changed since the page the action was posted from
# Changes that never conflict with what an agent was about to do: notes, links, what the clocks recorded.
HARMLESS = frozenset({"note", "link", "sla_breached", "sla_warning"})


class StaleError(ActionError):
    """An action posted from a page older than the ticket: ``by`` changed it (its event's
    actor: a staff member's or a person's name, "" for the system), ``seq`` is its event."""

    def __init__(self, message: str, by: str, seq: int) -> None:
        super().__init__(STALE, message)
        self.by = by
        self.seq = seq


def _fresh(build: Build, actor: User | None, seen: int | None) -> Build:
    """``build``, refused when the locked ticket has an event after ``seen`` (the last event the
    agent's page showed) made by someone else that is not harmless. ``seen=None``: no check
    (scripts, the worker, the intake)."""
    if seen is None:
        return build

    def check(t: Ticket, at: datetime) -> Change:
        newer = t.events.filter(seq__gt=seen).exclude(action__in=HARMLESS)
        if actor is not None:
            newer = newer.exclude(actor_staff=actor)
        last = newer.select_related("actor_staff", "actor_person").order_by("-seq").first()
        if last is not None:
            by = actor_name(last)
            raise StaleError(
                f"ticket #{t.number} changed after the page was loaded ({last.action} by {by or 'system'})",
                by,
                last.seq,
            )
        return build(t, at)

    return check


def actor_name(e: TicketEvent) -> str:
    """Who made an event, as the desk names them ("" for the system)."""
    if e.actor_staff is not None:
        return e.actor_staff.get_full_name() or e.actor_staff.email or e.actor_staff.username
    if e.actor_person is not None:
        return e.actor_person.name
    return "" if e.actor_label == "system" else e.actor_label


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
NEXT_NUMBER = (
    'UPDATE "tickets_counter" SET "value" = GREATEST("value", '
    '(SELECT COALESCE(MAX("number"), 0) FROM "tickets_ticket")) + 1 WHERE "name" = %s RETURNING "value"'
)
NEXT_NUMBER_SQLITE = NEXT_NUMBER.replace("GREATEST(", "MAX(", 1)  # SQLite's MAX of two values


def _next_number() -> int:
    """The next ticket number, taken by one ``UPDATE ... RETURNING`` of the counter row, whose
    lock is held until commit, so parallel creations wait for each other instead of colliding
    on the unique number. Tickets written behind the counter's back (the bulk demo) never make
    it hand out a taken number: it moves past the highest number first."""
    sql = NEXT_NUMBER_SQLITE if connection.vendor == "sqlite" else NEXT_NUMBER
    with connection.cursor() as cursor:
        cursor.execute(sql, [TICKET_NUMBER])
        row = cursor.fetchone()
    if row is None:  # a database emptied by hand (or by a test's flush): make the row again
        with contextlib.suppress(IntegrityError), transaction.atomic():
            Counter.objects.create(name=TICKET_NUMBER, value=0)
        return _next_number()
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
            affected_store=new.affected_store or (new.affected_person.store if new.affected_person else None),
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


# ---- acting on a ticket ---------------------------------------------------------------
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
    leaves the old ticket as it was, with the message kept on it for the agents."""
    body = _text(text, "a customer reply")
    try:
        with transaction.atomic():
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


# ---- the agent's day --------------------------------------------------------------------
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


def _supervising(actor: User) -> None:
    if not profile_of(actor).leads:
        raise ActionError(FORBIDDEN, f"{actor} may not change saved replies: supervisors and admins do")


def do_save_saved_reply(
    actor: User, reply: SavedReply | None, *, title: str, body: str, then: str, now: datetime | None = None
) -> SavedReply:
    """Create (``reply=None``) or change a saved reply: supervisors and admins only."""
    _supervising(actor)
    if then not in SavedReply.Then.values:
        raise ActionError(INVALID, f"then {then!r} is not one of {', '.join(SavedReply.Then.values)}")
    with transaction.atomic():
        row = reply or SavedReply()
        row.title, row.body, row.then = (
            one_line(_text(title, "a saved reply's title"))[:120],
            _text(body, "a saved reply"),
            then,
        )
        row.updated_by, row.updated_at, row.is_active = actor, _now(now), True
        row.save()
    return row


def do_archive_saved_reply(actor: User, reply: SavedReply, now: datetime | None = None) -> SavedReply:
    """Take a saved reply out of the agents' list (kept, never deleted)."""
    _supervising(actor)
    reply.is_active, reply.updated_by, reply.updated_at = False, actor, _now(now)
    reply.save(update_fields=["is_active", "updated_by", "updated_at"])
    return reply


# ---- related tickets ------------------------------------------------------------------------
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
