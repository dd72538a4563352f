"""Recomputing open deadlines in bulk after a holiday is added to the calendar.

The database keeps, for every running clock, its anchor and the business time
remaining from it (``MetricState.anchor`` and ``anchor_remaining_us``), so a
changed calendar moves every open deadline with one ``add_many`` call and no
timeline replay. Here: build the calendar of a policy with one more holiday,
then recompute a million deadlines with it.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bench.common import CALENDAR, FIRST, MAX_HOURS, SEED, SPAN_S, Check, best_of
from sladesk.core.calendar import BusinessCalendar
from sladesk.core.instants import HOUR_US, US, to_us
from sladesk.core.policy import default_policy_text, parse_policy

# Carnival Tuesday: a ponto facultativo, a business day by default, that a vendor may close.
EXTRA_HOLIDAY = date(2027, 2, 9)
ADDITIONS_KEY = "additions = [\n"


def policy_with_holiday(day: date, name: str = "Carnaval (bench)") -> str:
    """The default policy's text with one more one-date holiday on the porto-alegre calendar."""
    text = default_policy_text()
    if text.count(ADDITIONS_KEY) != 1:
        raise RuntimeError("the default policy no longer has one holiday 'additions' list to extend")
    return text.replace(ADDITIONS_KEY, f'{ADDITIONS_KEY}  {{ name = "{name}", date = "{day.isoformat()}" }},\n')


def anchors(n: int, seed: int = SEED + 2) -> tuple[np.ndarray, np.ndarray]:
    """``n`` anchors in 2026-2027 and business time remaining from each, up to 4 dias úteis (µs)."""
    rng = np.random.default_rng(seed)
    first = to_us(FIRST)
    starts = first + rng.integers(0, SPAN_S * US, size=n, dtype=np.int64)
    remaining = rng.integers(1, MAX_HOURS * HOUR_US + 1, size=n, dtype=np.int64)
    return starts, remaining


def build(text: str, lo: int, hi: int) -> BusinessCalendar:
    """Parse and validate the policy and build its calendar over [lo, hi] (its intervals, ready to use)."""
    cal = parse_policy(text, "bench policy").calendar(CALENDAR)
    assert isinstance(cal, BusinessCalendar)
    cal.business_us(lo, hi)  # the calendar builds lazily: make it cover every anchor now
    return cal


@dataclass
class BulkResult:
    n: int
    build_s: float
    recompute_s: float
    moved: int
    checked: int
    agree: int

    def checks(self) -> list[Check]:
        text = f"recompute {self.n:,} deadlines after a new holiday: {self.recompute_s:.3f} s (numpy add_many)"
        return [Check(text, self.recompute_s, 0.3, " s", at_least=False)]

    def report(self) -> list[str]:
        return [
            *(c.line() for c in self.checks()),
            f"        building the new calendar first (parse the policy, build its intervals): {self.build_s:.3f} s;"
            f" together {self.build_s + self.recompute_s:.3f} s",
            f"        {self.moved:,} deadlines moved by the holiday on {EXTRA_HOLIDAY};"
            f" add_many = add_us on {self.agree}/{self.checked} sampled",
        ]


def run_bulk(n: int = 1_000_000, repeats: int = 5, build_repeats: int = 3, checked: int = 2000) -> BulkResult:
    starts, remaining = anchors(n)
    lo, hi = int(starts.min()), int(starts.max())
    old = build(default_policy_text(), lo, hi)
    before = old.add_many(starts, remaining)

    # Each build adds a different date, so no build finds the previous one's holidays in a cache.
    build_s = float("inf")
    for i in range(max(build_repeats, 1)):
        text = policy_with_holiday(EXTRA_HOLIDAY + timedelta(days=7 * (build_repeats - 1 - i)))
        t0 = time.perf_counter()
        cal = build(text, lo, hi)
        build_s = min(build_s, time.perf_counter() - t0)
    # The last one built is the one with EXTRA_HOLIDAY.
    out = cal.add_many(starts, remaining)
    recompute_s = best_of(lambda: cal.add_many(starts, remaining), repeats)

    rng = random.Random(SEED + 3)
    picks = [rng.randrange(n) for _ in range(min(checked, n))]
    agree = sum(int(out[i]) == cal.add_us(int(starts[i]), int(remaining[i])) for i in picks)
    moved = int(np.count_nonzero(out != before))
    return BulkResult(n, build_s, recompute_s, moved, len(picks), agree)
