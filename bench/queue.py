"""The agent's queue with 100,000 tickets: p95 server time ≤ 150 ms, on SQLite and on PostgreSQL.

For each database, a fresh one: SQLite in a temporary SLADESK_DATA_DIR, PostgreSQL as
``sladesk_bench`` (created and dropped here; skipped, saying so, when the server does
not answer). Each step runs in its own process with the environment that chooses the
database, as an operator would: ``sladesk migrate``, ``sladesk demo --tickets N``
(the demo plus N bulk tickets with genuine SLA metrics), then this module with
``--measure``: it logs in as the demo supervisor with ``django.test.Client`` and asks for
the queue page (``tickets:queue``) with a few filters, timing the whole Django request
(middleware, session, queries, template; no network) and counting its SQL queries.

``python -m bench.queue [--tickets N] [--requests R] [--databases sqlite,postgresql]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Check, Percentiles, QueryCounter, child, each_database, percentile, section

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/sladesk_bench"
TARGET_MS = 150.0
SUPERVISOR = ("supervisor@demo.sladesk", "demo-supervisor")  # the demo's own login (sladesk.ops.demo)
WARMUP = 3  # requests per filter before timing: connections opened, templates compiled
MIN_REQUESTS, MAX_SECONDS_PER_FILTER = 10, 20.0  # a slow filter stops early, after at least 10
# (label, query string parameters); "{customer}" is the bulk demo customer with the most tickets.
FILTERS: tuple[tuple[str, dict[str, str]], ...] = (
    ("no filter", {}),
    ("priority=P1", {"priority": "P1"}),
    ("breached only", {"breached": "1"}),
    ("a customer", {"customer": "{customer}"}),
)


@dataclass
class FilterResult(Percentiles):
    label: str
    times_ms: list[float]
    queries: int
    rows: int


@dataclass
class DatabaseResult:
    name: str
    tickets: int = 0
    fill_s: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    filters: list[FilterResult] = field(default_factory=list)
    skipped: str = ""  # why, when this database was not measured
    load: list[float] = field(default_factory=list)  # the 1-minute load average before and after measuring

    @property
    def all_ms(self) -> list[float]:
        return [t for f in self.filters for t in f.times_ms]

    def checks(self) -> list[Check]:
        if self.skipped or not self.filters:
            return []
        times = self.all_ms
        p95, p50 = percentile(times, 95), percentile(times, 50)
        text = (
            f"queue p95 server time, {self.name}, {self.tickets:,} tickets: {p95:.0f} ms "
            f"(p50 {p50:.0f} ms, {len(times)} requests)"
        )
        return [Check(text, p95, TARGET_MS, " ms", at_least=False)]

    def report(self) -> list[str]:
        if self.skipped:
            return [f"  {self.name}: skipped ({self.skipped})"]
        c = self.counts
        lines = [
            f"  {self.name}: migrated and filled in {self.fill_s:.0f} s; {c.get('tickets', 0):,} tickets, "
            f"{c.get('open', 0):,} open, {c.get('open_breached', 0):,} of them breached",
            f"    load average {self.load[0]:.1f} before measuring, {self.load[1]:.1f} after "
            f"({os.cpu_count()} CPUs): other processes slow every figure down",
        ]
        for f in self.filters:
            lines.append(
                f"    {f.label:<28} p50 {f.p50:6.1f} ms   p95 {f.p95:6.1f} ms   "
                f"{f.queries:>2} SQL queries/request   {f.rows} rows on the page"
            )
        lines += [check.line() for check in self.checks()]
        return lines


# ---- the parent: fresh databases, filled and measured in child processes -----------------------
def run_database(name: str, env: dict[str, str], tickets: int, requests: int) -> DatabaseResult:
    result = DatabaseResult(name, tickets)
    t0 = time.perf_counter()
    child(env, "sladesk.cli", "migrate", "-v", "0")
    child(env, "sladesk.cli", "demo", "--tickets", str(tickets))
    result.fill_s = time.perf_counter() - t0
    measured = json.loads(child(env, "bench.queue", "--measure", "--requests", str(requests)))
    result.counts = measured["counts"]
    result.load = measured["load"]
    result.filters = [FilterResult(**f) for f in measured["filters"]]
    return result


def run_queue(
    tickets: int = 100_000, requests: int = 50, databases: Sequence[str] = ("sqlite", "postgresql"),
    postgres_url: str = POSTGRES_URL,
) -> Iterator[DatabaseResult]:  # fmt: skip
    """Each database's result as soon as it is measured."""
    yield from each_database(
        "sladesk-bench-queue-", databases, postgres_url,
        lambda name, env: run_database(name, env, tickets, requests),
        lambda name, why: DatabaseResult(name, tickets, skipped=why),
    )  # fmt: skip


