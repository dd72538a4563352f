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
open one (if running) and the state; it does not depend on the priority, nor on
the instants: only on the kinds of the events, so it is worked out once per
sequence of kinds, in positions (0 the receipt, n the n-th event). Only then is
the target chosen and the business time counted on its calendar.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from operator import itemgetter
from typing import NamedTuple

from sladesk.core.calendar import Calendar
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


# The values are named tuples: immutable like frozen dataclasses, and several times cheaper
# to build, which counts when ``sla replay --batch`` makes millions of them.
class Event(NamedTuple):
    at: int  # microseconds since the epoch
    type: str
    priority: str | None = None


# What the engine reads of an event: (at, type, priority). An ``Event`` is one; a reader
# with many timelines to replay hands plain tuples to ``evaluate_events``.
EventTuple = tuple[int, str, str | None]


class Timeline(NamedTuple):
    received_at: int
    channel: str
    priority: str | None
    events: tuple[Event, ...]
    now: int


class MetricState(NamedTuple):
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


class Evaluation(NamedTuple):
    priority: str
    excluded: bool
    metrics: dict[str, MetricState]


# A ``Timeline``, or its fields as a plain tuple with plain event tuples (what a reader of
# many timelines hands, without building a Timeline and its Events).
TimelineFields = tuple[int, str, str | None, Iterable[EventTuple], int]


def evaluate(policy: Policy, timeline: TimelineFields) -> Evaluation:
    """Every metric of the policy for this timeline, as of its ``now``."""
    received_at, channel, initial, events_in, now = timeline
    events = sorted(events_in, key=_at)  # stable: same instant keeps list order
    if events and events[-1][0] > now:  # what happens after now is not known yet
        del events[bisect_right(events, now, key=_at) :]
    kinds = tuple(map(_kind, events))
    if "resolved" in kinds and "customer_replied" in kinds:
        events = _replies_read(policy, events)
        kinds = tuple(map(_kind, events))
    excluded = not policy.lifecycle.exclude_on.isdisjoint(kinds)
    current = initial
    if "priority_set" in kinds:
        for _, kind, set_to in events:
            if kind == "priority_set":
                current = set_to
    priority = current or policy.default_priority
    # Position 0 is the receipt (and the priority given with it), position n the n-th event.
    positions = (kinds, (received_at, *map(_at, events), now), (initial, *map(_priority, events)))
    out: dict[str, MetricState] = {}
    for rules in _rules_of(policy):
        if channel not in rules.metric.channels:
            out[rules.name] = rules.not_applicable
        elif excluded:
            out[rules.name] = rules.excluded
        else:
            out[rules.name] = _metric(policy, rules, positions, priority)
    return Evaluation(priority, excluded, out)


_at, _kind, _priority = itemgetter(0), itemgetter(1), itemgetter(2)


def _replies_read(policy: Policy, events: list[EventTuple]) -> list[EventTuple]:
    """The events with each customer reply on a resolved timeline read by the reopen
    rule: ``reopened`` within the window, dropped after it."""
    out: list[EventTuple] = []
    resolved_at: int | None = None
    for e in events:
        kind = e[1]
        if kind == "resolved":
            resolved_at = e[0]
        elif kind == "reopened":
            resolved_at = None
        elif kind == "customer_replied" and resolved_at is not None:
            if reopens(policy, resolved_at, e[0]):  # within the window: it reopens
                out.append(Event(e[0], "reopened"))
                resolved_at = None
            continue  # after the window it changes nothing
        out.append(e)
    return out


# What an event kind does to one metric, as bits (a kind may be in several of its lists).
_ENDS, _FINAL, _STARTS, _RESTARTS, _PAUSES, _RESUMES = 1, 2, 4, 8, 16, 32


class _Rules:
    """One metric of a policy as the engine uses it, worked out once per policy: what each
    event kind does to it, its states that depend on nothing else, and per priority its
    calendar and target."""

    __slots__ = ("excluded", "initial", "kinds", "metric", "name", "not_applicable", "targets", "walks")

    def __init__(self, policy: Policy, metric: Metric) -> None:
        self.name, self.metric = metric.name, metric
        self.initial = _WAIT if metric.start_on else _RUN
        final_on = policy.lifecycle.final_on
        self.kinds: dict[str, int] = {}
        for bit, kinds in (
            (_ENDS, final_on | metric.stop_on),
            (_FINAL, final_on),
            (_STARTS, metric.start_on),
            (_RESTARTS, metric.restart_on),
            (_PAUSES, metric.pause_on),
            (_RESUMES, metric.resume_on),
        ):
            for kind in kinds:
                self.kinds[kind] = self.kinds.get(kind, 0) | bit
        self.not_applicable = MetricState(metric.name, NOT_APPLICABLE)
        self.excluded = MetricState(metric.name, EXCLUDED)
        self.targets: dict[str, tuple[Calendar, int, str]] = {}  # filled as priorities come
        self.walks: dict[tuple[str, ...], _Walked] = {}  # by the kinds of the events, as they come

    def walk(self, kinds: tuple[str, ...]) -> _Walked:
        """``_walk`` over events of these kinds. A walk only records which event did what,
        so it is done once per sequence of kinds (timelines come in few shapes), on positions."""
        walked = self.walks.get(kinds)
        if walked is None:
            if len(self.walks) >= 4096:
                self.walks.clear()
            walked = self.walks[kinds] = _walk(self, kinds)
        return walked

    def target(self, policy: Policy, priority: str) -> tuple[Calendar, int, str]:
        """(calendar, target in µs, calendar name) of the target for ``priority``."""
        found = self.targets.get(priority)
        if found is None:
            target = self.metric.targets[priority]
            found = self.targets[priority] = (policy.calendar(target.calendar), target.target_us, target.calendar)
        return found


