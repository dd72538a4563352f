"""Business calendars: how much business time lies between two instants, and
which instant comes after adding business time.

A business calendar is precomputed as a sorted list of open intervals (UTC
microseconds) with the cumulative business time at the start and end of each.
Then ``B(t)``, the business time from the origin to ``t``, is one bisect, and:

- business time between ``a`` and ``b`` is ``B(b) - B(a)``;
- ``a`` plus ``d`` of business time is the first instant whose ``B`` reaches
  ``B(a) + d``: a bisect on the cumulative ends. ``bisect_left`` there means a
  deadline that lands exactly at closing time *is* closing time (18:00 stays
  18:00, it never becomes 09:00 of the next business day).

Intervals are built lazily a year at a time in the calendar's zone with
``zoneinfo``, so DST and historical offset changes come from the tz database,
never from a hard-coded offset. The numpy methods do the same with
``searchsorted`` over arrays, for recomputing many deadlines at once.

One calendar is shared by every thread of a process (the policy builds it once).
Its intervals, cumulative times, covered years and numpy arrays live in one
immutable table: growing the calendar builds a new table whole and swaps it in
with one assignment, and every call reads the table once, so a reader never
pairs the lists of one build with those of another.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Final, Protocol
from zoneinfo import ZoneInfo

from sladesk.core.holidays import HolidaySpec, holidays_for
from sladesk.core.instants import HOUR_US, from_us, to_us

if TYPE_CHECKING:
    # numpy is imported where the bulk methods run, so that single calls
    # (``sladesk sla replay``, the web pages) start without loading it.
    import numpy as np
    from numpy.typing import NDArray

    _Arrays = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Window = tuple[int, int]  # minutes since local midnight, [start, end), end <= 1440


@dataclass(frozen=True, slots=True)
class Closure:
    """A day closed in whole (no times) or in part ([start, end) local minutes)."""

    day: date
    start_min: int | None = None
    end_min: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """What the policy file says about one calendar."""

    name: str
    timezone: str
    kind: str = "business"  # "business" or "24x7"
    day_hours: float = 9.0  # the length of one business day ("dia útil")
    week: tuple[tuple[Window, ...], ...] = ()  # seven entries, Monday first
    holidays: HolidaySpec | None = None
    closures: tuple[Closure, ...] = ()

    @property
    def day_us(self) -> int:
        return round(self.day_hours * HOUR_US)


class Calendar(Protocol):
    """What the SLA engine needs from any calendar."""

    spec: CalendarSpec
    zone: ZoneInfo

    def business_us(self, start: int, end: int) -> int: ...
    def add_us(self, start: int, duration: int) -> int: ...
    def is_open(self, instant: int) -> bool: ...
    def add_many(self, starts: NDArray[np.int64], durations: NDArray[np.int64]) -> NDArray[np.int64]: ...
    def business_many(self, starts: NDArray[np.int64], ends: NDArray[np.int64]) -> NDArray[np.int64]: ...


@dataclass
class AlwaysCalendar:
    """24x7: every second counts."""

    spec: CalendarSpec
    zone: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.spec.timezone)

    def business_us(self, start: int, end: int) -> int:
        return end - start if end > start else 0

    def add_us(self, start: int, duration: int) -> int:
        return start + duration if duration > 0 else start

    def is_open(self, instant: int) -> bool:
        return True

    def add_many(self, starts: NDArray[np.int64], durations: NDArray[np.int64]) -> NDArray[np.int64]:
        import numpy as np

        return starts + np.maximum(durations, 0)

    def business_many(self, starts: NDArray[np.int64], ends: NDArray[np.int64]) -> NDArray[np.int64]:
        import numpy as np

        out: NDArray[np.int64] = np.maximum(ends - starts, 0)
        return out


@dataclass(frozen=True, slots=True, eq=False)
class _Table:
    """A calendar's precomputed intervals for one range of covered years, built whole and
    never changed (its lists are never mutated). ``BusinessCalendar`` swaps a larger table in
    with one assignment and every call reads the table once, so a thread that reads while
    another grows the calendar still sees starts, ends and cumulative times of one build."""

    lo_year: int  # covered years, inclusive; 0 = nothing yet
    hi_year: int
    # Instants in [safe_lo, safe_hi) lie in a covered year other than the first and the
    # last, so they need no covering: one comparison instead of finding their year.
    safe_lo: int
    safe_hi: int
    # Lists, not tuples: bisect is about twice as fast on a list.
    starts: list[int]
    ends: list[int]
    cum_start: list[int]  # business time from the start of the covered range to each start
    cum_end: list[int]
    # cum_start[i] - starts[i]: B(t) = t + base[i] inside interval i, so the single calls
    # count business time with one addition
    base: list[int] = field(default_factory=list)
    arrays: _Arrays | None = None  # the same four as numpy arrays, for the bulk methods


_EMPTY: Final = _Table(0, 0, 0, 0, [], [], [], [])


class BusinessCalendar:
    """Weekly windows minus holidays and closures, as precomputed intervals."""

    def __init__(self, spec: CalendarSpec) -> None:
        if not any(spec.week):
            raise ValueError(f"calendar {spec.name!r} has no business hours in its week")
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self._closures = {c.day: c for c in spec.closures}
        self._table = _EMPTY
        self._last_business = self._last_add = (0, 0, 0)  # never asked: both are answered at once
        self._building = threading.Lock()  # builders take turns (coverage only grows); readers never wait

    # ---- building -----------------------------------------------------------------
    def _covering(self, t: _Table, *instants: int) -> _Table:
        """``t`` if it covers every one of ``instants``, else the larger table now in use."""
        years = []
        for instant in instants:
            if not t.safe_lo <= instant < t.safe_hi:
                year = from_us(instant, self.zone).year
                if not t.lo_year < year < t.hi_year:
                    years.append(year)
        return self._with_years(min(years) - 1, max(years) + 1) if years else t

    def _with_years(self, lo: int, hi: int) -> _Table:
        """The table in use once it covers the years [lo, hi]: grown (never shrunk) if need be."""
        with self._building:
            t = self._table
            if t.lo_year:
                if t.lo_year <= lo and hi <= t.hi_year:
                    return t
                lo, hi = min(lo, t.lo_year), max(hi, t.hi_year)
            if lo < 1 or hi > 9998:
                raise OverflowError("instant outside the years a calendar can cover")
            t = self._table = self._build(lo, hi)
            return t

    def _build(self, lo: int, hi: int) -> _Table:
        holidays = holidays_for(self.spec.holidays, range(lo, hi + 1)) if self.spec.holidays else {}
        intervals: list[tuple[int, int]] = []
        day = date(lo, 1, 1)
        last = date(hi, 12, 31)
        one = timedelta(days=1)
        while day <= last:
            if day not in holidays:
                for a, b in self._windows_of(day):
                    self._append(intervals, self._instant(day, a), self._instant(day, b))
            day += one
        cum_start: list[int] = []
        cum_end: list[int] = []
        total = 0
        for a, b in intervals:
            cum_start.append(total)
            total += b - a
            cum_end.append(total)
        # Two local days inside the middle years: UTC offsets are under 24 h either way, so
        # any instant between these two has a local date in (lo, hi), whatever the zone did.
        safe_lo = self._instant(date(lo + 1, 1, 3), 0)
        safe_hi = self._instant(date(hi - 1, 12, 30), 0)
        starts, ends = [a for a, _ in intervals], [b for _, b in intervals]
        base = [c - a for c, a in zip(cum_start, starts, strict=True)]
        return _Table(lo, hi, safe_lo, safe_hi, starts, ends, cum_start, cum_end, base)

    @staticmethod
    def _append(intervals: list[tuple[int, int]], a: int, b: int) -> None:
        if b <= a:
            return
        if intervals and intervals[-1][1] >= a:  # touching windows merge
            intervals[-1] = (intervals[-1][0], max(b, intervals[-1][1]))
        else:
            intervals.append((a, b))

    def _windows_of(self, day: date) -> tuple[Window, ...]:
        windows = self.spec.week[day.weekday()]
        closure = self._closures.get(day)
        if closure is None:
            return windows
        if closure.start_min is None or closure.end_min is None:
            return ()
        return tuple(_subtract(windows, (closure.start_min, closure.end_min)))

    def _instant(self, day: date, minute: int) -> int:
        if minute >= 1440:
            day, minute = day + timedelta(days=1), minute - 1440
        local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.zone)
        instant = to_us(local)
        if from_us(instant, self.zone).replace(tzinfo=None) == local.replace(tzinfo=None):
            return instant
        return self._gap_end(local)

    def _gap_end(self, local: datetime) -> int:
        """A wall time the clock skips (spring forward): the instant the clock jumps
        past it, i.e. the first instant whose local time is at or after it."""
        wall = local.replace(tzinfo=None)
        lo, hi = to_us(local.replace(fold=1)), to_us(local.replace(fold=0))  # the two readings bracket the jump
        lo, hi = min(lo, hi), max(lo, hi)
        while hi - lo > 1:  # about 40 steps, on the rare days with a gap
            mid = (lo + hi) // 2
            if from_us(mid, self.zone).replace(tzinfo=None) >= wall:
                hi = mid
            else:
                lo = mid
        return hi

    def _grow_for(self, t: _Table, duration: int) -> _Table:
        """A table reaching further than ``t`` by enough years for ``duration``."""
        per_year = max(t.cum_end[-1] // (t.hi_year - t.lo_year + 1), 1)
        years = duration // per_year + 2
        if years > 200:
            raise OverflowError(f"calendar {self.spec.name!r} cannot reach that much business time")
        return self._with_years(t.lo_year, t.hi_year + years)

    # ---- single calls ---------------------------------------------------------------
    # Each reads ``self._table`` once and then uses only that table (or the larger one
    # that covering or growing returns): never lists of two different builds.
    # The metrics of one timeline often ask the same question twice in a row (the reply and
    # the response clocks both count from the receipt), so each single call keeps its last
    # answer: (arguments..., result), one tuple, replaced whole, so threads never mix two.
    def business_us(self, start: int, end: int) -> int:
        if end <= start:
            return 0
        last = self._last_business
        if last[1] == end and last[0] == start:
            return last[2]
        t = self._table
        if not (t.safe_lo <= start and end < t.safe_hi):
            t = self._covering(t, start, end)
        # B(end) - B(start) on table t: every open clock counts its business time here
        starts = t.starts
        i = bisect_right(starts, end) - 1
        business = 0
        if i >= 0:
            business = end + t.base[i] if end < t.ends[i] else t.cum_end[i]
            i = bisect_right(starts, start, 0, i + 1) - 1  # start < end: at or before i
            if i >= 0:
                business -= start + t.base[i] if start < t.ends[i] else t.cum_end[i]
        self._last_business = (start, end, business)
        return business

    def add_us(self, start: int, duration: int) -> int:
        if duration <= 0:
            return start
        last = self._last_add
        if last[1] == duration and last[0] == start:
            return last[2]
        t = self._table
        if not (t.safe_lo <= start < t.safe_hi):
            t = self._covering(t, start)
        while True:
            # B(start) + duration, then the first instant whose B reaches it: every deadline
            i = bisect_right(t.starts, start) - 1
            before = 0 if i < 0 else (start + t.base[i] if start < t.ends[i] else t.cum_end[i])  # B(start)
            target = before + duration
            cum_end = t.cum_end
            if target <= cum_end[-1]:
                instant = target - t.base[bisect_left(cum_end, target)]
                self._last_add = (start, duration, instant)
                return instant
            # A larger table may start earlier (another thread covered older years), so
            # the target is counted again on it: cumulative times of two tables never mix.
            t = self._grow_for(t, duration)

    def is_open(self, instant: int) -> bool:
        t = self._covering(self._table, instant)
        i = bisect_right(t.starts, instant) - 1
        return i >= 0 and instant < t.ends[i]

    # ---- bulk (numpy) ---------------------------------------------------------------
    def _arrays(self, t: _Table) -> tuple[_Table, _Arrays]:
        """``t`` with its numpy arrays, built once per table and kept in a copy of it."""
        if t.arrays is not None:
            return t, t.arrays
        import numpy as np

        arrays = (
            np.asarray(t.starts, dtype=np.int64),
            np.asarray(t.ends, dtype=np.int64),
            np.asarray(t.cum_start, dtype=np.int64),
            np.asarray(t.cum_end, dtype=np.int64),
        )
        with_arrays = replace(t, arrays=arrays)
        with self._building:
            if self._table is t:  # still the table in use: keep the arrays with it
                self._table = with_arrays
        return with_arrays, arrays

    def _cover_many(self, t: _Table, *arrays: NDArray[np.int64]) -> _Table:
        nonempty = [a for a in arrays if a.size]
        if not nonempty:
            return t
        return self._covering(t, int(min(a.min() for a in nonempty)), int(max(a.max() for a in nonempty)))

    def business_many(self, starts: NDArray[np.int64], ends: NDArray[np.int64]) -> NDArray[np.int64]:
        import numpy as np

        _, arrays = self._arrays(self._cover_many(self._table, starts, ends))
        out: NDArray[np.int64] = np.maximum(_b_many(arrays, ends) - _b_many(arrays, starts), 0)
        return out

    def add_many(self, starts: NDArray[np.int64], durations: NDArray[np.int64]) -> NDArray[np.int64]:
        import numpy as np

        if not starts.size:
            return starts.copy()
        t = self._cover_many(self._table, starts)
        while True:
            t, arrays = self._arrays(t)
            target = _b_many(arrays, starts) + np.maximum(durations, 0)
            if int(target.max()) <= t.cum_end[-1]:
                break
            t = self._grow_for(t, int(durations.max()))
        a_starts, _, cum_start, cum_end = arrays
        j = np.searchsorted(cum_end, target, side="left")
        return np.where(durations > 0, a_starts[j] + target - cum_start[j], starts)


def _b_many(arrays: _Arrays, instants: NDArray[np.int64]) -> NDArray[np.int64]:
    import numpy as np

    starts, ends, cum_start, _ = arrays
    i = np.searchsorted(starts, instants, side="right") - 1
    ic = np.maximum(i, 0)
    b = cum_start[ic] + np.minimum(instants, ends[ic]) - starts[ic]
    return np.where(i >= 0, b, 0)


def _subtract(windows: tuple[Window, ...], cut: Window) -> list[Window]:
    out: list[Window] = []
    for a, b in windows:
        if cut[1] <= a or b <= cut[0]:
            out.append((a, b))
            continue
        if a < cut[0]:
            out.append((a, cut[0]))
        if cut[1] < b:
            out.append((cut[1], b))
    return out


def build_calendar(spec: CalendarSpec) -> AlwaysCalendar | BusinessCalendar:
    if spec.kind == "24x7":
        return AlwaysCalendar(spec)
    return BusinessCalendar(spec)
