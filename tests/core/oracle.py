"""A naive oracle for the SLA core, written from POLICY.md alone.

Nothing here uses ``sladesk.core.calendar`` or ``sladesk.core.sla``: only the
standard library, ``zoneinfo``, the ``holidays`` library and ``dateutil.easter``.
The policy object is only *read* (calendar specs, metric rules, targets).

Everything walks minute by minute, so every instant must be on a whole minute.
It is slow on purpose: each step is obvious.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from dateutil.easter import easter

MINUTE = timedelta(minutes=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_STEPS = 400 * 24 * 60  # a deadline more than 400 days away is a bug in the test

RUNNING, PAUSED, STOPPED = "running", "paused", "stopped"


# ---- calendars ------------------------------------------------------------------------
def holiday_dates(hspec: Any, year: int) -> set[date]:
    """The library's holidays for the country/subdivision/categories, plus the additions."""
    out: set[date] = set()
    if hspec is None:
        return out
    if hspec.country:
        lib = holidays_lib.country_holidays(
            hspec.country, subdiv=hspec.subdivision, years=year, categories=tuple(hspec.categories)
        )
        out.update(lib.keys())
    for extra in hspec.additions:
        if extra.on is not None:
            if extra.on.year == year:
                out.add(extra.on)
        elif extra.easter_offset is not None:
            out.add(easter(year) + timedelta(days=extra.easter_offset))
        elif extra.month is not None and extra.day is not None:
            with suppress(ValueError):  # Feb 29 in a common year
                out.add(date(year, extra.month, extra.day))
    return out


