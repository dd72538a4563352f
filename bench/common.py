"""What every benchmark shares: the calendar under test, timing, the report lines."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sladesk.core.calendar import BusinessCalendar, CalendarSpec
from sladesk.core.policy import Policy, load_default_policy

CALENDAR = "porto-alegre"
SEED = 20260301
# Random instants are drawn from [FIRST, LAST), the years 2026 and 2027.
FIRST = datetime(2026, 1, 1, tzinfo=UTC)
LAST = datetime(2028, 1, 1, tzinfo=UTC)
SPAN_S = int((LAST - FIRST).total_seconds())
MAX_HOURS = 36  # 4 dias úteis of 9 business hours
ONE_US = timedelta(microseconds=1)


def default_calendar() -> tuple[Policy, CalendarSpec, BusinessCalendar]:
    """The default policy, its porto-alegre spec and a fresh calendar built from it."""
    policy = load_default_policy()
    spec = policy.calendars[CALENDAR]
    cal = policy.calendar(CALENDAR)
    assert isinstance(cal, BusinessCalendar)
    return policy, spec, cal


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` runs of ``fn``, in seconds (time.perf_counter)."""
    best = float("inf")
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


@dataclass(frozen=True)
class Check:
    """A figure against its target: ``at_least`` for speed-ups and rates, else ``at most``."""

    text: str  # the figure and its peer, in words
    value: float
    target: float
    unit: str = ""
    at_least: bool = True

    @property
    def passed(self) -> bool:
        return self.value >= self.target if self.at_least else self.value <= self.target

    def line(self) -> str:
        sign = "≥" if self.at_least else "≤"
        verdict = "PASS" if self.passed else "MISS"
        return f"  {verdict}  {self.text:<78} target {sign} {self.target:g}{self.unit}"


def section(title: str) -> str:
    return f"\n== {title} " + "=" * max(0, 76 - len(title))
