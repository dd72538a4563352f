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
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from sladesk.core.holidays import HolidaySpec, holidays_for
from sladesk.core.instants import HOUR_US, US, from_us, to_us

if TYPE_CHECKING:
    # numpy is imported where the bulk methods run, so that single calls
    # (``sladesk sla replay``, the web pages) start without loading it.
    import numpy as np
    from numpy.typing import NDArray

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


class BusinessCalendar:
    """Weekly windows minus holidays and closures, as precomputed intervals."""

    def __init__(self, spec: CalendarSpec) -> None:
        if not any(spec.week):
            raise ValueError(f"calendar {spec.name!r} has no business hours in its week")
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self._closures = {c.day: c for c in spec.closures}
        self._lo_year = self._hi_year = 0  # covered years, inclusive; 0 = nothing yet
        # Instants in [_safe_lo, _safe_hi) lie in a covered year other than the first and
        # the last, so they need no covering: one comparison instead of finding their year.
        self._safe_lo = self._safe_hi = 0
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._cum_start: list[int] = []
        self._cum_end: list[int] = []
        self._arrays: tuple[NDArray[np.int64], ...] | None = None

    # ---- building -----------------------------------------------------------------
    def _year_of(self, instant: int) -> int:
        return from_us(instant, self.zone).year

    def _cover_years(self, lo: int, hi: int) -> None:
        if self._lo_year and self._lo_year <= lo and hi <= self._hi_year:
            return
        if self._lo_year:
            lo, hi = min(lo, self._lo_year), max(hi, self._hi_year)
        if lo < 1 or hi > 9998:
            raise OverflowError("instant outside the years a calendar can cover")
        self._build(lo, hi)

    def _cover(self, instant: int) -> None:
        if self._safe_lo <= instant < self._safe_hi:
            return
        year = self._year_of(instant)
        if not (self._lo_year and self._lo_year < year < self._hi_year):
            self._cover_years(year - 1, year + 1)

    def _build(self, lo: int, hi: int) -> None:
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
        starts = [a for a, _ in intervals]
        ends = [b for _, b in intervals]
        cum_start: list[int] = []
        cum_end: list[int] = []
        total = 0
        for a, b in intervals:
            cum_start.append(total)
            total += b - a
            cum_end.append(total)
        self._starts, self._ends, self._cum_start, self._cum_end = starts, ends, cum_start, cum_end
        self._lo_year, self._hi_year = lo, hi
        # Two local days inside the middle years: UTC offsets are under 24 h either way, so
        # any instant between these two has a local date in (lo, hi), whatever the zone did.
        self._safe_lo = self._instant(date(lo + 1, 1, 3), 0)
        self._safe_hi = self._instant(date(hi - 1, 12, 30), 0)
        self._arrays = None

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

    # ---- single calls ---------------------------------------------------------------
    def _b(self, t: int) -> int:
        """Business time from the start of the covered range to ``t``."""
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return 0
        end = self._ends[i]
        return self._cum_start[i] + (t if t < end else end) - self._starts[i]

    def business_us(self, start: int, end: int) -> int:
        if end <= start:
            return 0
        if not (self._safe_lo <= start and end < self._safe_hi):
            self._cover(start)
            self._cover(end)
        return self._b(end) - self._b(start)

    def add_us(self, start: int, duration: int) -> int:
        if duration <= 0:
            return start
        if not (self._safe_lo <= start < self._safe_hi):
            self._cover(start)
        starts, cum_end = self._starts, self._cum_end
        while True:
            # _b(start), inline: this is the hot path of every deadline
            i = bisect_right(starts, start) - 1
            if i < 0:
                target = duration
            else:
                end = self._ends[i]
                target = self._cum_start[i] + (start if start < end else end) - starts[i] + duration
            if target <= cum_end[-1]:
                j = bisect_left(cum_end, target)
                return starts[j] + target - self._cum_start[j]
            self._grow_for(duration)
            starts, cum_end = self._starts, self._cum_end

    def _grow_for(self, duration: int) -> None:
        per_year = max(self._cum_end[-1] // (self._hi_year - self._lo_year + 1), 1)
        years = duration // per_year + 2
        if years > 200:
            raise OverflowError(f"calendar {self.spec.name!r} cannot reach that much business time")
        self._cover_years(self._lo_year, self._hi_year + years)

    def is_open(self, instant: int) -> bool:
        self._cover(instant)
        i = bisect_right(self._starts, instant) - 1
        return i >= 0 and instant < self._ends[i]

    def intervals_between(self, start: int, end: int) -> list[tuple[int, int]]:
        """The open intervals clipped to [start, end): for display and tests."""
        self._cover(start)
        self._cover(end)
        i = max(bisect_right(self._starts, start) - 1, 0)
        out = []
        while i < len(self._starts) and self._starts[i] < end:
            a, b = max(self._starts[i], start), min(self._ends[i], end)
            if b > a:
                out.append((a, b))
            i += 1
        return out

    # ---- bulk (numpy) ---------------------------------------------------------------
    def _np(self) -> tuple[NDArray[np.int64], ...]:
        import numpy as np

        if self._arrays is None:
            self._arrays = tuple(
                np.asarray(x, dtype=np.int64) for x in (self._starts, self._ends, self._cum_start, self._cum_end)
            )
        return self._arrays

    def _b_many(self, t: NDArray[np.int64]) -> NDArray[np.int64]:
        import numpy as np

        starts, ends, cum_start, _ = self._np()
        i = np.searchsorted(starts, t, side="right") - 1
        ic = np.maximum(i, 0)
        b = cum_start[ic] + np.minimum(t, ends[ic]) - starts[ic]
        return np.where(i >= 0, b, 0)

    def _cover_many(self, *arrays: NDArray[np.int64]) -> None:
        nonempty = [a for a in arrays if a.size]
        if nonempty:
            self._cover(int(min(a.min() for a in nonempty)))
            self._cover(int(max(a.max() for a in nonempty)))

    def business_many(self, starts: NDArray[np.int64], ends: NDArray[np.int64]) -> NDArray[np.int64]:
        import numpy as np

        self._cover_many(starts, ends)
        out: NDArray[np.int64] = np.maximum(self._b_many(ends) - self._b_many(starts), 0)
        return out

    def add_many(self, starts: NDArray[np.int64], durations: NDArray[np.int64]) -> NDArray[np.int64]:
        import numpy as np

        self._cover_many(starts)
        if not starts.size:
            return starts.copy()
        while True:
            target = self._b_many(starts) + np.maximum(durations, 0)
            if int(target.max()) <= self._cum_end[-1]:
                break
            self._grow_for(int(durations.max()))
        a_starts, _, cum_start, cum_end = self._np()
        j = np.searchsorted(cum_end, target, side="left")
        return np.where(durations > 0, a_starts[j] + target - cum_start[j], starts)


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


def seconds(us: int) -> int:
    """Whole seconds of a microsecond duration, rounded down."""
    return us // US
