"""What every benchmark shares: the calendar under test, timing, the report lines."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

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


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile (p95 of 200 requests is the 190th fastest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


class Percentiles:
    """p50 and p95 of a result's ``times_ms``."""

    times_ms: list[float]

    @property
    def p50(self) -> float:
        return percentile(self.times_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.times_ms, 95)


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


# ---- what the benchmarks that run sladesk in child processes share ---------------------------
ROOT = Path(__file__).resolve().parent.parent


def environment(data_dir: str, database_url: str | None) -> dict[str, str]:
    """The environment of every child: the chosen database, the default policy, no debug."""
    env = {**os.environ, "SLADESK_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "sladesk.config.settings"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")) if p)
    for name in ("DATABASE_URL", "SLADESK_POLICY", "SLADESK_DEBUG"):
        env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def child(env: dict[str, str], *args: str, timeout: float = 1800) -> str:
    """Run ``python -m ARGS`` in the repository root; its output, or an error with its stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


class NoServer(Exception):
    """PostgreSQL does not answer: the benchmark says so and skips that database."""


@contextlib.contextmanager
def fresh_postgres(url: str) -> Iterator[None]:
    """The database of ``url`` created empty for the block and dropped after it (NoServer when
    the server does not answer)."""
    import psycopg

    try:
        admin = psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise NoServer(str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer") from None
    quoted = '"' + url.rsplit("/", 1)[1].replace('"', '""') + '"'
    with admin:
        admin.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {quoted}")
        try:
            yield
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


R = TypeVar("R")


def each_database(
    prefix: str, databases: Sequence[str], postgres_url: str,
    run: Callable[[str, dict[str, str]], R], skipped: Callable[[str, str], R],
) -> Iterator[R]:  # fmt: skip
    """``run(name, env)`` on a fresh SQLite then a fresh PostgreSQL database, each with its own
    data directory, yielded as each is measured; ``skipped(name, why)`` when PostgreSQL does not
    answer."""
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            result = run("SQLite", environment(tmp, None))
        yield result
    if "postgresql" in databases:
        try:
            with fresh_postgres(postgres_url), tempfile.TemporaryDirectory(prefix=prefix) as tmp:
                result = run("PostgreSQL", environment(tmp, postgres_url))
        except NoServer as exc:
            result = skipped("PostgreSQL", f"{postgres_url} does not answer: {exc}")
        yield result


class QueryCounter:
    """Counts the SQL statements a connection runs (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        return execute(sql, params, many, context)
