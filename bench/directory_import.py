"""``sladesk directory import`` of 100,000 people in 50 stores of one customer: time and memory.

For each database, a fresh one (SQLite in a temporary SLADESK_DATA_DIR; PostgreSQL as
``sladesk_bench_import``, created and dropped here, skipped when the server does not answer),
migrated by ``sladesk migrate``. Three imports follow, each in its own process so that its
peak resident memory is its own, each timed around ``call_command("directory", "import", ...)``
(reading, keeping the files, checking, writing and recording the run):

1. the files into the empty directory: every person created;
2. the same files again: nothing changes;
3. a people file where everyone's phone changed and the last 1,000 are missing: 99,000
   people updated, 1,000 deactivated.

The CSV: one customer, 5 gestores with a seat, 50 stores each with a gerente (managed by a
gestor) and vendedores (managed by their store's gerente).

``python -m bench.directory_import [--people N] [--stores S] [--databases sqlite,postgresql]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Check, child, each_database, section

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/sladesk_bench_import"
TARGET_S = 20.0
GESTORES = 5
LEFT_OUT = 1_000  # people missing from the third file, so deactivated
STEPS = ("first import: all created", "the same files again: unchanged", "phones changed, 1,000 missing")

CONTRACT = {
    "customer": "bench-varejo",
    "customer_name": "Varejo de Bancada S.A.",
    "model": "self_service",
    "partner": "",
    "support_seats": str(GESTORES),
    "platforms": "oto;context",
    "csm": "não",
    "partner_hours": "não",
    "training": "não",
    "starts_on": "2026-01-01",
    "ends_on": "",
}
PEOPLE_COLUMNS = ("customer", "store", "name", "email", "phone", "role", "support_seat", "manager_email")


def people_rows(n: int, stores: int, phone_prefix: str = "+55 51 9") -> list[list[str]]:
    """``n`` people: the gestores first, then each store's gerente, then the vendedores."""
    code = CONTRACT["customer"]

    def row(i: int, store: str, role: str, seat: str, manager: str) -> list[str]:
        email = f"p{i:06d}@varejo.example"
        return [code, store, f"Pessoa {i:06d}", email, f"{phone_prefix}{i:08d}", role, seat, manager]

    rows = [row(i, "", "gestor", "sim", "") for i in range(GESTORES)]
    for s in range(stores):
        rows.append(row(GESTORES + s, f"Loja {s:02d}", "gerente", "não", f"p{s % GESTORES:06d}@varejo.example"))
    for i in range(GESTORES + stores, n):
        s = i % stores
        rows.append(row(i, f"Loja {s:02d}", "vendedor", "não", f"p{GESTORES + s:06d}@varejo.example"))
    return rows[:n]


def write_csv(path: Path, header: Sequence[str], rows: list[list[str]]) -> str:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)
    return str(path)


def write_files(folder: Path, n: int, stores: int) -> list[list[str]]:
    """The CSV files of each step, written into ``folder``."""
    contracts = write_csv(folder / "contracts.csv", list(CONTRACT), [list(CONTRACT.values())])
    people = write_csv(folder / "people.csv", PEOPLE_COLUMNS, people_rows(n, stores))
    changed = people_rows(n, stores, phone_prefix="+55 11 8")[: max(n - LEFT_OUT, GESTORES + stores)]
    people2 = write_csv(folder / "people-2.csv", PEOPLE_COLUMNS, changed)
    return [[contracts, people], [contracts, people], [contracts, people2]]


@dataclass
class ImportStep:
    label: str
    seconds: float  # wall clock
    cpu_seconds: float  # this process only (not the PostgreSQL server's)
    load: float  # the 1-minute load average before the import: other processes slow it down
    rss_before_mb: float
    rss_peak_mb: float
    queries: int
    output: list[str]


