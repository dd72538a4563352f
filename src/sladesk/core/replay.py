"""``sla replay`` in and out: a JSON timeline to the engine and its result to JSON.

Pure (no Django): the command line, the ticket pages and the tests use it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final, TypeVar

import orjson

from sladesk.core.instants import US, IsoFormatter, IsoParser, NaiveDatetimeError, parse_instant
from sladesk.core.policy.model import EVENT_TYPES, Policy
from sladesk.core.rules import rule_text
from sladesk.core.sla import (
    EXCLUDED,
    NOT_APPLICABLE,
    PAUSED,
    Evaluation,
    Event,
    EventTuple,
    MetricState,
    Timeline,
    TimelineFields,
    evaluate,
)

_EVENT_TYPES: Final = frozenset(EVENT_TYPES)
SHOWN: Final = 80  # characters of a bad value quoted in a message
_Out = TypeVar("_Out")
_parse_iso: Final = IsoParser()


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
    priority and its calendar (the zone, the rule text, the fixed part of the text) is
    worked out once, so a batch does not redo it for every timeline."""

    __slots__ = ("_fixed", "_formatters", "_parts", "_quoted", "policy")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._fixed: dict[tuple[str, str, str], tuple[IsoFormatter, str]] = {}
        self._formatters: dict[str, IsoFormatter] = {}  # by calendar name
        self._quoted: dict[str, str] = {}  # a name as a JSON string
        self._parts: dict[tuple[str, str, str | None, str | None], tuple[str] | tuple[str, str, IsoFormatter]] = {}

    def evaluation(self, evaluation: Evaluation) -> dict[str, Any]:
        return {
            "priority": evaluation.priority,
            "metrics": {name: self.metric(m) for name, m in evaluation.metrics.items()},
        }

    def metric(self, m: MetricState) -> dict[str, Any]:
        if m.state in (NOT_APPLICABLE, EXCLUDED) or m.calendar is None or m.priority is None:
            return {"state": m.state}
        iso, rule = self._fixed_of(m.name, m.priority, m.calendar)
        due = None if m.due is None or m.state == PAUSED else iso(m.due)
        if m.breached_at is None:
            breached_at = None
        elif m.breached_at == m.due and due is not None:
            breached_at = due  # breached_at = due: the same text
        else:
            breached_at = iso(m.breached_at)
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

    # ---- the same as JSON bytes, without the dictionaries: the batch's writer ----------
    # ``self.line(e) == orjson.dumps(self.evaluation(e))``: byte for byte (a test compares
    # them, and the writer before this one, on large random batches). The line is put
    # together as text whose every character is one byte of its UTF-8 ("ú" is "Ãº" here),
    # so that encoding it is a copy: the policy's words are the only text not in ASCII.
    def line(self, evaluation: Evaluation) -> bytes:
        metrics = ",".join([self._metric_text(m) for m in evaluation.metrics.values()])
        priority = self._quoted.get(evaluation.priority) or self._quote(evaluation.priority)
        return f'{{"priority":{priority},"metrics":{{{metrics}}}}}'.encode("latin-1")

    def _metric_text(self, m: MetricState) -> str:
        parts = self._parts.get(m[:4]) or self._parts_of(m)  # m[:4]: name, state, priority, calendar
        if len(parts) == 1:  # not applicable or excluded: the state alone
            return parts[0]
        head, tail, iso = parts
        due_us, breached_us = m.due, m.breached_at
        due = "null" if due_us is None or m.state == PAUSED else f'"{iso(due_us)}"'
        if breached_us is None:
            breached_at = "null"
        elif breached_us == due_us and due != "null":
            breached_at = due
        else:
            breached_at = f'"{iso(breached_us)}"'
        remaining = "" if m.remaining_us is None else f',"remaining_s":{m.remaining_us // US}'
        return (
            f'{head}{due},"breached_at":{breached_at},"elapsed_s":{m.elapsed_us // US},'
            f'"target_s":{m.target_us // US}{tail}{remaining}}}'
        )

    def _parts_of(self, m: MetricState) -> tuple[str] | tuple[str, str, IsoFormatter]:
        """What the text of a metric in this state, under this priority and calendar, always
        holds: ``"name":{"state":"met","due":`` up to the due instant, and from the
        calendar to the rule; and the calendar zone's formatter."""
        name, state, priority, calendar = m.name, m.state, m.priority, m.calendar
        key = (name, state, priority, calendar)
        head = f'{self._quote(name)}:{{"state":{self._quote(state)}'
        if state in (NOT_APPLICABLE, EXCLUDED) or calendar is None or priority is None:
            parts: tuple[str] | tuple[str, str, IsoFormatter] = (head + "}",)
        else:
            iso, rule = self._fixed_of(name, priority, calendar)
            tail = _bytes_text(orjson.dumps({"calendar": calendar, "priority": priority, "rule": rule}))
            parts = (head + ',"due":', "," + tail[1:-1], iso)
        self._parts[key] = parts
        return parts

    def _quote(self, name: str) -> str:
        """``name`` as a JSON string (its UTF-8 bytes as characters)."""
        quoted = self._quoted.get(name)
        if quoted is None:
            quoted = self._quoted[name] = _bytes_text(orjson.dumps(name))
        return quoted

    def _fixed_of(self, name: str, priority: str, calendar: str) -> tuple[IsoFormatter, str]:
        """The zone's formatter and the rule in words."""
        key = (name, priority, calendar)
        fixed = self._fixed.get(key)
        if fixed is None:
            policy = self.policy
            rule = rule_text(policy.metrics[name].targets[priority], policy.calendars[calendar])
            iso = self._formatters.get(calendar)
            if iso is None:
                iso = self._formatters[calendar] = IsoFormatter(policy.calendar(calendar).zone)
            fixed = self._fixed[key] = (iso, rule)
        return fixed


