"""What every ticket action shares: the refusals (``ActionError`` and its codes), ``Change``
(what one action does), and ``_apply``, the one way a ticket changes: lock, decide, check,
log, re-evaluate the clocks (``_settle``), schedule; and the refusal of a stale page
(``_fresh``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from sladesk import sql
from sladesk.core.sla import Evaluation
from sladesk.directory.models import Person
from sladesk.staff.access import may_see_customer, profile_of
from sladesk.tickets import clocks, notices, transitions
from sladesk.tickets.models import (
    Message,
    Ticket,
    TicketEvent,
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
        metrics = clocks.metrics_of(t)  # read before anything is written: the writes can go together
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
        _settle(t, evaluation, at, event.seq, metrics)
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
