"""What a change would do to a ticket's deadlines, before it is made: the engine run on the
ticket's timeline plus the hypothetical event, nothing written.

The same ``core.sla.evaluate`` the action will run, on the same events, at the same instant
(the action appends its event at ``max(now, last event)``), so the preview shows what the
confirmed change records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sladesk.core.instants import to_us
from sladesk.core.replay import evaluation_to_json
from sladesk.core.sla import Evaluation, Event, Timeline, evaluate
from sladesk.tickets import clocks
from sladesk.tickets.models import Ticket, TicketEvent
from sladesk.tickets.presenters import PanelRow, sla_panel


def with_event(timeline: Timeline, event: Event) -> Timeline:
    """The timeline as it would be with ``event`` appended (it is the latest)."""
    return timeline._replace(events=(*timeline.events, event), now=max(timeline.now, event.at))


def hypothetical_priority(ticket: Ticket, priority: str, now: datetime, events: list[TicketEvent]) -> Timeline:
    """The ticket's timeline plus a ``priority_set`` to ``priority`` at the instant the action
    would record it."""
    at = max(now, events[-1].at if events else ticket.received_at)
    timeline = clocks.timeline_of(ticket, at, events)
    return with_event(timeline, Event(to_us(at), "priority_set", priority))


@dataclass(frozen=True)
class Row:
    """One metric now and after the change."""

    before: PanelRow
    after: PanelRow

    @property
    def moves(self) -> bool:
        return (self.before.badge.due, self.before.state) != (self.after.badge.due, self.after.state)


@dataclass(frozen=True)
class PriorityPreview:
    priority: str
    current: str  # the priority the clocks use now (the policy's default when none is set)
    rows: list[Row]
    seen: int  # the last event the preview was computed from: the confirmation carries it


def priority_preview(ticket: Ticket, priority: str, now: datetime) -> PriorityPreview:
    events = list(ticket.events.order_by("seq"))
    policy = clocks.policy_for(ticket)
    at = max(now, events[-1].at if events else ticket.received_at)
    before = evaluate(policy, clocks.timeline_of(ticket, at, events))
    after = evaluate(policy, hypothetical_priority(ticket, priority, now, events))
    panels = [sla_panel(evaluation_to_json(policy, e), _running(e), policy, at) for e in (before, after)]
    rows = [Row(b, a) for b, a in zip(*panels, strict=True)]
    return PriorityPreview(priority, before.priority, rows, events[-1].seq if events else 0)


def _running(evaluation: Evaluation) -> set[str]:
    return {name for name, m in evaluation.metrics.items() if m.anchor is not None}
