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
from typing import Final, NamedTuple

from sladesk.core.calendar import AlwaysCalendar, BusinessCalendar
from sladesk.core.lifecycle import reopens
from sladesk.core.policy.model import Metric, Policy

# Constants are ``Final``: compiled with mypyc, the core reads them inlined.
RUNNING: Final = "running"
PAUSED: Final = "paused"
MET: Final = "met"
BREACHED: Final = "breached"
NOT_APPLICABLE: Final = "not_applicable"
EXCLUDED: Final = "excluded"
STATES: Final = (RUNNING, PAUSED, MET, BREACHED, NOT_APPLICABLE, EXCLUDED)

# Where a metric is along its walk; _WAIT: not started yet (the metric has start_on events).
_RUN: Final = 0
_PAUSE: Final = 1
_STOP: Final = 2
_WAIT: Final = 3


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


# A MetricState's fields, in order.
_StateFields = tuple[
    str, str, str | None, str | None, int, int, int | None, int | None, int | None, int | None, int | None
]


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
    engine = _engine_of(policy)
    plan = engine.plan(kinds)
    if plan.reread:
        events = _replies_read(policy, events)
        kinds = tuple(map(_kind, events))
        plan = engine.plan(kinds)
    # Position 0 is the receipt (and the priority given with it), position n the n-th event.
    priorities = (initial, *map(_priority, events))
    priority = priorities[plan.set_at] or engine.default_priority
    at = (received_at, *map(_at, events), now)  # now last
    out: dict[str, MetricState] = {}
    metrics, walks = engine.metrics, plan.walks
    for i in range(len(metrics)):
        rules = metrics[i]
        if channel not in rules.channels:
            out[rules.name] = rules.not_applicable
        elif plan.excluded:
            out[rules.name] = rules.excluded
        else:
            out[rules.name] = _metric(engine, rules, walks[i], at, priorities, current=priority)
    return _new(Evaluation, (priority, plan.excluded, out))


# ``tuple.__new__(MetricState, fields)`` is what ``MetricState(*fields)`` does, without the
# call to the named tuple's ``__new__`` (a Python function): a third of the time it takes.
_new: Final = tuple.__new__


_at: Final = itemgetter(0)
_kind: Final = itemgetter(1)
_priority: Final = itemgetter(2)


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
_ENDS: Final = 1
_FINAL: Final = 2
_STARTS: Final = 4
_RESTARTS: Final = 8
_PAUSES: Final = 16
_RESUMES: Final = 32


class _Rules:
    """One metric of a policy as the engine uses it, worked out once per policy: what each
    event kind does to it, its states that depend on nothing else, and per priority its
    calendar and target."""

    __slots__ = ("channels", "excluded", "initial", "kinds", "metric", "name", "not_applicable", "targets")

    def __init__(self, policy: Policy, metric: Metric) -> None:
        self.name, self.metric = metric.name, metric
        self.channels = metric.channels
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
        self.targets: dict[str, tuple[AlwaysCalendar | BusinessCalendar, int, str]] = {}  # filled as priorities come

    def target(self, policy: Policy, priority: str) -> tuple[AlwaysCalendar | BusinessCalendar, int, str]:
        """(calendar, target in µs, calendar name) of the target for ``priority``."""
        found = self.targets.get(priority)
        if found is None:
            target = self.metric.targets[priority]
            found = self.targets[priority] = (policy.calendar(target.calendar), target.target_us, target.calendar)
        return found


class _Engine:
    """What the engine reads of one policy, worked out once: its metrics' rules, the
    default priority, the events that exclude a ticket from the SLA, and the plans of the
    sequences of event kinds met so far."""

    __slots__ = ("default_priority", "exclude_on", "metrics", "plans", "policy")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.default_priority = policy.default_priority
        self.exclude_on = policy.lifecycle.exclude_on
        self.metrics = tuple(_Rules(policy, m) for m in policy.metrics.values())
        self.plans: dict[tuple[str, ...], _Plan] = {}

    def plan(self, kinds: tuple[str, ...]) -> _Plan:
        """The plan of events of these kinds: worked out once per sequence of kinds
        (timelines come in few shapes)."""
        plan = self.plans.get(kinds)
        if plan is None:
            if len(self.plans) >= 4096:
                self.plans.clear()
            plan = self.plans[kinds] = _Plan(self, kinds)
        return plan


class _Plan:
    """What a sequence of event kinds means, whatever their instants: whether a reply on a
    resolved ticket must be read by the reopen rule (which looks at the instants), whether
    the ticket is excluded, the position of the last ``priority_set`` (0: none, the
    priority given at the receipt holds), and each metric's walk (``engine.metrics``' order)."""

    __slots__ = ("excluded", "reread", "set_at", "walks")

    def __init__(self, engine: _Engine, kinds: tuple[str, ...]) -> None:
        self.reread = "resolved" in kinds and "customer_replied" in kinds
        self.excluded = not engine.exclude_on.isdisjoint(kinds)
        self.set_at = 0
        for t, kind in enumerate(kinds, 1):
            if kind == "priority_set":
                self.set_at = t
        self.walks = tuple(_walk(rules, kinds) for rules in engine.metrics)


# Per policy (by identity; a policy is never changed once loaded).
_ENGINES: Final[dict[int, _Engine]] = {}


def _engine_of(policy: Policy) -> _Engine:
    engine = _ENGINES.get(id(policy))
    if engine is None or engine.policy is not policy:
        if len(_ENGINES) >= 64:  # policy versions come and go: keep the recent ones
            _ENGINES.clear()
        engine = _ENGINES[id(policy)] = _Engine(policy)
    return engine


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


def _metric(
    engine: _Engine,
    rules: _Rules,
    walked: _Walked,
    at: tuple[int, ...],
    priorities: tuple[str | None, ...],
    *,
    current: str,
) -> MetricState:
    """One metric on its walk, with the instant and the priority given at each position."""
    state, segments, opened, stopped, stop_priority, stopped_paused = walked
    priority = (priorities[stop_priority or 0] or engine.default_priority) if state == _STOP else current
    cal, goal, cal_name = rules.targets.get(priority) or rules.target(engine.policy, priority)
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
    fields: _StateFields
    if state == _RUN:
        open_start, now = at[opened], at[-1]
        elapsed = counted + cal.business_us(open_start, now)
        remaining = max(goal - counted, 0)
        due = crossing if crossing is not None else cal.add_us(open_start, remaining)
        if now > due:
            fields = (name, BREACHED, priority, cal_name, goal, elapsed, due, due, None, open_start, remaining)
        else:
            left = goal - elapsed
            fields = (name, RUNNING, priority, cal_name, goal, elapsed, due, None, left, open_start, remaining)
    elif crossing is not None:
        fields = (name, BREACHED, priority, cal_name, goal, counted, crossing, crossing, None, None, None)
    elif state in (_PAUSE, _WAIT):  # not counting: a pause, or not started yet
        fields = (name, PAUSED, priority, cal_name, goal, counted, None, None, goal - counted, None, None)
    else:
        if stopped_paused and stopped is not None:  # no deadline ran then: count on from the stop
            due = cal.add_us(at[stopped], goal - counted)
        else:
            due = cal.add_us(last_start, goal - last_counted)
        fields = (name, MET, priority, cal_name, goal, counted, due, None, None, None, None)
    return _new(MetricState, fields)
