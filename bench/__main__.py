"""``python -m bench`` (``make bench``): every benchmark once, figures against targets.

Exits 1 when a target is missed, so a slower sladesk does not pass unnoticed.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from bench.actions import run_actions
from bench.bulk import run_bulk
from bench.common import Check, section
from bench.deadlines import run_deadlines, run_elapsed
from bench.directory_import import run_import
from bench.directory_pages import run_pages
from bench.ingest import run_ingest
from bench.queue import run_queue
from bench.recompute import run_recompute
from bench.replay import run_replay
from bench.search import ABOUT as SEARCH_ABOUT
from bench.search import run_search
from bench.triage import run_triage


def show(checks: list[Check], result: Any) -> None:
    """Print one benchmark's report and keep its checks for the summary."""
    checks += result.checks()
    print("\n".join(result.report()))
    sys.stdout.flush()


def run(checks: list[Check], title: str, runner: Callable[[], Any], about: list[str]) -> None:
    print(section(title))
    for line in about:
        print(f"   {line}")
    sys.stdout.flush()
    show(checks, runner())


def main() -> int:
    t0 = time.perf_counter()
    print(
        f"sladesk benchmarks: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"numpy {version('numpy')}, pandas {version('pandas')}, django-bizcal {version('django-bizcal')}, "
        f"holidays {version('holidays')}"
    )
    print("calendar: porto-alegre of the default policy (Mon-Fri 09:00-18:00 America/Sao_Paulo, BR + RS holidays,")
    print("          Feb 2 and Corpus Christi); best of N runs with time.perf_counter")
    checks: list[Check] = []

    run(checks, "1. deadlines: aware datetime + business time -> aware datetime", run_deadlines, [
        "3,000 random instants in 2026-2027 (UTC), 1 to 36 business hours (pandas counts whole hours);",
        "sladesk's time includes to_us/from_us and the timedelta -> µs conversion",
    ])  # fmt: skip
    run(checks, "2. elapsed business time between two instants", run_elapsed, [
        "3,000 random pairs in 2026-2027, up to 10 days apart; timedelta out",
    ])  # fmt: skip
    run(checks, "3. bulk: recompute 1,000,000 open deadlines after a holiday is added", run_bulk, [
        "the default policy plus a one-date holiday, parsed and built; then add_many(anchors, remaining)",
    ])  # fmt: skip
    run(checks, "4. sladesk sla replay --batch, end to end", lambda: run_replay(cached=True), [
        "50,000 JSON Lines timelines (email/portal/phone, P1-P3 or none, 0-6 events) through the real",
        "console script (.venv/bin/sladesk), output to /dev/null, wall clock, best of 5",
    ])  # fmt: skip
    print(section("5. the agent queue with 100,000 tickets: p95 server time"))
    print("   each database fresh: migrate, `sladesk demo --tickets 100000`, then the demo supervisor's queue")
    print("   page through django.test.Client (the whole Django request, no network); four filters")
    sys.stdout.flush()
    for result in run_queue():
        show(checks, result)
    print(section("6. web actions with 8 concurrent clients: actions/s and one action's p95"))
    print("   each database fresh: migrate, the example directory, 8 agents, 40 tickets; then `sladesk up --no-demo`")
    print("   (gunicorn and the worker) and 8 threads, each its own session logged in through the form, posting")
    print("   notes and replies through the ticket page (1 in 4 on one shared ticket) and loading the page after;")
    print("   one client alone for 5 s, then all 8 for 15 s; latency = the POST until its 302")
    sys.stdout.flush()
    for result in run_actions():
        show(checks, result)
    print(section("7. email ingestion: 10,000 emails through process_stream, beside django-helpdesk"))
    print("   the same .eml files (bench/mail_corpus.py: requests, replies in the thread, HTML, attachments,")
    print("   refused senders, out-of-office, a relay's duplicates); django-helpdesk's get_email on a local-folder")
    print("   queue, its own settings and SQLite file; sladesk: the directory imported, then process_stream over")
    print("   every email in batches of 50 as the SMTP listener drains its spool (the coming batches parsed and")
    print("   triaged by its reading-ahead helper process), for at most 120 s on each database")
    sys.stdout.flush()
    for result in run_ingest():
        show(checks, result)
    run(checks, "8. triage of a new request: the hand-labelled corpus (tests/intake/corpus)", run_triage, [
        "scope, outages caught as P1 with false P1 per 30 requests, completeness of the required items",
    ])  # fmt: skip
    run(checks, "9. sladesk directory import: 100,000 people in 50 stores of one customer", run_import, [
        "a fresh database each (SQLite, PostgreSQL), the import as a process; wall time, CPU time, peak memory",
    ])  # fmt: skip
    print(section("10. the directory pages with a customer of 100,000 people: p95 server time"))
    print("   each database fresh: migrate, `sladesk directory import` of 100,000 people in 50 stores and, as the")
    print("   baseline of the same run, a customer of 1,000; each page through django.test.Client beside its baseline")
    sys.stdout.flush()
    for result in run_pages():
        show(checks, result)

    run(checks, "11. recompute 100,000 open tickets after a holiday is added (SQLite)", run_recompute, [
        "a fresh database with 100,000 open tickets received over the last three business days; then",
        "sladesk policy publish of a version adding the next business day as a holiday, with its sla recompute",
        "(wall time); baseline: the per-ticket evaluation on 1,000 of them, extrapolated",
    ])  # fmt: skip

    print(section("12. search with 100,000 tickets: p95 server time"))
    for line in SEARCH_ABOUT:
        print(f"   {line}")
    sys.stdout.flush()
    for result in run_search():
        show(checks, result)

    missed = [c for c in checks if not c.passed]
    print(section("summary"))
    print(f"  {len(checks) - len(missed)}/{len(checks)} targets met in {time.perf_counter() - t0:.0f} s")
    for c in missed:
        print(f"  MISS: {c.text}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