# Per policy (by identity; a policy is never changed once loaded), its metrics' rules.
_RULES: dict[int, tuple[Policy, tuple[_Rules, ...]]] = {}


def _rules_of(policy: Policy) -> tuple[_Rules, ...]:
    kept = _RULES.get(id(policy))
    if kept is None or kept[0] is not policy:
        if len(_RULES) >= 64:  # policy versions come and go: keep the recent ones
            _RULES.clear()
        kept = _RULES[id(policy)] = (policy, tuple(_Rules(policy, m) for m in policy.metrics.values()))
    return kept[1]


# A walk's result, in positions (0 the receipt, n the n-th event): the state at the end, the
# closed run segments [start, end), the start of the open one (when running), where it
# stopped, whose priority was in force then, and whether it stopped while paused.
_Walked = tuple[int, tuple[tuple[int, int], ...], int, int | None, int | None, bool]


def _walk(rules: _Rules, kinds: tuple[str, ...]) -> _Walked:
    """The metric's course over events of these kinds: its state at the end, its closed run
    segments, the start of the open one (when running), when it stopped and under which
    priority, and whether it stopped while paused (no deadline was running then)."""
    does = rules.kinds
    state = rules.initial
    segments: list[tuple[int, int]] = []
    open_start, stopped_at, stop_priority, stopped_paused = 0, None, None, False
    priority = 0  # the position whose priority is in force: the receipt's, or a priority_set's
    for t, kind in enumerate(kinds, 1):
        bits = does.get(kind, 0)
        if kind == "priority_set":
            priority = t
        elif bits & _ENDS:  # the first of final_on or stop_on stops it
            if state != _STOP:
                if state == _RUN:
                    segments.append((open_start, t))
                stopped_paused = state != _RUN  # paused, or not started yet
                state, stopped_at, stop_priority = _STOP, t, priority
            if bits & _FINAL:
                break
        elif state == _WAIT and bits & _STARTS:
            state, open_start = _RUN, t
        elif state == _STOP and bits & _RESTARTS:
            state, open_start, stopped_at = _RUN, t, None
        elif state == _RUN and bits & _PAUSES:
            segments.append((open_start, t))
            state = _PAUSE
        elif state == _PAUSE and bits & _RESUMES:
            state, open_start = _RUN, t
    return state, tuple(segments), open_start, stopped_at, stop_priority, stopped_paused


# The timeline by positions: the kinds of its events, the instant of each position (now
# last) and the priority given at each.
_Positions = tuple[tuple[str, ...], tuple[int, ...], tuple[str | None, ...]]


def _metric(policy: Policy, rules: _Rules, positions: _Positions, current: str) -> MetricState:
    kinds, at, priorities = positions
    state, segments, opened, stopped, stop_priority, stopped_paused = rules.walk(kinds)
    priority = (priorities[stop_priority or 0] or policy.default_priority) if state == _STOP else current
    cal, goal, cal_name = rules.targets.get(priority) or rules.target(policy, priority)
    counted = 0
    crossing: int | None = None
    last_start, last_counted = at[0], 0
    for i, j in segments:
        a, b = at[i], at[j]
        d = cal.business_us(a, b)
        if crossing is None and counted + d >= goal:
            c = cal.add_us(a, goal - counted)
            if c < b:
                crossing = c
        last_start, last_counted = a, counted
        counted += d
    name = rules.name
    if state == _RUN:
        open_start, now = at[opened], at[-1]
        elapsed = counted + cal.business_us(open_start, now)
        remaining = max(goal - counted, 0)
        due = crossing if crossing is not None else cal.add_us(open_start, remaining)
        if now > due:
            return MetricState(name, BREACHED, priority, cal_name, goal, elapsed, due, due, None, open_start, remaining)
        return MetricState(
            name, RUNNING, priority, cal_name, goal, elapsed, due, None, goal - elapsed, open_start, remaining
        )
    if crossing is not None:
        return MetricState(name, BREACHED, priority, cal_name, goal, counted, crossing, crossing)
    if state in (_PAUSE, _WAIT):  # not counting: a pause, or not started yet
        return MetricState(name, PAUSED, priority, cal_name, goal, counted, remaining_us=goal - counted)
    if stopped_paused and stopped is not None:  # no deadline ran then: count on from the stop
        due = cal.add_us(at[stopped], goal - counted)
    else:
        due = cal.add_us(last_start, goal - last_counted)
    return MetricState(name, MET, priority, cal_name, goal, counted, due)
