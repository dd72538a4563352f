"""The directory pages with a customer of 100,000 people: p95 server time <= 150 ms, SQLite and PostgreSQL.

For each database, a fresh one (SQLite in a temporary SLADESK_DATA_DIR; PostgreSQL as
``sladesk_bench_pages``, created and dropped here, skipped when the server does not answer),
migrated, then filled by ``sladesk directory import`` with two customers: ``bench-varejo``,
100,000 people in 50 stores (as in bench/directory_import.py), and ``bench-pequeno``, 1,000
people in 50 stores, the baseline of the same run (machines differ 3x, and so does the load).
Then this module with ``--measure`` logs a supervisor in with ``django.test.Client`` and times
each page (the whole Django request: middleware, session, queries, template; no network),
counting its SQL queries:

- ``/directory/``, the customers (baseline: the same list searched down to the small customer);
- a customer's page, its first page of people and of stores (baseline: the small customer's);
- the same customer's 500th page of people (baseline: the small customer's 5th, its last);
- a person's page (baseline: a person of the small customer);
- ``/healthz``, a bare view: what any request costs on this machine now.

``python -m bench.directory_pages [--people N] [--requests R] [--databases sqlite,postgresql]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Check, Percentiles, QueryCounter, child, each_database, section
from bench.directory_import import CONTRACT, PEOPLE_COLUMNS, people_rows, write_csv

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/sladesk_bench_pages"
TARGET_MS = 150.0
STORES = 50
SMALL = 1_000
SMALL_CODE = "bench-pequeno"
WARMUP = 3
MIN_REQUESTS, MAX_SECONDS_PER_PAGE = 10, 20.0
SUPERVISOR = "supervisor@bench.example"


@dataclass
class Timed(Percentiles):
    times_ms: list[float]
    queries: int
    bytes: int


@dataclass
class PageResult:
    label: str
    big: Timed
    baseline: Timed
    baseline_label: str
    checked: bool  # a page whose p95 at 100,000 people is held to the target


@dataclass
class DatabaseResult:
    name: str
    people: int
    fill_s: float = 0.0
    pages: list[PageResult] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    skipped: str = ""

    def checks(self) -> list[Check]:
        if self.skipped:
            return []
        return [
            Check(
                f"{p.label}, {self.name}, {self.people:,} people: p95 {p.big.p95:.0f} ms "
                f"(1,000: {p.baseline.p95:.0f} ms)",
                p.big.p95,
                TARGET_MS,
                " ms",
                at_least=False,
            )
            for p in self.pages
            if p.checked
        ]

    def report(self) -> list[str]:
        if self.skipped:
            return [f"  {self.name}: skipped ({self.skipped})"]
        lines = [
            f"  {self.name}: migrated and imported in {self.fill_s:.0f} s; load average {self.load[0]:.1f} before "
            f"measuring, {self.load[1]:.1f} after ({os.cpu_count()} CPUs)",
            f"    {'page':<34} {'at ' + format(self.people, ',') + ' people':>34}   {'baseline':>34}",
        ]
        for p in self.pages:
            lines.append(f"    {p.label:<34} {_timed(p.big)}   {_timed(p.baseline)}  ({p.baseline_label})")
        lines += [check.line() for check in self.checks()]
        return lines


def _timed(t: Timed) -> str:
    return f"p50 {t.p50:6.1f} p95 {t.p95:6.1f} ms {t.queries:>2} q {t.bytes // 1024:>4} KB"


# ---- the parent: fresh databases, filled and measured in child processes -----------------------
def write_files(folder: Path, people: int) -> list[str]:
    small = dict(CONTRACT, customer=SMALL_CODE, customer_name="Pequeno de Bancada Ltda.")
    contracts = write_csv(folder / "contracts.csv", list(CONTRACT), [list(CONTRACT.values()), list(small.values())])
    big = people_rows(people, STORES)
    few = [
        [
            SMALL_CODE,
            store,
            name,
            email.replace("@varejo.", "@pequeno."),
            phone,
            role,
            seat,
            manager.replace("@varejo.", "@pequeno."),
        ]
        for _, store, name, email, phone, role, seat, manager in people_rows(SMALL, STORES, phone_prefix="+55 54 8")
    ]
    return [contracts, write_csv(folder / "people.csv", PEOPLE_COLUMNS, big + few)]


def run_database(name: str, env: dict[str, str], people: int, requests: int) -> DatabaseResult:
    result = DatabaseResult(name, people)
    t0 = time.perf_counter()
    child(env, "sladesk.cli", "migrate", "-v", "0")
    with tempfile.TemporaryDirectory(prefix="sladesk-bench-pages-csv-") as tmp:
        child(env, "sladesk.cli", "directory", "import", *write_files(Path(tmp), people))
    result.fill_s = time.perf_counter() - t0
    measured = json.loads(child(env, "bench.directory_pages", "--measure", "--requests", str(requests)))
    result.load = measured["load"]
    for page in measured["pages"]:
        big, baseline = Timed(**page.pop("big")), Timed(**page.pop("baseline"))
        result.pages.append(PageResult(big=big, baseline=baseline, **page))
    return result


def run_pages(
    people: int = 100_000, requests: int = 50, databases: Sequence[str] = ("sqlite", "postgresql"),
    postgres_url: str = POSTGRES_URL,
) -> Iterator[DatabaseResult]:  # fmt: skip
    """Each database's result as soon as it is measured."""
    yield from each_database(
        "sladesk-bench-pages-", databases, postgres_url,
        lambda name, env: run_database(name, env, people, requests),
        lambda name, why: DatabaseResult(name, people, skipped=why),
    )  # fmt: skip


