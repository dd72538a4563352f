"""The engine and the ``sla replay`` writer as they were before the batch was made fast
(commit 9e5a3f5: ``core/instants.py``, ``core/sla.py`` and ``core/replay.py``, verbatim but
for their imports): the oracle that the fast path's output is compared with, byte for byte.

Only tests import it; nothing here is maintained beyond keeping it runnable."""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import orjson

from sladesk.core.lifecycle import reopens
from sladesk.core.policy.model import EVENT_TYPES, Metric, Policy
from sladesk.core.rules import rule_text


# ---- core/instants.py ------------------------------------------------------------


US = 1_000_000
HOUR_US = 3600 * US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_fromtimestamp = datetime.fromtimestamp


class NaiveDatetimeError(ValueError):
    """An instant without a UTC offset: we never guess a time zone."""


def to_us(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact)."""
    try:
        return (moment - EPOCH) // _ONE_US
    except TypeError:  # Python refuses to subtract a naive datetime from an aware one: say why
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise NaiveDatetimeError(f"{moment.isoformat()} has no UTC offset") from None
        raise


def from_us(instant: int, zone: tzinfo = UTC) -> datetime:
    """Integer microseconds since the epoch as an aware datetime in ``zone``."""
    seconds, micro = divmod(instant, US)
    try:
        # The same zone.fromutc as astimezone, on whole seconds: exact, and twice as fast.
        moment = _fromtimestamp(seconds, zone)
    except (OverflowError, OSError, ValueError):
        pass  # out of range: the general way below raises its own error, as it always did
    else:
        if micro:
            # Offsets change on whole seconds, so the microseconds never cross a transition;
            # adding a timedelta keeps the offset but drops fold, hence replace() when fold is set.
            return moment.replace(microsecond=micro) if moment.fold else moment + timedelta(microseconds=micro)
        return moment
    return (EPOCH + timedelta(microseconds=instant)).astimezone(zone)


def parse_instant(text: str) -> int:
    """An ISO 8601 instant with an offset (``Z`` allowed) as microseconds."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise NaiveDatetimeError(f"{text!r} has no UTC offset (write it like 2026-06-03T16:00:00-03:00)")
    return to_us(moment)


# ---- core/sla.py ----------------------------------------------------------------


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


# ---- core/replay.py -------------------------------------------------------------
_EVENT_TYPES = frozenset(EVENT_TYPES)
SHOWN = 80  # characters of a bad value quoted in a message


class ReplayInputError(ValueError):
    """A timeline that cannot be replayed; the message says which field and why."""


def timeline_from_json(data: Any, policy: Policy) -> Timeline:
    if not isinstance(data, dict):
        raise ReplayInputError(f"expected a JSON object, got {type(data).__name__}")
    received = _instant(data, "received_at")
    channel = data.get("channel")
    if not (isinstance(channel, str) and channel in policy.channels):
        raise ReplayInputError(f"channel: {_shown(channel)} is not one of {', '.join(policy.channels)}")
    priority = _priority(data.get("priority"), policy, "priority")
    raw_events = data.get("events", [])
    if not isinstance(raw_events, list):
        raise ReplayInputError("events: expected a list of {at, type} objects")
    events = tuple([_event(e, i, policy, received) for i, e in enumerate(raw_events)])
    return Timeline(received, channel, priority, events, _now(data, received))


def _now(data: dict[str, Any], received: int) -> int:
    if data.get("now") is None:
        now = int(time.time() * US)
        if now < received:
            raise ReplayInputError(
                f"received_at: {data['received_at']!r} is in the future and no 'now' is given "
                "(it defaults to the current time): give a 'now' at or after received_at"
            )
        return now
    now = _instant(data, "now")
    if now < received:
        raise ReplayInputError(f"now: {_shown(data['now'])} is before received_at")
    return now


def _shown(value: Any) -> str:
    """A bad value as a message quotes it: its repr, cut short (a line may hold anything)."""
    text = repr(value)
    return text if len(text) <= SHOWN else f"{text[: SHOWN - 3]}..."


def _instant(data: dict[str, Any], key: str, event: int | None = None) -> int:
    value = data.get(key)
    if isinstance(value, str):
        try:
            return parse_instant(value)
        except ValueError:
            pass
    # The messages name the field: ``now``, or ``events[3].at`` (built only here, on failure).
    where = key if event is None else f"events[{event}].{key}"
    if not isinstance(value, str):
        raise ReplayInputError(f"{where}: expected an ISO 8601 instant with offset, e.g. 2026-06-03T16:00:00-03:00")
    try:
        return parse_instant(value)
    except NaiveDatetimeError:
        raise ReplayInputError(
            f"{where}: {_shown(value)} has no UTC offset (write it like 2026-06-03T16:00:00-03:00)"
        ) from None
    except ValueError:
        raise ReplayInputError(f"{where}: {_shown(value)} is not an ISO 8601 instant with offset") from None


