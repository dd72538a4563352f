"""Recompute 100,000 open tickets after a holiday is added (``sladesk policy publish`` + ``sla recompute``).

A fresh SQLite database in a child process: migrate, then 100,000 open tickets received over
the last three business days (email, portal and phone, every priority; some started, some
waiting on the customer, some resumed after a wait, so anchors differ from receipts), written
with plain INSERTs (``ops.demo.bulk.Database``) with their metric rows as
``clocks.store_metrics`` writes them (``core.sla.evaluate`` of each timeline). Then a version
that adds a holiday on the next business day is published (the summary, the Gestores' emails)
and its calendars are applied to every open ticket: the wall time of the whole publication.

Baseline, in the same run: the per-ticket path (each ticket locked, its timeline replayed,
its metrics stored, its event written: what ``sla recompute`` falls back to) on a sample of
1,000 of those tickets, rolled back, extrapolated to 100,000. Afterwards 1,000 tickets are
checked against a whole evaluation of each (the recompute test's oracle).

``python -m bench.recompute [--tickets N]`` runs it alone.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bench.common import Check, child, environment

TICKETS = 100_000
SAMPLE = 1_000
TARGET_S = 5.0


@dataclass
class RecomputeResult:
    tickets: int
    fill_s: float = 0.0
    measured: dict[str, Any] = field(default_factory=dict)

    def checks(self) -> list[Check]:
        m = self.measured
        return [
            Check(
                f"publish + recompute {m['open']:,} open tickets on SQLite: {m['wall_s']:.2f} s",
                m["wall_s"], TARGET_S, " s", at_least=False,
            ),
            Check(f"recomputed deadlines equal a whole evaluation: {m['agree']}/{m['checked']} tickets",
                  m["agree"], m["checked"]),
        ]  # fmt: skip

    def report(self) -> list[str]:
        m = self.measured
        per_ticket = m["baseline_s"] / m["baseline_n"]
        lines = [
            f"  database filled in {self.fill_s:.0f} s: {m['open']:,} open tickets, {m['metrics']:,} open metrics",
            f"  holiday added: {m['holiday']} (the next business day); {m['moved']:,} deadlines of "
            f"{m['moved_tickets']:,} tickets moved, {m['one_by_one']} tickets evaluated whole",
            f"  sladesk policy publish + sla recompute    {m['wall_s']:8.2f} s   "
            f"(the recompute alone {m['recompute_s']:.2f} s)",
            f"  baseline: per-ticket evaluation           {per_ticket * 1000:8.2f} ms/ticket on {m['baseline_n']:,} "
            f"tickets -> {per_ticket * m['open']:.0f} s for {m['open']:,} "
            f"({per_ticket * m['open'] / m['wall_s']:.0f}x)",
        ]  # fmt: skip
        return lines + [c.line() for c in self.checks()]


def run_recompute(tickets: int = TICKETS) -> RecomputeResult:
    result = RecomputeResult(tickets)
    with tempfile.TemporaryDirectory(prefix="sladesk-bench-recompute-") as tmp:
        env = environment(tmp, None)
        t0 = time.perf_counter()
        child(env, "sladesk.cli", "migrate", "-v", "0")
        child(env, "bench.recompute", "--fill", "--tickets", str(tickets))
        result.fill_s = time.perf_counter() - t0
        result.measured = json.loads(child(env, "bench.recompute", "--measure"))
    return result


# ---- the children: inside Django ----------------------------------------------------------------
def _setup() -> None:
    import django

    django.setup()


def fill(n: int, seed: int = 20270301) -> None:
    """``n`` open tickets received over the last three business days, written in bulk."""
    _setup()
    from django.db import transaction
    from django.utils import timezone

    from sladesk.core.instants import US, to_us
    from sladesk.core.sla import Event, Timeline, evaluate
    from sladesk.ops.demo.bulk import EVENT_FIELDS, METRIC_FIELDS, TICKET_FIELDS, Database
    from sladesk.policies.service import current_version
    from sladesk.tickets.models import Ticket, TicketEvent, TicketMetric, new_code

    gestor, agent = _customer()
    version = current_version()
    policy = _policy_of(version)
    db = Database()
    rng = random.Random(seed)
    now = to_us(timezone.now())
    cal = policy.calendar("porto-alegre")
    lo = cal.add_us(now - 6 * 86_400 * US, 0)
    span = cal.business_us(lo, now)
    for start in range(0, n, 5000):
        tickets, events, metrics = [], [], []
        for number in range(start + 1, min(start + 5000, n) + 1):
            received = cal.add_us(lo, rng.randrange(1, max(span - 3600 * US, 2))) // US * US
            channel = rng.choices(("email", "portal", "phone"), (60, 25, 15))[0]
            priority = "P1" if channel == "phone" else rng.choice((None, None, "P2", "P3", "P1"))
            steps = _steps(rng, received, now)
            timeline = Timeline(received, channel, priority, tuple(Event(at, kind) for at, kind in steps), now)
            evaluation = evaluate(policy, timeline)
            running = [m.due for m in evaluation.metrics.values() if m.anchor is not None and m.due is not None]
            status = "waiting_on_customer" if steps and steps[-1][1] == "waiting_on_customer" else "new"
            tickets.append((
                number, new_code(), gestor.customer_id, gestor.pk, None, None, channel, db.instant(received),
                f"Chamado {number}", "", priority or "", "", "", "", "[]", status, "", agent, version.pk,
                db.maybe(min(running) if running else None), None, None, db.instant(now), db.instant(now), "{}",
            ))  # fmt: skip
            rows = [
                (db.instant(received), 1, "created", "", priority or ""),
                *((db.instant(at), i, kind, kind, "") for i, (at, kind) in enumerate(steps, 2)),
            ]
            events.append([(number, *r, None, None, "system", "{}", "{}", "{}", "{}") for r in rows])
            metrics.append([(number, *_metric(db, policy, m, now)) for m in evaluation.metrics.values()])
        with transaction.atomic():
            db.insert(Ticket, TICKET_FIELDS, tickets)
            ids = dict(Ticket.objects.filter(number__gt=start).values_list("number", "id"))
            rows = [(ids[e[0]], *e[1:]) for group in events for e in group]
            db.insert(TicketEvent, EVENT_FIELDS, rows)
            db.insert(TicketMetric, METRIC_FIELDS, [(ids[m[0]], *m[1:]) for group in metrics for m in group])


def _policy_of(version: Any) -> Any:
    from sladesk.policies.service import policy_of

    return policy_of(version)


def _customer() -> tuple[Any, int]:
    """The customer's Gestora, and the agent every ticket is assigned to."""
    from sladesk.directory.models import Contract, Customer, Person
    from sladesk.staff.actions import do_save_staff

    acme = Customer.objects.create(code="bench", name="Bench Lojas")
    Contract.objects.create(customer=acme, support_seats=1, starts_on=date(2020, 1, 1))
    gestor = Person.objects.create(customer=acme, name="Gestora", email="gestora@bench.example", role="gestor",
                                   support_seat=True)  # fmt: skip
    profile, _ = do_save_staff(email="ana@bench.example", name="Ana", role="agent")
    return gestor, profile.user.pk