# ---- the child: inside Django, against the database its environment names ----------------------
def measure(requests: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from sladesk.tickets.models import OPEN_STATUSES, Ticket

    client = Client(HTTP_HOST="127.0.0.1")  # a host the settings allow, as a browser on this machine sends
    login = client.post(reverse("login"), {"username": SUPERVISOR[0], "password": SUPERVISOR[1]})
    if login.status_code != 302:
        raise RuntimeError(f"the demo supervisor could not log in (HTTP {login.status_code})")
    url = reverse("tickets:queue")
    customer = biggest_customer()
    load = os.getloadavg()[0]
    results = []
    for label, params in FILTERS:
        query = {k: v.format(customer=customer) for k, v in params.items()}
        for _ in range(WARMUP):
            client.get(url, query)
        with connection.execute_wrapper(counter := QueryCounter()):
            page = client.get(url, query)
        if page.status_code != 200:
            raise RuntimeError(f"{url}?{query}: HTTP {page.status_code}")
        times: list[float] = []
        stop = time.monotonic() + MAX_SECONDS_PER_FILTER
        while len(times) < requests and (len(times) < MIN_REQUESTS or time.monotonic() < stop):
            t0 = time.perf_counter()
            client.get(url, query)
            times.append((time.perf_counter() - t0) * 1000)
        rows = page.content.count(b"data-ticket=")  # one per ticket row of the page
        shown = f"{label} ({customer})" if "customer" in params else label
        results.append({"label": shown, "times_ms": times, "queries": counter.n, "rows": rows})
    now = timezone.now()
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    late = Q(metrics__state="breached") | Q(metrics__state="running", metrics__due_at__lt=now)
    counts = {
        "tickets": Ticket.objects.count(),
        "open": open_tickets.count(),
        "open_breached": open_tickets.filter(late).distinct().count(),
    }
    return {"counts": counts, "filters": results, "load": [load, os.getloadavg()[0]]}


def biggest_customer() -> str:
    from django.db.models import Count

    from sladesk.directory.models import Customer

    top = Customer.objects.annotate(n=Count("tickets")).order_by("-n", "code").values_list("code", flat=True).first()
    return top or ""


# ---- the command line -------------------------------------------------------------------------
def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="bulk tickets in each database (100,000)")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per filter (50)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite,postgresql (both)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help=f"created and dropped ({POSTGRES_URL})")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the child's mode
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures; 0 when every database measured meets the target, else 1."""
    ns = parse(argv)
    if ns.measure:
        print(json.dumps(measure(ns.requests)))
        return 0
    databases = [d.strip() for d in ns.databases.split(",") if d.strip()]
    print(section(f"the queue with {ns.tickets:,} tickets: p95 server time"))
    print(f"   each database fresh: migrate, `sladesk demo --tickets {ns.tickets}` (the demo plus bulk tickets),")
    print("   then the demo supervisor's queue page through django.test.Client: the whole Django request,")
    print(f"   no network; {WARMUP} warm-up and {ns.requests} timed requests per filter")
    sys.stdout.flush()
    checks = []
    for result in run_queue(ns.tickets, ns.requests, databases, ns.postgres_url):
        print("\n".join(result.report()))
        sys.stdout.flush()
        checks += result.checks()
    return 0 if checks and all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
