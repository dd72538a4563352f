"""The SLA clocks: from a ticket's timeline to the state of each metric.

The reading is POLICY.md's:

- every metric starts at the receipt time, or at the first of its ``start_on``
  events when the policy lists some (until then it shows as paused, its whole
  target remaining); the policy says which events stop, restart, pause and
  resume it;
- a metric's outcome is judged under the priority in force when it stopped, so
  a stopped metric keeps its outcome when the priority changes later; a running
  or paused one is judged under the current priority, from the original
  receipt time, keeping every pause;
- ``due`` is the earliest instant at which the counted time reaches the target
  with no further pauses; a metric is breached when it ran past ``due``
  (``breached_at = due``); it is met when it stopped at or before ``due``;
  one that stops while paused is met unless it had already run past its
  deadline, and its ``due`` is counted on from the stop (no deadline was
  running then);
- the desk's reopen rule (``core.lifecycle.reopens``): while the timeline is
  resolved (after ``resolved``, before ``reopened``), a ``customer_replied``
  within the policy's ``reopen_window_days`` of the resolution, its last
  instant included, is read as ``reopened`` (resolution resumes with the time
  already counted); one after the window changes nothing (the desk opens a
  follow-up ticket instead). A ``customer_replied`` while not resolved keeps
  its meaning (it resumes a paused metric), and after ``closed`` nothing
  changes a metric anyway.

The walk over the events finds, for one metric, the closed run segments, the
open one (if running) and the state; it does not depend on the priority.
Only then is the target chosen and the business time counted on its calendar.
"""

from __future__ import annotations

from dataclasses import dataclass

from sladesk.core.lifecycle import reopens
from sladesk.core.policy.model import Metric, Policy

RUNNING = "running"
PAUSED = "paused"
MET = "met"
BREACHED = "breached"
NOT_APPLICABLE = "not_applicable"
EXCLUDED = "excluded"
STATES = (RUNNING, PAUSED, MET, BREACHED, NOT_APPLICABLE, EXCLUDED)

_RUN, _PAUSE, _STOP, _WAIT = 0, 1, 2, 3  # _WAIT: not started yet (the metric has start_on events)


@dataclass(frozen=True, slots=True)
class Event:
    at: int  # microseconds since the epoch
    type: str
    priority: str | None = None


@dataclass(frozen=True, slots=True)
class Timeline:
    received_at: int
    channel: str
    priority: str | None
    events: tuple[Event, ...]
    now: int


@dataclass(frozen=True, slots=True)
class MetricState:
    """One metric as of ``now``. Instants and durations in microseconds."""

    name: str
    state: str
    priority: str | None = None  # whose target applies
    calendar: str | None = None
    target_us: int = 0
    elapsed_us: int = 0
    due: int | None = None
    breached_at: int | None = None
    remaining_us: int | None = None
    # For a running clock: due == calendar.add(anchor, anchor_remaining_us).
    # The database stores both, so a changed calendar can move every open
    # deadline in bulk without replaying timelines.
    anchor: int | None = None
    anchor_remaining_us: int | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    priority: str
    excluded: bool
    metrics: dict[str, MetricState]


@dataclass(slots=True)
class _Walk:
    state: int
    segments: list[tuple[int, int]]  # closed run segments [start, end)
    open_start: int  # start of the open segment when running
    stopped_at: int | None
    stop_priority: str | None
    stopped_paused: bool = False  # it stopped while paused (no deadline was running)


def evaluate(policy: Policy, timeline: Timeline) -> Evaluation:
    """Every metric of the policy for this timeline, as of ``timeline.now``."""
    now = timeline.now
    events = [e for e in timeline.events if e.at <= now]
    events.sort(key=_at)  # stable: same instant keeps list order
    events = _replies_read(policy, events)
    exclude_on = policy.lifecycle.exclude_on
    excluded = False
    current = timeline.priority
    for e in events:
        if e.type in exclude_on:
            excluded = True
        if e.type == "priority_set":
            current = e.priority
    priority = current or policy.default_priority
    out: dict[str, MetricState] = {}
    for name, metric in policy.metrics.items():
        if timeline.channel not in metric.channels:
            out[name] = MetricState(name, NOT_APPLICABLE)
        elif excluded:
            out[name] = MetricState(name, EXCLUDED)
        else:
            out[name] = _metric(policy, metric, timeline, events, priority)
    return Evaluation(priority, excluded, out)