def _steps(rng: random.Random, received: int, now: int) -> list[tuple[int, str]]:
    """A short, open history: started, waiting on the customer, resumed after a wait."""
    from sladesk.core.instants import US

    kind = rng.random()
    at = received + rng.randrange(60, 3 * 3600) * US
    if kind < 0.5 or at >= now:
        return []
    if kind < 0.7:
        return [(at, "handling_started")]
    back = at + rng.randrange(60, 6 * 3600) * US
    if kind < 0.85 or back >= now:
        return [(at, "waiting_on_customer")]
    return [(at, "waiting_on_customer"), (back, "customer_replied")]


def _metric(db: Any, policy: Any, m: Any, now: int) -> tuple[Any, ...]:
    """The row ``clocks.store_metrics`` writes (``ops.demo.bulk.Builder.metric``'s fields)."""
    from sladesk.core.instants import US
    from sladesk.core.warnings import warn_instant

    warn = None
    if m.anchor is not None and m.anchor_remaining_us is not None and m.calendar and m.due is not None:
        share = policy.notifications.warn_at_used
        warn = warn_instant(policy.calendar(m.calendar), m.anchor, m.anchor_remaining_us, m.target_us, share)
    return (
        m.name, m.state, m.priority or "", m.calendar or "", m.target_us // US, m.elapsed_us // US,
        None if m.remaining_us is None else m.remaining_us // US, db.maybe(m.due), db.maybe(m.breached_at),
        db.maybe(m.anchor), None if m.anchor_remaining_us is None else m.anchor_remaining_us // US,
        db.instant(now), db.maybe(now if m.breached_at is not None else None),  # the worker swept them
        db.maybe(warn), db.instant(now) if warn is not None and warn <= now else None,
    )  # fmt: skip