@dataclass
class DatabaseResult:
    name: str
    people: int
    steps: list[ImportStep] = field(default_factory=list)
    skipped: str = ""

    def checks(self) -> list[Check]:
        if self.skipped or not self.steps:
            return []
        first = self.steps[0]
        text = f"import {self.people:,} people into an empty directory, {self.name}: {first.seconds:.1f} s"
        return [Check(text, first.seconds, TARGET_S, " s", at_least=False)]

    def report(self) -> list[str]:
        if self.skipped:
            return [f"  {self.name}: skipped ({self.skipped})"]
        lines = [f"  {self.name}:"]
        for step in self.steps:
            lines.append(
                f"    {step.label:<34} {step.seconds:6.1f} s (CPU {step.cpu_seconds:5.1f} s, load {step.load:4.1f})"
                f"   peak RSS {step.rss_peak_mb:4.0f} MB ({step.rss_before_mb:.0f} before)   {step.queries:,} queries"
            )
            lines += [f"        {line}" for line in step.output if line.startswith("people:")]
        lines += [check.line() for check in self.checks()]
        return lines


@dataclass
class ImportResult:
    people: int
    stores: int
    databases: list[DatabaseResult]

    def checks(self) -> list[Check]:
        return [c for d in self.databases for c in d.checks()]

    def report(self) -> list[str]:
        return [line for d in self.databases for line in d.report()]


# ---- the parent: fresh databases, each import in a child process -------------------------------
def run_database(name: str, env: dict[str, str], people: int, stores: int) -> DatabaseResult:
    result = DatabaseResult(name, people)
    child(env, "sladesk.cli", "migrate", "-v", "0")
    with tempfile.TemporaryDirectory(prefix="sladesk-bench-csv-") as tmp:
        for label, files in zip(STEPS, write_files(Path(tmp), people, stores), strict=True):
            measured = json.loads(child(env, "bench.directory_import", "--measure", *files))
            result.steps.append(ImportStep(label, **measured))
    return result


def run_import(
    people: int = 100_000,
    stores: int = 50,
    databases: Sequence[str] = ("sqlite", "postgresql"),
    postgres_url: str = POSTGRES_URL,
) -> ImportResult:
    results = each_database(
        "sladesk-bench-import-", databases, postgres_url,
        lambda name, env: run_database(name, env, people, stores),
        lambda name, why: DatabaseResult(name, people, skipped=why),
    )  # fmt: skip
    return ImportResult(people, stores, list(results))


# ---- the child: one import, inside Django -----------------------------------------------------
def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def measure(files: Sequence[str]) -> dict[str, Any]:
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.common import QueryCounter

    connection.ensure_connection()
    before = rss_mb()
    out = io.StringIO()
    load = os.getloadavg()[0]
    with connection.execute_wrapper(counter := QueryCounter()):
        t0, cpu0 = time.perf_counter(), time.process_time()
        call_command("directory", "import", *files, stdout=out, stderr=io.StringIO())
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - cpu0
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "load": load,
        "rss_before_mb": before,
        "rss_peak_mb": rss_mb(),
        "queries": counter.n,
        "output": out.getvalue().splitlines(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.directory_import", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="people in the file (100,000)")
    parser.add_argument("--stores", type=int, default=50, help="stores of the one customer (50)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite,postgresql (both)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help=f"created and dropped ({POSTGRES_URL})")
    parser.add_argument("--measure", nargs="+", metavar="FILE", help=argparse.SUPPRESS)  # the child's mode
    ns = parser.parse_args(argv)
    if ns.measure:
        print(json.dumps(measure(ns.measure)))
        return 0
    print(section(f"sladesk directory import: {ns.people:,} people in {ns.stores} stores of one customer"))
    sys.stdout.flush()
    databases = [d.strip() for d in ns.databases.split(",") if d.strip()]
    result = run_import(ns.people, ns.stores, databases, ns.postgres_url)
    print("\n".join(result.report()))
    checks = result.checks()
    return 0 if checks and all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