def _at(event: Event) -> int:
    return event.at


def _replies_read(policy: Policy, events: list[Event]) -> list[Event]:
    """The events with each customer reply on a resolved timeline read by the reopen
    rule: ``reopened`` within the window, dropped after it."""
    out: list[Event] = []
    resolved_at: int | None = None
    for e in events:
        if e.type == "resolved":
            resolved_at = e.at
        elif e.type == "reopened":
            resolved_at = None
        elif e.type == "customer_replied" and resolved_at is not None:
            if reopens(policy, resolved_at, e.at):  # within the window: it reopens
                out.append(Event(e.at, "reopened"))
                resolved_at = None
            continue  # after the window it changes nothing
        out.append(e)
    return out


def _walk(policy: Policy, metric: Metric, timeline: Timeline, events: list[Event]) -> _Walk:
    final_on = policy.lifecycle.final_on
    w = _Walk(_WAIT if metric.start_on else _RUN, [], timeline.received_at, None, None)
    priority = timeline.priority
    for e in events:
        kind, t = e.type, e.at
        if kind == "priority_set":
            priority = e.priority
        elif kind in final_on or kind in metric.stop_on:
            if w.state != _STOP:
                if w.state == _RUN:
                    w.segments.append((w.open_start, t))
                w.stopped_paused = w.state in (_PAUSE, _WAIT)
                w.state, w.stopped_at, w.stop_priority = _STOP, t, priority
            if kind in final_on:
                break
        elif w.state == _WAIT and kind in metric.start_on:
            w.state, w.open_start = _RUN, t
        elif w.state == _STOP and kind in metric.restart_on:
            w.state, w.open_start, w.stopped_at = _RUN, t, None
        elif w.state == _RUN and kind in metric.pause_on:
            w.segments.append((w.open_start, t))
            w.state = _PAUSE
        elif w.state == _PAUSE and kind in metric.resume_on:
            w.state, w.open_start = _RUN, t
    return w


def _metric(policy: Policy, metric: Metric, timeline: Timeline, events: list[Event], current: str) -> MetricState:
    w = _walk(policy, metric, timeline, events)
    priority = (w.stop_priority or policy.default_priority) if w.state == _STOP else current
    target = metric.targets[priority]
    cal = policy.calendar(target.calendar)
    goal = target.target_us
    counted = 0
    crossing: int | None = None
    last_start, last_counted = timeline.received_at, 0
    for a, b in w.segments:
        d = cal.business_us(a, b)
        if crossing is None and counted + d >= goal:
            c = cal.add_us(a, goal - counted)
            if c < b:
                crossing = c
        last_start, last_counted = a, counted
        counted += d
    name, cal_name = metric.name, target.calendar
    if w.state == _RUN:
        elapsed = counted + cal.business_us(w.open_start, timeline.now)
        remaining = max(goal - counted, 0)
        due = crossing if crossing is not None else cal.add_us(w.open_start, remaining)
        if timeline.now > due:
            return MetricState(
                name, BREACHED, priority, cal_name, goal, elapsed, due, due, None, w.open_start, remaining
            )
        return MetricState(
            name, RUNNING, priority, cal_name, goal, elapsed, due, None, goal - elapsed, w.open_start, remaining
        )
    if crossing is not None:
        return MetricState(name, BREACHED, priority, cal_name, goal, counted, crossing, crossing)
    if w.state in (_PAUSE, _WAIT):  # not counting: a pause, or not started yet
        return MetricState(name, PAUSED, priority, cal_name, goal, counted, remaining_us=goal - counted)
    if w.stopped_paused and w.stopped_at is not None:  # no deadline ran then: count on from the stop
        due = cal.add_us(w.stopped_at, goal - counted)
    else:
        due = cal.add_us(last_start, goal - last_counted)
    return MetricState(name, MET, priority, cal_name, goal, counted, due)
