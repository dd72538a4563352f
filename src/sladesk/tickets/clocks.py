"""The bridge between tickets and the pure SLA engine.

A ticket's timeline is its receipt plus the event rows whose ``sla_type`` is set;
its metrics are ``core.sla.evaluate`` of that timeline under the policy version
the ticket was received under. Nothing here decides SLA rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from sladesk import sql
from sladesk.core.instants import from_us, to_us
from sladesk.core.policy import Policy
from sladesk.core.replay import evaluation_to_json
from sladesk.core.sla import BREACHED, RUNNING, Evaluation, Event, MetricState, Timeline, evaluate
from sladesk.core.warnings import warn_instant
from sladesk.policies.service import policy_of
from sladesk.tickets.models import Ticket, TicketEvent, TicketMetric

_METRICS = sql.Prepared(lambda ticket: TicketMetric.objects.filter(ticket_id=ticket), ticket=int)
_STORED = (
    "state", "priority", "calendar", "target_s", "elapsed_s", "remaining_s", "due_at", "breached_at", "anchor_at",
    "anchor_remaining_s", "warn_at", "evaluated_at", "breach_notified_at", "warning_notified_at",
)  # fmt: skip


def metrics_of(ticket: Ticket) -> list[TicketMetric]:
    """The ticket's metric rows: prefetched when the caller did, else read."""
    prefetched = getattr(ticket, "_prefetched_objects_cache", {})
    if "metrics" in prefetched:
        return list(prefetched["metrics"])
    return _METRICS.all(ticket=ticket.pk)


def policy_for(ticket: Ticket) -> Policy:
    return policy_of(ticket.policy_version)


def timeline_of(ticket: Ticket, now: datetime, events: Iterable[TicketEvent] | None = None) -> Timeline:
    rows = list(events) if events is not None else list(ticket.events.order_by("seq"))
    created = next((r for r in rows if r.action == "created"), None)
    initial = (created.priority if created else "") or None
    sla_events = tuple(Event(to_us(r.at), r.sla_type, r.priority or None) for r in rows if r.sla_type)
    return Timeline(to_us(ticket.received_at), ticket.channel, initial, sla_events, to_us(now))


def timeline_json(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """The ticket's timeline in the input format of ``sladesk sla replay``."""
    timeline = timeline_of(ticket, now)
    zone = ZoneInfo(settings.TIME_ZONE)
    events: list[dict[str, Any]] = []
    for e in timeline.events:
        item: dict[str, Any] = {"at": from_us(e.at, zone).isoformat(), "type": e.type}
        if e.priority:
            item["priority"] = e.priority
        events.append(item)
    return {
        "received_at": from_us(timeline.received_at, zone).isoformat(),
        "channel": timeline.channel,
        "priority": timeline.priority,
        "events": events,
        "now": from_us(timeline.now, zone).isoformat(),
    }


def evaluate_ticket(ticket: Ticket, now: datetime, events: Iterable[TicketEvent] | None = None) -> Evaluation:
    return evaluate(policy_for(ticket), timeline_of(ticket, now, events))


def metrics_json(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """The ticket's SLA as ``sla replay`` prints it, as of ``now``."""
    policy = policy_for(ticket)
    return evaluation_to_json(policy, evaluate(policy, timeline_of(ticket, now)))


def _dt(instant: int | None) -> datetime | None:
    return None if instant is None else from_us(instant)


@dataclass
class Crossed:
    """The thresholds a store found crossed and not yet recorded: metric name -> the
    deadline it concerns. The caller writes their events in the same transaction."""

    breaches: dict[str, datetime] = field(default_factory=dict)
    warnings: dict[str, datetime] = field(default_factory=dict)


def store_metrics(
    ticket: Ticket, evaluation: Evaluation, now: datetime, metrics: list[TicketMetric] | None = None
) -> Crossed:
    """Write each metric's state; the ticket's ``next_due_at`` becomes the nearest running deadline.

    Returns the breaches and warnings not yet recorded, marked recorded as of ``now``. A
    deadline that moves may warn and breach again (its new deadline is new); a metric found
    already breached gets its breach, never a late warning too. ``metrics``: the ticket's
    metric rows when the caller has them (none, for a new ticket)."""
    policy = policy_for(ticket)
    existing = {m.name: m for m in (metrics_of(ticket) if metrics is None else metrics)}
    crossed = Crossed()
    created: list[TicketMetric] = []
    changed: list[TicketMetric] = []
    for name, state in evaluation.metrics.items():
        row = existing.get(name) or TicketMetric(ticket=ticket, name=name)
        _copy(row, state, now, policy)
        if state.state == BREACHED and state.breached_at is not None and row.breach_notified_at is None:
            crossed.breaches[name] = from_us(state.breached_at)
            row.breach_notified_at = now
        if row.warn_at is not None and row.warn_at <= now and row.warning_notified_at is None:
            if state.state == RUNNING and row.due_at is not None:
                crossed.warnings[name] = row.due_at
            row.warning_notified_at = now  # a breach supersedes its warning
        (created if row.pk is None else changed).append(row)
    sql.insert(created)  # a new ticket's metrics: one statement
    sql.update_many(changed, _STORED)
    running = [m.due for m in evaluation.metrics.values() if m.anchor is not None and m.due is not None]
    ticket.next_due_at = _dt(min(running)) if running else None
    return crossed


def warn_at(policy: Policy, state: MetricState) -> datetime | None:
    """When a running metric warns (the policy's ``notifications.warn_at_used``)."""
    if state.anchor is None or state.anchor_remaining_us is None or not state.calendar or state.due is None:
        return None
    calendar = policy.calendar(state.calendar)
    share = policy.notifications.warn_at_used
    return from_us(warn_instant(calendar, state.anchor, state.anchor_remaining_us, state.target_us, share))


def _copy(row: TicketMetric, state: MetricState, now: datetime, policy: Policy) -> None:
    if row.due_at != _dt(state.due):
        row.breach_notified_at = None  # a new deadline may breach again
        row.warning_notified_at = None  # and warn again
    row.state = state.state
    row.priority = state.priority or ""
    row.calendar = state.calendar or ""
    row.target_s = state.target_us // 1_000_000
    row.elapsed_s = state.elapsed_us // 1_000_000
    row.remaining_s = None if state.remaining_us is None else state.remaining_us // 1_000_000
    row.due_at = _dt(state.due)
    row.breached_at = _dt(state.breached_at)
    row.anchor_at = _dt(state.anchor)
    row.anchor_remaining_s = None if state.anchor_remaining_us is None else state.anchor_remaining_us // 1_000_000
    row.warn_at = warn_at(policy, state)
    row.evaluated_at = now


def snapshot(evaluation: Evaluation) -> dict[str, dict[str, str | None]]:
    """Deadlines as the event log records them (before and after a change), in UTC."""
    return {
        name: {
            "state": m.state,
            "priority": m.priority,
            "due": None if m.due is None else from_us(m.due).isoformat(),
        }
        for name, m in evaluation.metrics.items()
    }
