"""The same calendar as sladesk's porto-alegre, configured in each peer library.

Both peers are built from the sladesk ``CalendarSpec`` (weekly windows, time
zone, holidays and closures of the policy file), so they see the same hours
and the same days off.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sladesk.core.calendar import WEEKDAYS, CalendarSpec
from sladesk.core.holidays import holidays_for


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def days_off(spec: CalendarSpec, years: range) -> list[date]:
    """Every whole day off: holidays (library + policy additions) and whole-day closures."""
    days = set(holidays_for(spec.holidays, years)) if spec.holidays else set()
    for c in spec.closures:
        if c.start_min is None or c.end_min is None or (c.start_min, c.end_min) == (0, 1440):
            days.add(c.day)
    return sorted(d for d in days if d.year in years)


def pandas_offsets(spec: CalendarSpec, years: range, hours: range) -> dict[int, Any]:
    """``CustomBusinessHour(n)`` for every whole number of hours in ``hours``.

    pandas counts business time in whole hours of one daily window on a
    weekmask; the offsets are built once, outside any timing, since building
    one (its holiday calendar) costs far more than applying it.
    """
    import pandas as pd

    windows = {w for w in spec.week if w}
    if len(windows) != 1 or len(next(iter(windows))) != 1:
        raise ValueError("pandas' CustomBusinessHour needs one window, the same on every business day")
    ((start, end),) = next(iter(windows))
    if any(c.start_min is not None and (c.start_min, c.end_min) != (0, 1440) for c in spec.closures):
        raise ValueError("pandas' CustomBusinessHour cannot close part of a day")
    weekmask = " ".join(day.capitalize() for day, w in zip(WEEKDAYS, spec.week, strict=True) if w)
    base = pd.offsets.CustomBusinessHour(
        start=hhmm(start), end=hhmm(end), weekmask=weekmask, holidays=days_off(spec, years)
    )
    # Same calendar object for every n, so no n rebuilds the holiday calendar.
    return {
        n: pd.offsets.CustomBusinessHour(n=n, start=base.start, end=base.end, calendar=base.calendar) for n in hours
    }


def bizcal_calendar(spec: CalendarSpec, years: range) -> Any:
    """django-bizcal's ``WorkingCalendar``: the ``holidays`` country and subdivision
    plus the policy's own additions as extra holidays, and closures as day overrides.

    Its pure calendar API needs no Django settings (it never imports Django).
    """
    from django_bizcal import WorkingCalendar

    weekly = {i: [(hhmm(a), hhmm(b)) for a, b in w] for i, w in enumerate(spec.week) if w}
    extra = []
    country = subdivision = None
    if spec.holidays:
        country, subdivision = spec.holidays.country, spec.holidays.subdivision
        extra = [d for year in years for a in spec.holidays.additions for d in a.dates(year)]
    overrides: dict[date, Any] = {}
    for c in spec.closures:
        if c.start_min is None or c.end_min is None:
            overrides[c.day] = None
        else:
            weekday = spec.week[c.day.weekday()]
            kept = [(a, min(b, c.start_min)) for a, b in weekday if a < c.start_min]
            kept += [(max(a, c.end_min), b) for a, b in weekday if b > c.end_min]
            overrides[c.day] = [(hhmm(a), hhmm(b)) for a, b in kept if a < b] or None
    if country is None:
        return WorkingCalendar(tz=spec.timezone, weekly_schedule=weekly, day_overrides=overrides or None)
    return WorkingCalendar.from_country(
        country=country,
        subdivision=subdivision,
        years=list(years),
        tz=spec.timezone,
        weekly_schedule=weekly,
        extra_holidays=extra,
        day_overrides=overrides or None,
        name=spec.name,
    )
