"""One business calendar shared by threads (gunicorn's, in the desk): while threads grow
it, each answer is the one a calendar used by a single thread gives.

The shared calendar is asked about instants that zigzag outward over the years, so it is
rebuilt again and again, towards older years (which moves the origin of every cumulative
time) as well as newer ones; long durations also make ``add_us`` grow it at the end. The
interpreter switches threads every microsecond meanwhile, so that a reader is interrupted
inside a call often: a calendar that let a reader pair the lists of two builds fails here.
"""

from __future__ import annotations

import random
import sys
import threading
from datetime import UTC, datetime

import numpy as np

from sladesk.core.calendar import BusinessCalendar, CalendarSpec

# Open on Wednesdays only: small tables, so that rebuilding over decades stays quick.
SPEC = CalendarSpec("wednesdays", "America/Sao_Paulo", week=((), (), ((540, 1080),), (), (), (), ()))
HOUR_US = 3_600_000_000
THREADS = 4
ROUNDS = 8  # a fresh shared calendar each time
MIDDLE, STEPS = 2015, 4  # years 2015, 2013, 2017, ..., 2007, 2023 (São Paulo had DST until 2019)

Call = tuple[str, int, int]  # (method, instant, duration or end)


def zigzag() -> list[int]:
    out = [MIDDLE]
    for k in range(1, STEPS + 1):
        out += [MIDDLE - 2 * k, MIDDLE + 2 * k]
    return out


def calls(seed: int) -> list[list[Call]]:
    """One thread's calls, year after year of the zigzag: instants in that year, durations
    from an hour to about three years of Wednesdays."""
    rng = random.Random(seed)
    rounds = []
    for year in zigzag():
        first = int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000
        batch: list[Call] = []
        for _ in range(30):
            a = first + rng.randrange(365 * 24 * 3600) * 1_000_000
            hours = rng.choice([1, 9, 40, rng.randrange(1, 1500)])
            batch += [("add", a, hours * HOUR_US), ("between", a, a + rng.randrange(1, 2000) * HOUR_US), ("open", a, 0)]
        rounds.append(batch)
    return rounds


def answer(cal: BusinessCalendar, batch: list[Call]) -> list[object]:
    out: list[object] = []
    for method, a, b in batch:
        if method == "add":
            out.append(cal.add_us(a, b))
        elif method == "between":
            out.append(cal.business_us(a, b))
        else:
            out.append(cal.is_open(a))
    adds = [(a, b) for method, a, b in batch if method == "add"]
    starts, durations = np.array([a for a, _ in adds], dtype=np.int64), np.array([b for _, b in adds], dtype=np.int64)
    out.append(cal.add_many(starts, durations).tolist())
    out.append(cal.business_many(starts, starts + durations).tolist())
    return out


def shared_run(plans: list[list[list[Call]]]) -> list[list[list[object]]]:
    """Every thread's answers from one fresh calendar they all use at once."""
    shared = BusinessCalendar(SPEC)
    got: list[list[list[object]]] = [[] for _ in plans]
    errors: list[BaseException] = []
    start = threading.Barrier(len(plans))

    def work(i: int) -> None:
        try:
            start.wait()
            for batch in plans[i]:
                got[i].append(answer(shared, batch))
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(plans))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return got


def test_it_answers_every_thread_as_if_it_were_alone_while_they_grow_it() -> None:
    plans = [calls(seed) for seed in range(THREADS)]
    alone = BusinessCalendar(SPEC)  # one thread only; built over all the years at once
    alone.business_us(*(int(datetime(y, 6, 1, tzinfo=UTC).timestamp()) * 1_000_000 for y in (2000, 2030)))
    expected = [[answer(alone, batch) for batch in plan] for plan in plans]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(ROUNDS):
            got = shared_run(plans)
            for i in range(THREADS):
                wrong = [year for year, a, b in zip(zigzag(), got[i], expected[i], strict=True) if a != b]
                assert wrong == [], f"thread {i} got wrong answers for instants in {wrong}"
    finally:
        sys.setswitchinterval(switch)