# ---- the child: inside Django, against the database its environment names ----------------------
def timed(client: Any, url: str, requests: int) -> dict[str, Any]:
    from django.db import connection

    for _ in range(WARMUP):
        client.get(url)
    with connection.execute_wrapper(counter := QueryCounter()):
        page = client.get(url)
    if page.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {page.status_code}")
    times: list[float] = []
    stop = time.monotonic() + MAX_SECONDS_PER_PAGE
    while len(times) < requests and (len(times) < MIN_REQUESTS or time.monotonic() < stop):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    return {"times_ms": times, "queries": counter.n, "bytes": len(page.content)}


def measure(requests: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from sladesk.directory.models import Person
    from sladesk.directory.views import PAGE_SIZE
    from sladesk.staff.models import StaffProfile

    user = User.objects.create(username=SUPERVISOR, email=SUPERVISOR)
    StaffProfile.objects.create(user=user, role=StaffProfile.Role.SUPERVISOR)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    big, small = CONTRACT["customer"], SMALL_CODE

    def person(code: str) -> str:
        pk = Person.objects.filter(customer__code=code, role=Person.Role.VENDEDOR).order_by("-pk").values("pk")[:1]
        return reverse("directory:person", args=[pk.get()["pk"]])

    customers = reverse("directory:customers")
    last_small = -(-SMALL // PAGE_SIZE)
    pages = [
        ("/directory/ (the customers)", customers, f"{customers}?q={small}", "searched to the small one", True),
        ("a customer's page", reverse("directory:customer", args=[big]),
         reverse("directory:customer", args=[small]), "the small customer's", True),
        ("a customer's page 500 of people", reverse("directory:customer", args=[big]) + "?page=500",
         reverse("directory:customer", args=[small]) + f"?page={last_small}", f"its page {last_small}", True),
        ("a person's page", person(big), person(small), "a person of the small one", True),
        ("/healthz (a bare view)", "/healthz", "/healthz", "the same", False),
    ]  # fmt: skip
    load = os.getloadavg()[0]
    results = [
        {
            "label": label,
            "big": timed(client, url, requests),
            "baseline": timed(client, baseline, requests),
            "baseline_label": baseline_label,
            "checked": checked,
        }
        for label, url, baseline, baseline_label, checked in pages
    ]
    return {"pages": results, "load": [load, os.getloadavg()[0]]}


# ---- the command line -------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.directory_pages", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="people of the big customer (100,000)")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (50)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite,postgresql (both)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help=f"created and dropped ({POSTGRES_URL})")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the child's mode
    ns = parser.parse_args(argv)
    if ns.measure:
        print(json.dumps(measure(ns.requests)))
        return 0
    print(section(f"the directory pages with a customer of {ns.people:,} people: p95 server time"))
    sys.stdout.flush()
    databases = [d.strip() for d in ns.databases.split(",") if d.strip()]
    checks = []
    for result in run_pages(ns.people, ns.requests, databases, ns.postgres_url):
        print("\n".join(result.report()))
        sys.stdout.flush()
        checks += result.checks()
    return 0 if checks and all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
