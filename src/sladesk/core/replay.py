"""``sla replay`` in and out: a JSON timeline to the engine and its result to JSON.

Pure (no Django): the command line, the ticket pages and the tests use it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any

import orjson

from sladesk.core.instants import US, NaiveDatetimeError, from_us, parse_instant
from sladesk.core.policy.model import EVENT_TYPES, Policy
from sladesk.core.rules import rule_text
from sladesk.core.sla import EXCLUDED, NOT_APPLICABLE, PAUSED, Evaluation, Event, MetricState, Timeline, evaluate

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
