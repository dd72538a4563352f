"""Reading and validating a policy file (TOML).

Every problem names the key, the value found and what was expected; all of a
file's problems are reported together. Unknown keys are errors too: a typo in
a policy must not silently fall back to a default.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sladesk.core.calendar import WEEKDAYS, CalendarSpec, Closure, Window
from sladesk.core.holidays import HolidayAddition, HolidaySpec, check_country, holidays_for
from sladesk.core.policy.model import (
    CHANNELS,
    CONTRACT_EXTRAS,
    EVENT_TYPES,
    Alternative,
    Availability,
    Channel,
    Lifecycle,
    Metric,
    Notifications,
    Policy,
    Priority,
    RequiredItem,
    Scope,
    ScopeCategory,
    Target,
    target_us,
)

_MISSING = object()
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
MAX_BYTES = 1_000_000  # a policy is a few kilobytes; anything this large is not one
_SHOWN = 80  # characters of a bad value quoted in a problem


@dataclass(frozen=True, slots=True)
class Bounds:
    """Where a number of the policy must lie: every number has bounds, so that no value
    (1e308, inf, nan, 20 digits) reaches the engine or the worker and overflows there."""

    lo: float
    hi: float
    unit: str = ""  # "hours", "days": said in the problem
    above_lo: bool = False  # lo itself is refused (a target of 0 hours is a mistake)
    whole: bool = False
    note: str = ""

    def holds(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.whole and not isinstance(value, int):
            return False
        above = self.lo < value if self.above_lo else self.lo <= value  # nan fails both
        return above and value <= self.hi

    @property
    def text(self) -> str:
        what = ("a whole number" if self.whole else "a number") + (f" of {self.unit}" if self.unit else "")
        span = f"more than {self.lo:g} and at most {self.hi:g}" if self.above_lo else f"from {self.lo:g} to {self.hi:g}"
        return f"{what} {span}" + (f" ({self.note})" if self.note else "")


HOURS = Bounds(0, 8760, "hours", above_lo=True, note="a year")
BUSINESS_DAYS = Bounds(0, 365, "business days", above_lo=True)
DAY_HOURS = Bounds(0.5, 24, "hours")
DAYS = Bounds(0, 3650, "days", note="ten years")
COUNT = Bounds(1, 1000, whole=True)
FRACTION = Bounds(0, 1)
SHARE = Bounds(0, 0.99, above_lo=True, note="0.75 warns at three quarters of the target")
EASTER_OFFSET = Bounds(-366, 366, "days after Easter Sunday", whole=True, note="Corpus Christi is 60")


class PolicyError(ValueError):
    """A policy file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: invalid policy ({len(problems)} problem(s)):\n{lines}")