def _bytes_text(data: bytes) -> str:
    """Text whose characters are the bytes of ``data``: ``.encode("latin-1")`` gives them back."""
    return data.decode("latin-1")


OUT_OF_RANGE: Final = "an instant or deadline falls outside the years a calendar can cover (1 to 9998)"
UNEXPECTED: Final = "this timeline could not be replayed, please report it"


def replay_one(policy: Policy, data: Any) -> dict[str, Any]:
    return _replay(policy, data, timeline_from_json, _Json(policy).evaluation)


def _replay(
    policy: Policy,
    data: Any,
    read: Callable[[Any, Policy], TimelineFields],
    write: Callable[[Evaluation], _Out],
) -> _Out:
    """One timeline replayed; every way it can fail is a ReplayInputError that says why."""
    try:
        return write(evaluate(policy, read(data, policy)))
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
    write = _Json(policy).line
    for number, line in enumerate(lines, 1):
        if not line or line.isspace():  # blank: skipped (isspace reads no further than the first character)
            continue
        try:
            result = _replay(policy, orjson.loads(line), timeline_from_batch, write)
        except orjson.JSONDecodeError as exc:
            msg = f"line {number}: not valid JSON ({exc})"
            yield orjson.dumps({"error": msg}), msg
        except ReplayInputError as exc:
            msg = f"line {number}: {exc}"
            yield orjson.dumps({"error": msg}), msg
        else:
            yield result, None


def timeline_from_batch(data: Any, policy: Policy) -> TimelineFields:
    """``timeline_from_json``, with the usual case (an object whose fields are all there
    and right) read in a few checks into plain tuples; anything else is read by
    ``timeline_from_json``, so what it accepts and what it says of a bad field are the same."""
    if type(data) is dict:
        try:
            return _usual(data, policy)
        except _Unusual:
            pass
    return timeline_from_json(data, policy)


class _Unusual(Exception):
    """Something missing, wrong or unusual in a timeline: ``timeline_from_json`` will say what."""


def _usual(data: dict[str, Any], policy: Policy) -> TimelineFields:
    channel, priority, raw_events = data.get("channel"), data.get("priority"), data.get("events", [])
    if not (
        type(channel) is str
        and channel in policy.channels
        and (priority is None or (type(priority) is str and priority in policy.priorities))
        and type(raw_events) is list
    ):
        raise _Unusual
    received, now = _parsed(data.get("received_at")), _parsed(data.get("now"))
    if now < received:
        raise _Unusual
    events: list[EventTuple] = []
    for raw in raw_events:
        if type(raw) is not dict:
            raise _Unusual
        at, kind = _parsed(raw.get("at")), raw.get("type")
        if at < received or type(kind) is not str or kind not in _EVENT_TYPES:
            raise _Unusual
        set_to = None
        if kind == "priority_set":
            set_to = raw.get("priority")
            if type(set_to) is not str or set_to not in policy.priorities:
                raise _Unusual
        events.append((at, kind, set_to))
    return received, channel, priority, events, now


def _parsed(text: Any) -> int:
    """``parse_instant(text)`` (four of these a timeline), or _Unusual."""
    if type(text) is str:
        instant = _parse_iso(text)
        if instant is not None:
            return instant
    raise _Unusual