def _priority(value: Any, policy: Policy, where: str) -> str | None:
    if value is None or (isinstance(value, str) and value in policy.priorities):
        return value
    raise ReplayInputError(f"{where}: {_shown(value)} is not one of {', '.join(policy.priorities)} or null")


def _event(data: Any, i: int, policy: Policy, received: int) -> Event:
    if not isinstance(data, dict):
        raise ReplayInputError(f"events[{i}]: expected an object with 'at' and 'type'")
    at = _instant(data, "at", i)
    if at < received:
        raise ReplayInputError(f"events[{i}].at: {_shown(data['at'])} is before received_at")
    kind = data.get("type")
    if not (isinstance(kind, str) and kind in _EVENT_TYPES):
        raise ReplayInputError(f"events[{i}].type: {_shown(kind)} is not one of {', '.join(EVENT_TYPES)}")
    priority = None
    if kind == "priority_set":
        priority = _priority(data.get("priority"), policy, f"events[{i}].priority")
        if priority is None:
            raise ReplayInputError(
                f"events[{i}].priority: priority_set needs a priority ({', '.join(policy.priorities)})"
            )
    return Event(at, kind, priority)


def evaluation_to_json(policy: Policy, evaluation: Evaluation) -> dict[str, Any]:
    return _Json(policy).evaluation(evaluation)


class _Json:
    """Evaluations of one policy as JSON. What depends only on the metric, its
    priority and its calendar (the zone, the rule text) is worked out once, so a
    batch does not redo it for every timeline."""

    __slots__ = ("_fixed", "policy")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._fixed: dict[tuple[str, str, str], tuple[tzinfo, str]] = {}

    def evaluation(self, evaluation: Evaluation) -> dict[str, Any]:
        return {
            "priority": evaluation.priority,
            "metrics": {name: self.metric(m) for name, m in evaluation.metrics.items()},
        }

    def metric(self, m: MetricState) -> dict[str, Any]:
        if m.state in (NOT_APPLICABLE, EXCLUDED) or m.calendar is None or m.priority is None:
            return {"state": m.state}
        key = (m.name, m.priority, m.calendar)
        fixed = self._fixed.get(key)
        if fixed is None:
            policy = self.policy
            spec = policy.calendars[m.calendar]
            calendar = policy.calendar(m.calendar)
            target = policy.metrics[m.name].targets[m.priority]
            fixed = self._fixed[key] = (calendar.zone, rule_text(target, spec))
        zone, rule = fixed
        due = None if m.due is None or m.state == PAUSED else _iso(m.due, zone)
        if m.breached_at is None:
            breached_at = None
        elif m.breached_at == m.due and due is not None:
            breached_at = due  # breached_at = due: the same text
        else:
            breached_at = _iso(m.breached_at, zone)
        out: dict[str, Any] = {
            "state": m.state,
            "due": due,
            "breached_at": breached_at,
            "elapsed_s": m.elapsed_us // US,
            "target_s": m.target_us // US,
            "calendar": m.calendar,
            "priority": m.priority,
            "rule": rule,
        }
        if m.remaining_us is not None:
            out["remaining_s"] = m.remaining_us // US
        return out


def _iso(instant: int, zone: Any) -> str:
    moment: datetime = from_us(instant, zone)
    return moment.isoformat()


OUT_OF_RANGE = "an instant or deadline falls outside the years a calendar can cover (1 to 9998)"
UNEXPECTED = "this timeline could not be replayed, please report it"


def replay_one(policy: Policy, data: Any) -> dict[str, Any]:
    return _replay(policy, data, _Json(policy).evaluation)


def _replay(policy: Policy, data: Any, to_json: Callable[[Evaluation], dict[str, Any]]) -> dict[str, Any]:
    """One timeline replayed; every way it can fail is a ReplayInputError that says why."""
    try:
        return to_json(evaluate(policy, timeline_from_json(data, policy)))
    except ReplayInputError:
        raise
    except OverflowError:
        raise ReplayInputError(OUT_OF_RANGE) from None
    except (ValueError, TypeError, ArithmeticError, LookupError, RecursionError) as exc:
        # Not expected (the input is checked first), but still this timeline's failure, not the batch's.
        raise ReplayInputError(f"{UNEXPECTED} ({type(exc).__name__}: {_shown(str(exc))})") from exc


def replay_lines(policy: Policy, lines: Iterable[bytes]) -> Iterator[tuple[bytes, str | None]]:
    """JSON Lines in, (output line, error or None) out, in the same order.

    A bad line yields ``{"error": ...}`` in its place, so outputs stay aligned
    with inputs and nothing else is lost.
    """
    to_json = _Json(policy).evaluation
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            result = _replay(policy, orjson.loads(line), to_json)
        except orjson.JSONDecodeError as exc:
            msg = f"line {number}: not valid JSON ({exc})"
            yield orjson.dumps({"error": msg}), msg
        except ReplayInputError as exc:
            msg = f"line {number}: {exc}"
            yield orjson.dumps({"error": msg}), msg
        else:
            yield orjson.dumps(result), None