class _Reader:
    """Walks the TOML tables, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, path: str, value: object, expected: str) -> None:
        shown = "(missing)" if value is _MISSING else _shown(value)
        self.problems.append(f"{path} = {shown}: expected {expected}")

    def table(self, data: Any, path: str, known: tuple[str, ...] | None = None) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.bad(path, data, "a table")
            return {}
        if known is not None:
            for key in data:
                if key not in known:
                    self.bad(f"{path}.{key}".lstrip("."), data[key], f"no such key (known keys: {', '.join(known)})")
        return data

    def get(self, data: dict[str, Any], key: str, path: str, kind: str, default: Any = _MISSING) -> Any:
        value = data.get(key, default)
        where = f"{path}.{key}".lstrip(".")
        if value is _MISSING:
            self.bad(where, value, kind_text(kind))
            return None
        if not _is_kind(value, kind):
            self.bad(where, value, kind_text(kind))
            return None
        return value

    def number(self, data: dict[str, Any], key: str, path: str, bounds: Bounds, default: Any = _MISSING) -> Any:
        """The number at ``key`` within ``bounds``, else None and a problem naming them."""
        value = data.get(key, default)
        if not bounds.holds(value):
            self.bad(f"{path}.{key}".lstrip("."), value, bounds.text)
            return None
        return value

    def names(
        self, data: dict[str, Any], key: str, path: str, allowed: tuple[str, ...], default: Any = _MISSING
    ) -> tuple[str, ...]:
        values = self.get(data, key, path, "list", default)
        if values is None:
            return ()
        out = []
        for i, value in enumerate(values):
            if value not in allowed:
                self.bad(f"{path}.{key}[{i}]".lstrip("."), value, f"one of {', '.join(allowed)}")
            else:
                out.append(value)
        return tuple(out)


def _shown(value: object) -> str:
    """A value as a problem quotes it: its repr, cut short (a policy may hold anything)."""
    try:
        text = repr(value)
    except RecursionError:
        text = f"(a {type(value).__name__} nested too deeply)"
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 3]}..."


def kind_text(kind: str) -> str:
    return {
        "str": "a string",
        "text": "a non-empty string",
        "bool": "true or false",
        "list": "a list",
    }[kind]


def _is_kind(value: object, kind: str) -> bool:
    checks = {
        "str": isinstance(value, str),
        "text": isinstance(value, str) and bool(value.strip()),
        "bool": isinstance(value, bool),
        "list": isinstance(value, list),
    }
    return checks[kind]


def _english(r: _Reader, t: dict[str, Any], key: str, path: str) -> str:
    """An English text next to a pt-BR one (``label_en``, ...): optional, but never empty."""
    return (r.get(t, key, path, "text") or "") if key in t else ""


# ---- entry points -------------------------------------------------------------------
def default_policy_text() -> str:
    # A plain file beside this module (the package is never imported from a zip):
    # importlib.resources would import zipfile and tempfile, a few ms of every start.
    return Path(__file__).with_name("default.toml").read_text(encoding="utf-8")


def load_default_policy() -> Policy:
    return parse_policy(default_policy_text(), "default policy")


def load_policy_file(path: str | Path) -> Policy:
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise PolicyError(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from exc
    if len(data) > MAX_BYTES:
        raise PolicyError(str(path), [f"larger than {MAX_BYTES:,} bytes: not a policy file"])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(str(path), [f"not UTF-8 text: {exc}"]) from exc
    return parse_policy(text, str(path))


def parse_policy(text: str, source: str = "policy") -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, [f"not valid TOML: {exc}"]) from exc
    except RecursionError:
        raise PolicyError(source, ["not valid TOML: arrays or tables nested too deeply"]) from None
    reader = _Reader()
    policy = _policy(reader, data)
    if reader.problems or policy is None:
        raise PolicyError(source, reader.problems or ["the policy is incomplete"])
    policy.source = text
    return policy


# ---- sections -------------------------------------------------------------------------
_TOP = (
    "version",
    "name",
    "default_priority",
    "priorities",
    "calendars",
    "metrics",
    "lifecycle",
    "channels",
    "scope",
    "required_information",
    "availability",
    "notifications",
)


def _policy(r: _Reader, data: dict[str, Any]) -> Policy | None:
    r.table(data, "", _TOP)
    version = r.get(data, "version", "", "text")
    name = r.get(data, "name", "", "text", "")
    priorities = _priorities(r, data.get("priorities", _MISSING))
    default = r.get(data, "default_priority", "", "text")
    if default is not None and priorities and default not in priorities:
        r.bad("default_priority", default, f"one of the priorities ({', '.join(priorities)})")
    calendars = _calendars(r, data.get("calendars", _MISSING))
    metrics = _metrics(r, data.get("metrics", _MISSING), tuple(priorities), calendars)
    lifecycle = _lifecycle(r, data.get("lifecycle", {}))
    channels = _channels(r, data.get("channels", _MISSING), tuple(priorities))
    scope = _scope(r, data.get("scope", _MISSING))
    required = _required(r, data.get("required_information", []))
    availability = _availability(r, data.get("availability", {}))
    notifications = _notifications(r, data.get("notifications", {}), tuple(priorities), calendars)
    if r.problems:
        return None
    return Policy(
        version=version,
        name=name,
        default_priority=default,
        priorities=priorities,
        calendars=calendars,
        metrics=metrics,
        lifecycle=lifecycle,
        channels=channels,
        scope=scope,
        required_information=required,
        availability=availability,
        notifications=notifications,
    )


def _priorities(r: _Reader, data: Any) -> dict[str, Priority]:
    if data is _MISSING:
        r.bad("priorities", data, "a table of priorities, e.g. [priorities.P1]")
        return {}
    out = {}
    for name, item in r.table(data, "priorities").items():
        path = f"priorities.{name}"
        t = r.table(item, path, ("label", "label_en", "description", "description_en"))
        out[name] = Priority(
            name,
            r.get(t, "label", path, "text", name) or name,
            r.get(t, "description", path, "str", "") or "",
            _english(r, t, "label_en", path),
            _english(r, t, "description_en", path),
        )
    if not out:
        r.bad("priorities", data, "at least one priority")
    return out


def _calendars(r: _Reader, data: Any) -> dict[str, CalendarSpec]:
    if data is _MISSING:
        r.bad("calendars", data, "a table of calendars")
        return {}
    out = {}
    for name, item in r.table(data, "calendars").items():
        spec = _calendar(r, name, item)
        if spec is not None:
            out[name] = spec
    return out


def _calendar(r: _Reader, name: str, data: Any) -> CalendarSpec | None:
    path = f"calendars.{name}"
    t = r.table(data, path, ("kind", "timezone", "day_hours", "week", "holidays", "closures"))
    kind = r.get(t, "kind", path, "text", "business")
    if kind not in (None, "business", "24x7"):
        r.bad(f"{path}.kind", kind, "'business' or '24x7'")
    zone = r.get(t, "timezone", path, "text")
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            r.bad(f"{path}.timezone", zone, "an IANA time zone name such as America/Sao_Paulo")
            zone = None
    day_hours = r.number(t, "day_hours", path, DAY_HOURS, 24 if kind == "24x7" else _MISSING)
    if kind == "24x7":
        for key in ("week", "holidays", "closures"):
            if key in t:
                r.bad(f"{path}.{key}", t[key], "nothing: a 24x7 calendar has no hours, holidays or closures")
        return CalendarSpec(name, zone or "UTC", "24x7", day_hours or 24) if zone else None
    week = _week(r, t.get("week", _MISSING), path)
    holidays = _holidays(r, t.get("holidays"), path)
    closures = _closures(r, t.get("closures", []), path)
    if zone is None or day_hours is None or week is None:
        return None
    return CalendarSpec(name, zone, "business", day_hours, week, holidays, closures)


def _week(r: _Reader, data: Any, path: str) -> tuple[tuple[Window, ...], ...] | None:
    if data is _MISSING:
        r.bad(f"{path}.week", data, "a table of weekly windows, e.g. week.mon = ['09:00-18:00']")
        return None
    t = r.table(data, f"{path}.week", WEEKDAYS)
    days = []
    for day in WEEKDAYS:
        windows = r.get(t, day, f"{path}.week", "list", [])
        days.append(_windows(r, windows or [], f"{path}.week.{day}"))
    if not any(days):
        r.bad(f"{path}.week", data, "at least one business window in the week")
    return tuple(days)


def _windows(r: _Reader, values: list[Any], path: str) -> tuple[Window, ...]:
    out: list[Window] = []
    for i, value in enumerate(values):
        window = _window(value)
        if window is None:
            r.bad(f"{path}[{i}]", value, "a window 'HH:MM-HH:MM' with the start before the end, e.g. '09:00-18:00'")
        elif out and window[0] < out[-1][1]:
            r.bad(f"{path}[{i}]", value, "windows in order, not overlapping the previous one")
        else:
            out.append(window)
    return tuple(out)


def _window(value: object) -> Window | None:
    if not isinstance(value, str) or value.count("-") != 1:
        return None
    a, b = (_minutes(x.strip()) for x in value.split("-"))
    if a is None or b is None or a >= b:
        return None
    return (a, b)


def _minutes(text: str) -> int | None:
    m = _TIME.match(text)
    if not m:
        return None
    minutes = int(m.group(1)) * 60 + int(m.group(2))
    return minutes if minutes <= 1440 else None


def _holidays(r: _Reader, data: Any, path: str) -> HolidaySpec | None:
    if data is None:
        return None
    path = f"{path}.holidays"
    t = r.table(data, path, ("country", "subdivision", "categories", "language", "additions"))
    country = r.get(t, "country", path, "str", "") or None
    subdivision = r.get(t, "subdivision", path, "str", "") or None
    why = None
    if country:
        why = check_country(country, subdivision)
        if why:
            r.bad(
                f"{path}.country",
                f"{country}/{subdivision}" if subdivision else country,
                f"a country the holidays library knows ({why})",
            )
    categories = tuple(r.get(t, "categories", path, "list", ["public"]) or ("public",))
    if not all(isinstance(c, str) for c in categories):
        r.bad(f"{path}.categories", list(categories), "a list of holiday categories such as 'public'")
        categories = ("public",)
    language = r.get(t, "language", path, "str", "") or None
    additions = tuple(
        a
        for i, item in enumerate(r.get(t, "additions", path, "list", []) or [])
        if (a := _addition(r, item, f"{path}.additions[{i}]"))
    )
    spec = HolidaySpec(country, subdivision, categories, language, additions)
    if country and not why:
        try:
            holidays_for(spec, range(2026, 2027))
        except Exception as exc:  # the library says what it does not support in plain errors
            r.bad(f"{path}.categories", list(categories), f"categories the holidays library knows ({exc})")
    return spec


def _addition(r: _Reader, data: Any, path: str) -> HolidayAddition | None:
    t = r.table(data, path, ("name", "month", "day", "easter_offset", "date"))
    name = r.get(t, "name", path, "text") or ""
    if "date" in t:
        on = _date(r, t["date"], f"{path}.date")
        return HolidayAddition(name, on=on) if on else None
    if "easter_offset" in t:
        offset = r.number(t, "easter_offset", path, EASTER_OFFSET)
        return None if offset is None else HolidayAddition(name, easter_offset=offset)
    month, day = t.get("month", _MISSING), t.get("day", _MISSING)
    try:
        if isinstance(month, bool) or isinstance(day, bool):
            raise TypeError
        date(2000, month, day)  # a leap year, so Feb 29 is allowed
    except (TypeError, ValueError, OverflowError):
        r.bad(path, data, "a holiday with month (1 to 12) and day (1 to 31), easter_offset, or date")
        return None
    return HolidayAddition(name, month=month, day=day)


def _date(r: _Reader, value: Any, path: str) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    r.bad(path, value, "a date YYYY-MM-DD")
    return None


def _closures(r: _Reader, data: Any, path: str) -> tuple[Closure, ...]:
    if not isinstance(data, list):
        r.bad(f"{path}.closures", data, "a list of closures")
        return ()
    out = []
    for i, item in enumerate(data):
        where = f"{path}.closures[{i}]"
        t = r.table(item, where, ("date", "from", "until", "reason"))
        day = _date(r, t.get("date", _MISSING), f"{where}.date")
        start = _minutes(t["from"]) if isinstance(t.get("from"), str) else (0 if "from" not in t else None)
        end = _minutes(t["until"]) if isinstance(t.get("until"), str) else (1440 if "until" not in t else None)
        if start is None or end is None or start >= end:
            r.bad(where, item, "'from' and/or 'until' as HH:MM with from before until (omit both for a whole day)")
            continue
        if day is not None:
            whole = "from" not in t and "until" not in t
            out.append(Closure(day, None if whole else start, None if whole else end, str(t.get("reason", ""))))
    return tuple(out)


def _metrics(
    r: _Reader, data: Any, priorities: tuple[str, ...], calendars: dict[str, CalendarSpec]
) -> dict[str, Metric]:
    if data is _MISSING:
        r.bad("metrics", data, "a table of SLA metrics")
        return {}
    out = {}
    for name, item in r.table(data, "metrics").items():
        metric = _metric(r, name, item, priorities, calendars)
        if metric is not None:
            out[name] = metric
    return out


_EVENT_KEYS = ("start_on", "stop_on", "restart_on", "pause_on", "resume_on")


def _metric(
    r: _Reader, name: str, data: Any, priorities: tuple[str, ...], calendars: dict[str, CalendarSpec]
) -> Metric | None:
    path = f"metrics.{name}"
    t = r.table(data, path, ("label", "label_en", "short_label", "short_label_en", "channels", "targets", *_EVENT_KEYS))
    label = r.get(t, "label", path, "text", name) or name
    label_en = _english(r, t, "label_en", path)
    short_label = r.get(t, "short_label", path, "text", label) or label
    # Without a short label of its own, the English short label is the English label.
    short_label_en = _english(r, t, "short_label_en", path) or ("" if "short_label" in t else label_en)
    channels = frozenset(r.names(t, "channels", path, CHANNELS, list(CHANNELS)))
    events = {key: frozenset(r.names(t, key, path, EVENT_TYPES, [])) for key in _EVENT_KEYS}
    if not events["stop_on"]:
        r.bad(f"{path}.stop_on", t.get("stop_on", _MISSING), "at least one event that stops the metric")
    both = events["stop_on"] & events["pause_on"]
    if both:
        r.bad(f"{path}.pause_on", sorted(both), "events that do not also stop the metric")
    if events["start_on"] & (events["stop_on"] | events["pause_on"]):
        r.bad(f"{path}.start_on", sorted(events["start_on"]), "events that neither stop nor pause the metric")
    if bool(events["pause_on"]) != bool(events["resume_on"]):
        r.bad(f"{path}.resume_on", t.get("resume_on", []), "resume events exactly when there are pause events")
    targets = _targets(r, t.get("targets", _MISSING), f"{path}.targets", priorities, calendars)
    if len(targets) != len(priorities):
        return None
    return Metric(
        name, label, channels, events["stop_on"], targets,
        events["restart_on"], events["pause_on"], events["resume_on"], events["start_on"],
        label_en, short_label, short_label_en,
    )  # fmt: skip


def _targets(
    r: _Reader, data: Any, path: str, priorities: tuple[str, ...], calendars: dict[str, CalendarSpec]
) -> dict[str, Target]:
    t = r.table(data if data is not _MISSING else None, path, priorities)
    out = {}
    for prio in priorities:
        where = f"{path}.{prio}"
        if prio not in t:
            r.bad(where, _MISSING, "a target such as { hours = 2, calendar = 'porto-alegre' }")
            continue
        target = _target(r, t[prio], where, calendars)
        if target is not None:
            out[prio] = target
    return out


def _target(r: _Reader, data: Any, path: str, calendars: dict[str, CalendarSpec]) -> Target | None:
    t = r.table(data, path, ("hours", "business_days", "calendar"))
    calendar = r.get(t, "calendar", path, "text")
    if calendar is not None and calendar not in calendars:
        r.bad(f"{path}.calendar", calendar, f"one of the calendars ({', '.join(calendars) or 'none defined'})")
        calendar = None
    if ("hours" in t) == ("business_days" in t):
        r.bad(path, data, "exactly one of hours or business_days")
        return None
    key = "hours" if "hours" in t else "business_days"
    amount = r.number(t, key, path, HOURS if key == "hours" else BUSINESS_DAYS)
    if calendar is None or amount is None:
        return None
    spec = calendars[calendar]
    hours = amount if key == "hours" else None
    days = amount if key == "business_days" else None
    return Target(calendar, target_us(spec, hours, days), hours, days)


def _lifecycle(r: _Reader, data: Any) -> Lifecycle:
    path = "lifecycle"
    t = r.table(data, path, ("exclude_on", "final_on", "reopen_window_days", "close_after_days"))
    return Lifecycle(
        exclude_on=frozenset(r.names(t, "exclude_on", path, EVENT_TYPES, ["out_of_scope"])),
        final_on=frozenset(r.names(t, "final_on", path, EVENT_TYPES, ["closed"])),
        reopen_window_days=r.number(t, "reopen_window_days", path, DAYS, 7) or 0,
        close_after_days=r.number(t, "close_after_days", path, DAYS, 7) or 0,
    )


def _channels(r: _Reader, data: Any, priorities: tuple[str, ...]) -> dict[str, Channel]:
    if data is _MISSING:
        r.bad("channels", data, f"a table with the channels ({', '.join(CHANNELS)})")
        return {}
    out = {}
    for name, item in r.table(data, "channels", CHANNELS).items():
        path = f"channels.{name}"
        t = r.table(item, path, ("label", "label_en", "priorities", "address", "number"))
        takes = r.names(t, "priorities", path, priorities, list(priorities))
        if t.get("priorities") == []:
            r.bad(f"{path}.priorities", [], "at least one priority")
        out[name] = Channel(
            name,
            r.get(t, "label", path, "text", name) or name,
            takes,
            r.get(t, "address", path, "str", "") or "",
            r.get(t, "number", path, "str", "") or "",
            _english(r, t, "label_en", path),
        )
    return out


def _scope(r: _Reader, data: Any) -> Scope:
    t = r.table(data if data is not _MISSING else {}, "scope", ("categories", "alternatives"))
    alternatives = {}
    for name, item in r.table(t.get("alternatives", {}), "scope.alternatives").items():
        path = f"scope.alternatives.{name}"
        a = r.table(item, path, ("text", "requires"))
        requires = r.get(a, "requires", path, "str", "") or None
        if requires is not None and requires not in CONTRACT_EXTRAS:
            r.bad(f"{path}.requires", requires, f"a contract extra ({', '.join(CONTRACT_EXTRAS)})")
        alternatives[name] = Alternative(name, r.get(a, "text", path, "text") or "", requires)
    categories = {}
    for name, item in r.table(t.get("categories", _MISSING), "scope.categories").items():
        path = f"scope.categories.{name}"
        c = r.table(item, path, ("label", "label_en", "in_scope", "reply", "alternatives"))
        in_scope = r.get(c, "in_scope", path, "bool")
        reply = r.get(c, "reply", path, "text" if in_scope is False else "str", "") or ""
        alts = r.names(c, "alternatives", path, tuple(alternatives), [])
        label = r.get(c, "label", path, "text", name) or name
        categories[name] = ScopeCategory(
            name, label, bool(in_scope), reply.strip(), alts, _english(r, c, "label_en", path)
        )
    if not any(c.in_scope for c in categories.values()):
        r.bad("scope.categories", t.get("categories", _MISSING), "at least one category with in_scope = true")
    return Scope(categories, alternatives)


def _required(r: _Reader, data: Any) -> tuple[RequiredItem, ...]:
    if not isinstance(data, list):
        r.bad("required_information", data, "a list of [[required_information]] items")
        return ()
    out = []
    for i, item in enumerate(data):
        path = f"required_information[{i}]"
        t = r.table(item, path, ("key", "label", "label_en"))
        key, label = r.get(t, "key", path, "text"), r.get(t, "label", path, "text")
        label_en = _english(r, t, "label_en", path)
        if key and label:
            out.append(RequiredItem(key, label, label_en))
    return tuple(out)


def _availability(r: _Reader, data: Any) -> Availability:
    path = "availability"
    known = (
        "timezone",
        "components",
        "confirm_after_failures",
        "recover_after_successes",
        "partial_weight",
        "degraded_weight",
    )
    t = r.table(data, path, known)
    zone = r.get(t, "timezone", path, "text", "America/Sao_Paulo") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        r.bad(f"{path}.timezone", zone, "an IANA time zone name such as America/Sao_Paulo")
    components = tuple(r.get(t, "components", path, "list", []) or ())
    if not all(isinstance(c, str) and c.strip() for c in components):
        r.bad(f"{path}.components", list(components), "a list of component names (strings)")
    return Availability(
        timezone=zone,
        components=components,
        confirm_after_failures=r.number(t, "confirm_after_failures", path, COUNT, 3) or 1,
        recover_after_successes=r.number(t, "recover_after_successes", path, COUNT, 2) or 1,
        partial_weight=r.number(t, "partial_weight", path, FRACTION, 0.3) or 0.0,
        degraded_weight=r.number(t, "degraded_weight", path, FRACTION, 0.0) or 0.0,
    )


def _notifications(r: _Reader, data: Any, priorities: tuple[str, ...], calendars: dict[str, Any]) -> Notifications:
    path = "notifications"
    t = r.table(data, path, ("warn_at_used", "urgent_priorities", "hold_calendar"))
    share = r.number(t, "warn_at_used", path, SHARE, 0.75)
    urgent = r.names(t, "urgent_priorities", path, priorities, ["P1"] if "P1" in priorities else [])
    hold = r.get(t, "hold_calendar", path, "str", "")
    if hold and hold not in calendars:
        r.bad(f"{path}.hold_calendar", hold, f"one of the calendars ({', '.join(calendars)}) or empty")
    return Notifications(warn_at_used=share or 0.75, urgent_priorities=urgent, hold_calendar=hold or "")
