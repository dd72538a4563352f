"""Single calls, datetime in and datetime out: deadlines and elapsed business time.

Every peer gets the same aware datetimes (UTC, as instants are stored) and the
same durations. sladesk's timing includes its conversions (``to_us`` on the
way in, ``from_us`` into the calendar's zone on the way out, and the duration
from a timedelta), so it is compared doing the same work as the peers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bench.common import FIRST, MAX_HOURS, ONE_US, SEED, SPAN_S, Check, best_of, default_calendar
from bench.peers import bizcal_calendar, pandas_offsets
from sladesk.core.instants import from_us, to_us

PEER_YEARS = range(2025, 2029)  # the sample's years, and room for deadlines past the end of 2027


def sample(n: int, seed: int = SEED) -> tuple[list[datetime], list[int]]:
    """``n`` random instants in 2026-2027 (whole seconds, UTC) and whole business hours 1..36."""
    rng = random.Random(seed)
    starts = [FIRST + timedelta(seconds=rng.randrange(SPAN_S)) for _ in range(n)]
    hours = [rng.randint(1, MAX_HOURS) for _ in range(n)]
    return starts, hours


def elapsed_sample(n: int, seed: int = SEED + 1) -> list[tuple[datetime, datetime]]:
    """``n`` pairs of instants in 2026-2027, the second up to 10 days after the first."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a = FIRST + timedelta(seconds=rng.randrange(SPAN_S))
        out.append((a, a + timedelta(seconds=rng.randrange(10 * 86400))))
    return out


@dataclass
class DeadlineResult:
    n: int
    us_sladesk: float
    us_pandas: float
    us_bizcal: float
    agree_bizcal: int  # sladesk == django-bizcal, the same instant
    agree_pandas: int  # sladesk == pandas, the same instant
    agree_pandas_convention: int  # or pandas is the next opening after sladesk's closing time
    agree_all: int  # the three agree, allowing pandas its closing-time convention
    examples: list[str] = field(default_factory=list)

    def checks(self) -> list[Check]:
        ours = f"sladesk {self.us_sladesk:.2f} µs/deadline"
        vs_pd, vs_bz = self.us_pandas / self.us_sladesk, self.us_bizcal / self.us_sladesk
        return [
            Check(f"{ours} vs pandas CustomBusinessHour {self.us_pandas:.1f} µs: {vs_pd:.1f}x", vs_pd, 30, "x"),
            Check(f"{ours} vs django-bizcal {self.us_bizcal:.1f} µs: {vs_bz:.1f}x", vs_bz, 5, "x"),
        ]

    def report(self) -> list[str]:
        lines = [c.line() for c in self.checks()]
        lines.append(f"        agreement on the {self.n:,} deadlines:")
        lines.append(f"          sladesk = django-bizcal          {self.agree_bizcal:>6}/{self.n}")
        lines.append(f"          sladesk = pandas (same instant)  {self.agree_pandas:>6}/{self.n}")
        lines.append(
            f"          sladesk ~ pandas (convention)    {self.agree_pandas_convention:>6}/{self.n}  (see below)"
        )
        lines.append(f"          all three (allowing that)        {self.agree_all:>6}/{self.n}")
        lines.extend(f"          differs: {e}" for e in self.examples)
        lines.append(
            "        convention: a deadline landing exactly at closing time is 18:00 for sladesk (POLICY.md) and"
        )
        lines.append(
            "        django-bizcal; pandas moves it to the next opening (09:00 of the next business day). No business"
        )
        lines.append("        time lies between the two, which is what 'sladesk ~ pandas' checks.")
        return lines


def run_deadlines(n: int = 3000, repeats: int = 5, pandas_repeats: int = 3) -> DeadlineResult:
    _, spec, cal = default_calendar()
    starts, hours = sample(n)
    durations = [timedelta(hours=h) for h in hours]
    zone = cal.zone
    offsets = pandas_offsets(spec, PEER_YEARS, range(1, MAX_HOURS + 1))
    pandas_by_item = [offsets[h] for h in hours]
    bizcal = bizcal_calendar(spec, PEER_YEARS)

    import pandas as pd

    add_us = cal.add_us
    pairs = list(zip(starts, durations, strict=True))
    pd_pairs = list(zip(starts, pandas_by_item, strict=True))
    add_bizcal = bizcal.add_business_time

    def run_sladesk() -> list[datetime]:
        return [from_us(add_us(to_us(s), d // ONE_US), zone) for s, d in pairs]

    def run_pandas() -> list[datetime]:
        return [pd.Timestamp(s).tz_convert(zone) + off for s, off in pd_pairs]

    def run_bizcal() -> list[datetime]:
        return [add_bizcal(s, d) for s, d in pairs]

    # Warm up each (sladesk builds its intervals, django-bizcal fills its day cache), keep the results.
    ours, theirs_pd, theirs_bz = run_sladesk(), run_pandas(), run_bizcal()
    t_ours = best_of(run_sladesk, repeats)
    t_pd = best_of(run_pandas, pandas_repeats)
    t_bz = best_of(run_bizcal, repeats)

    agree_bz = agree_pd = agree_conv = agree_all = 0
    examples: list[str] = []
    for s, h, a, p, b in zip(starts, hours, ours, theirs_pd, theirs_bz, strict=True):
        same_pd = a == p
        conv_pd = same_pd or (p > a and cal.business_us(to_us(a), to_us(p)) == 0)
        agree_bz += a == b
        agree_pd += same_pd
        agree_conv += conv_pd
        agree_all += conv_pd and a == b
        if not (conv_pd and a == b) and len(examples) < 5:
            examples.append(
                f"{s.astimezone(zone).isoformat()} + {h} h: sladesk {a.isoformat()}, "
                f"pandas {p.isoformat()}, django-bizcal {b.astimezone(zone).isoformat()}"
            )
    return DeadlineResult(
        n, t_ours / n * 1e6, t_pd / n * 1e6, t_bz / n * 1e6, agree_bz, agree_pd, agree_conv, agree_all, examples
    )


@dataclass
class ElapsedResult:
    n: int
    us_sladesk: float
    us_bizcal: float
    agree: int

    def checks(self) -> list[Check]:
        ratio = self.us_bizcal / self.us_sladesk
        text = f"sladesk {self.us_sladesk:.2f} µs/call vs django-bizcal {self.us_bizcal:.1f} µs: {ratio:.1f}x"
        return [Check(text, ratio, 5, "x")]

    def report(self) -> list[str]:
        return [
            *(c.line() for c in self.checks()),
            "        (pandas has no business time between two instants)",
            f"        agreement on the {self.n:,} elapsed times: sladesk = django-bizcal {self.agree}/{self.n}",
        ]


def run_elapsed(n: int = 3000, repeats: int = 5) -> ElapsedResult:
    _, spec, cal = default_calendar()
    pairs = elapsed_sample(n)
    bizcal = bizcal_calendar(spec, PEER_YEARS)
    business_us = cal.business_us
    between = bizcal.business_time_between

    def run_sladesk() -> list[timedelta]:
        return [timedelta(microseconds=business_us(to_us(a), to_us(b))) for a, b in pairs]

    def run_bizcal() -> list[timedelta]:
        return [between(a, b) for a, b in pairs]

    ours, theirs = run_sladesk(), run_bizcal()
    t_ours = best_of(run_sladesk, repeats)
    t_bz = best_of(run_bizcal, repeats)
    agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
    return ElapsedResult(n, t_ours / n * 1e6, t_bz / n * 1e6, agree)