class NaiveCalendar:
    """Open minutes of each local day, worked out one day at a time."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self._holidays: dict[int, set[date]] = {}
        self._days: dict[date, frozenset[int]] = {}

    def open_minutes(self, day: date) -> frozenset[int]:
        """The local minutes (0..1439) of ``day`` that are business minutes."""
        if day not in self._days:
            self._days[day] = self._compute(day)
        return self._days[day]

    def _compute(self, day: date) -> frozenset[int]:
        if day.year not in self._holidays:
            self._holidays[day.year] = holiday_dates(self.spec.holidays, day.year)
        if day in self._holidays[day.year]:
            return frozenset()
        minutes = {m for start, end in self.spec.week[day.weekday()] for m in range(start, end)}
        for closure in self.spec.closures:
            if closure.day != day:
                continue
            if closure.start_min is None or closure.end_min is None:
                return frozenset()
            minutes -= set(range(closure.start_min, closure.end_min))
        return frozenset(minutes)

    def is_business_minute(self, instant: datetime) -> bool:
        if self.spec.kind == "24x7":
            return True
        local = instant.astimezone(self.zone)
        return local.hour * 60 + local.minute in self.open_minutes(local.date())


_CALENDARS: dict[int, tuple[Any, NaiveCalendar]] = {}


def naive_calendar(spec: Any) -> NaiveCalendar:
    kept = _CALENDARS.get(id(spec))
    if kept is None or kept[0] is not spec:
        kept = _CALENDARS[id(spec)] = (spec, NaiveCalendar(spec))
    return kept[1]


def _check_minute(instant: datetime) -> None:
    assert instant.tzinfo is not None, "the oracle takes aware instants"
    assert instant.second == 0 and instant.microsecond == 0, f"{instant} is not on a whole minute"


def is_business_minute(instant: datetime, spec: Any) -> bool:
    """Whether the minute starting at ``instant`` counts on the calendar ``spec``."""
    _check_minute(instant)
    return naive_calendar(spec).is_business_minute(instant)


def business_minutes(start: datetime, end: datetime, spec: Any) -> int:
    """Business minutes in [start, end), one minute at a time."""
    _check_minute(start)
    _check_minute(end)
    cal = naive_calendar(spec)
    count, t = 0, start
    while t < end:
        count += cal.is_business_minute(t)
        t += MINUTE
    return count


def add_minutes(start: datetime, minutes: int, spec: Any) -> datetime:
    """The first instant at which ``minutes`` business minutes after ``start`` have
    passed: the end of the minute that completes them (so 18:00 stays 18:00)."""
    _check_minute(start)
    if minutes <= 0:
        return start
    cal = naive_calendar(spec)
    counted, t = 0, start
    for _ in range(MAX_STEPS):
        counted += cal.is_business_minute(t)
        t += MINUTE
        if counted == minutes:
            return t
    raise AssertionError(f"{minutes} business minutes not reached within {MAX_STEPS} minutes of {start}")


def to_us(moment: datetime) -> int:
    """An aware instant as microseconds since the epoch (the engine's unit)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


# ---- SLA ------------------------------------------------------------------------------
def parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None
    return moment.astimezone(UTC)


def evaluate(policy: Any, timeline: dict[str, Any]) -> dict[str, Any]:
    """The replay output POLICY.md asks for, worked out minute by minute."""
    received, now = parse(timeline["received_at"]), parse(timeline["now"])
    events = [e for e in timeline.get("events", []) if parse(e["at"]) <= now]
    events.sort(key=lambda e: parse(e["at"]))  # stable: same instant keeps list order
    events = _as_the_desk_reads_replies(policy, events)
    current = timeline.get("priority")
    for e in events:
        if e["type"] == "priority_set":
            current = e["priority"]
    priority = current or policy.default_priority
    excluded = any(e["type"] in policy.lifecycle.exclude_on for e in events)
    metrics: dict[str, Any] = {}
    for name, metric in policy.metrics.items():
        if timeline["channel"] not in metric.channels:
            metrics[name] = {"state": "not_applicable"}
        elif excluded:
            metrics[name] = {"state": "excluded"}
        else:
            metrics[name] = _metric(policy, metric, timeline, events, received, now, priority)
    return {"priority": priority, "metrics": metrics}


def _as_the_desk_reads_replies(policy: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The desk's reopen rule: a customer's reply to a resolved ticket is late when more
    than ``reopen_window_days`` have passed since it was resolved (a new ticket is opened
    and this one is left alone); otherwise it reopens the ticket."""
    window = timedelta(days=policy.lifecycle.reopen_window_days)
    status, resolved_at = "open", EPOCH
    out = []
    for e in events:
        at, kind = parse(e["at"]), e["type"]
        if status == "resolved" and kind == "customer_replied":
            if at - resolved_at > window:
                continue
            kind = "reopened"
        if kind == "resolved":
            status, resolved_at = "resolved", at
        elif kind == "reopened":
            status = "open"
        out.append({**e, "type": kind})
    return out


class _Clock:
    """One metric's state machine: running, paused or stopped."""

    def __init__(self, policy: Any, metric: Any, priority: str | None) -> None:
        self.policy, self.metric = policy, metric
        self.state, self.priority = RUNNING, priority
        self.stopped_at: datetime | None = None
        self.stop_priority: str | None = None
        self.final = False

    def apply(self, kind: str, at: datetime, priority: str | None) -> None:
        m = self.metric
        if self.final:
            return
        if kind == "priority_set":
            self.priority = priority
        elif kind in self.policy.lifecycle.final_on or kind in m.stop_on:
            if self.state != STOPPED:
                self.state, self.stopped_at, self.stop_priority = STOPPED, at, self.priority
            self.final = kind in self.policy.lifecycle.final_on
        elif self.state == STOPPED and kind in m.restart_on:
            self.state, self.stopped_at = RUNNING, None
        elif self.state == RUNNING and kind in m.pause_on:
            self.state = PAUSED
        elif self.state == PAUSED and kind in m.resume_on:
            self.state = RUNNING


def _goal_minutes(policy: Any, metric: Any, priority: str) -> tuple[Any, int]:
    """The target's calendar spec and its length in minutes (1 dia útil = day_hours)."""
    target = metric.targets[priority]
    spec = policy.calendars[target.calendar]
    hours = target.hours if target.hours is not None else target.business_days * spec.day_hours
    return spec, round(hours * 60)


def _states(
    policy: Any, metric: Any, timeline: dict[str, Any], events: list[dict[str, Any]], received: datetime, now: datetime
) -> tuple[list[str], _Clock]:
    """Pass 1: the state during every minute from receipt to now (it does not
    depend on the priority), and the clock as it stands at now itself."""
    at_instant: dict[datetime, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        at_instant[parse(e["at"])].append(e)
    clock = _Clock(policy, metric, timeline.get("priority"))
    states: list[str] = []
    t = received
    while True:
        for e in at_instant.get(t, []):
            clock.apply(e["type"], t, e.get("priority"))
        if t >= now:
            break
        states.append(clock.state)
        t += MINUTE
    assert t == now and all(parse(e["at"]) in at_instant for e in events)
    return states, clock


@dataclass
class _Count:
    counted: int = 0  # business minutes run
    reached_at: datetime | None = None  # when the count reached the goal
    stretch_start: datetime | None = None  # start of the latest run without pause or stop
    breach: datetime | None = None  # the due instant it ran past, if any


def _count(states: list[str], received: datetime, now: datetime, goal: int, cal: NaiveCalendar) -> _Count:
    """Pass 2: count business minutes while running. A running minute that
    starts with the goal already reached is past due; due was the instant the
    goal was reached, or the start of this run if it was reached before."""
    c, previous = _Count(), None
    for i, state in enumerate(states):
        minute = received + i * MINUTE
        if state == RUNNING and previous != RUNNING:
            c.stretch_start = minute
        previous = state
        if state != RUNNING:
            continue
        if c.counted >= goal and c.breach is None:
            c.breach = max(c.reached_at, c.stretch_start)  # type: ignore[type-var]
        if cal.is_business_minute(minute):
            c.counted += 1
            if c.counted == goal:
                c.reached_at = minute + MINUTE
    if previous != RUNNING:  # running from now itself (or never)
        c.stretch_start = now
    return c


def _metric(
    policy: Any,
    metric: Any,
    timeline: dict[str, Any],
    events: list[dict[str, Any]],
    received: datetime,
    now: datetime,
    current: str,
) -> dict[str, Any]:
    states, clock = _states(policy, metric, timeline, events, received, now)
    # Judged under the priority in force when it stopped, else the current one.
    priority = (clock.stop_priority or policy.default_priority) if clock.state == STOPPED else current
    spec, goal = _goal_minutes(policy, metric, priority)
    c = _count(states, received, now, goal, naive_calendar(spec))

    def shown(moment: datetime) -> str:
        return moment.astimezone(ZoneInfo(spec.timezone)).isoformat()

    out: dict[str, Any] = {
        "state": None,
        "due": None,
        "breached_at": None,
        "elapsed_s": c.counted * 60,
        "target_s": goal * 60,
        "calendar": metric.targets[priority].calendar,
        "priority": priority,
    }
    if c.breach is not None:
        return {**out, "state": "breached", "due": shown(c.breach), "breached_at": shown(c.breach)}
    if clock.state == PAUSED:
        return {**out, "state": "paused", "remaining_s": (goal - c.counted) * 60}
    if clock.state == STOPPED:
        # As of the stop, with no further pauses: the stop itself if the goal was just reached.
        due = add_minutes(clock.stopped_at, goal - c.counted, spec)  # type: ignore[arg-type]
        return {**out, "state": "met", "due": shown(due)}
    # Goal already reached (exactly now, or before a run that starts now): due then; else count on from now.
    reached = c.counted >= goal
    due = max(c.reached_at, c.stretch_start) if reached else add_minutes(now, goal - c.counted, spec)  # type: ignore[type-var]
    return {**out, "state": "running", "due": shown(due), "remaining_s": (goal - c.counted) * 60}