def next_business_day(today: date) -> date:
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def measure(sample: int = SAMPLE) -> dict[str, Any]:
    _setup()
    from django.db import transaction
    from django.utils import timezone

    from sladesk.core.policy import default_policy_text
    from sladesk.policies.actions import do_publish_policy
    from sladesk.policies.models import PolicyVersion
    from sladesk.policies.service import text_policy
    from sladesk.tickets import recompute
    from sladesk.tickets.models import OPEN_STATUSES, Ticket, TicketMetric

    now = timezone.now()
    holiday = next_business_day(timezone.localdate(now))
    anchor = '{ name = "Corpus Christi", easter_offset = 60 },'
    text = default_policy_text().replace('version = "2026.1"', 'version = "2026.2-bench"', 1)
    text = text.replace(anchor, f'{anchor}\n  {{ name = "Feriado (bench)", date = "{holiday.isoformat()}" }},', 1)
    open_ = Ticket.objects.filter(status__in=OPEN_STATUSES)
    ids = list(open_.order_by("?").values_list("id", flat=True)[:sample])

    # baseline: the per-ticket path on a sample, rolled back
    facts = text_policy(PolicyVersion(version="x", sha256="bench", text=text))
    with transaction.atomic():
        PolicyVersion.objects.create(version="bench-baseline", sha256="b" * 64, text=text, effective_at=now)
        PolicyVersion.objects.exclude(sha256="b" * 64).update(calendars_sha="b" * 64)
        t0 = time.perf_counter()
        for pk in ids:
            recompute._evaluate_one(pk, facts, ["porto-alegre"], now, write=True)
        baseline_s = time.perf_counter() - t0
        transaction.set_rollback(True)

    t0 = time.perf_counter()
    pub = do_publish_policy(text, "bench", now=now)
    result = recompute.recompute(now)
    wall_s = time.perf_counter() - t0
    assert pub.row is not None

    agree = sum(1 for pk in ids if _agrees(pk, now))
    return {
        "open": open_.count(), "metrics": TicketMetric.objects.filter(ticket__status__in=OPEN_STATUSES).count(),
        "holiday": holiday.isoformat(), "moved": len(result.moves), "moved_tickets": result.tickets,
        "one_by_one": len(result.one_by_one), "wall_s": wall_s, "recompute_s": result.seconds,
        "baseline_s": baseline_s, "baseline_n": len(ids), "agree": agree, "checked": len(ids),
    }  # fmt: skip


def _agrees(pk: int, now: datetime) -> bool:
    from sladesk.core.instants import from_us
    from sladesk.tickets import clocks
    from sladesk.tickets.models import Ticket

    t = Ticket.objects.select_related("policy_version").get(pk=pk)
    policy = clocks.policy_for(t)
    stored = {m.name: (m.due_at, m.warn_at if m.anchor_at else None) for m in t.metrics.all()}
    whole = {
        name: (None if m.due is None else from_us(m.due), clocks.warn_at(policy, m) if m.anchor is not None else None)
        for name, m in clocks.evaluate_ticket(t, now).metrics.items()
    }
    return stored == whole


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.recompute")
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--fill", action="store_true", help="(child) fill the database of the environment")
    parser.add_argument("--measure", action="store_true", help="(child) publish, recompute, print JSON")
    ns = parser.parse_args(argv)
    if ns.fill:
        fill(ns.tickets)
        return 0
    if ns.measure:
        print(json.dumps(measure()))
        return 0
    result = run_recompute(ns.tickets)
    print("\n".join(result.report()))
    return 0 if all(c.passed for c in result.checks()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
