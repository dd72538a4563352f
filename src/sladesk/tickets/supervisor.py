"""What the supervisor's view shows, read from the stored SLA state.

Each figure is what ``sladesk tickets show N --json`` says of the ticket at the same instant
(a test checks it ticket by ticket): a metric stored ``running`` whose deadline has passed is
breached as of now (the engine says so at once; the worker records it within seconds).

- at risk: running metrics due from now to ``hours`` ahead, nearest first (the
  ``(state, due_at)`` index);
- breaches today: the ``sla_breached`` events recorded since midnight in America/Sao_Paulo;
- this month: the metrics of the tickets received since the first of the month (America/
  Sao_Paulo), counted per metric, priority and state as of now: met, breached, running, paused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, F, Value, When
from django.utils import timezone

from sladesk.core.policy import Policy
from sladesk.core.sla import BREACHED, MET, PAUSED, RUNNING
from sladesk.policies.service import current_policy
from sladesk.tickets.models import TicketEvent, TicketMetric
from sladesk.tickets.presenters import Badge, MetricView, badge, metric_label, policy_label

DEFAULT_HOURS = 4
MAX_HOURS = 72
AT_RISK_SHOWN = 200  # rows of the at-risk table (the count is exact)
COUNTED = (MET, BREACHED, RUNNING, PAUSED)


def hours_param(text: str | None) -> int:
    """The ``hours`` of the page's address: 1 to 72 ASCII digits' worth, else the default."""
    if text and text.isascii() and text.isdigit() and len(text) <= 3 and 1 <= int(text) <= MAX_HOURS:
        return int(text)
    return DEFAULT_HOURS


@dataclass(frozen=True)
class RiskRow:
    metric: TicketMetric
    label: str
    badge: Badge


@dataclass(frozen=True)
class BreachRow:
    event: TicketEvent
    metrics: list[str]  # codes, sorted (as ``tickets show --json`` lists them)
    labels: list[str]


@dataclass
class Compliance:
    """One metric under one priority this month."""

    metric: str
    label: str
    priority: str
    priority_label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))

    @property
    def decided(self) -> int:
        return self.counts[MET] + self.counts[BREACHED]

    @property
    def percent(self) -> int | None:
        """The share met of the metrics decided so far (None before any is)."""
        return round(100 * self.counts[MET] / self.decided) if self.decided else None


@dataclass(frozen=True)
class Board:
    now: datetime
    hours: int
    at_risk: list[RiskRow]
    at_risk_count: int
    breaches: list[BreachRow]
    breached_metrics_today: int
    compliance: list[Compliance]
    day_start: datetime
    month_start: datetime


def build(now: datetime, hours: int = DEFAULT_HOURS) -> Board:
    policy = current_policy()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    risky, risky_count = at_risk(now, hours, policy)
    breaches = breaches_since(day_start, now, policy)
    return Board(
        now=now, hours=hours, at_risk=risky, at_risk_count=risky_count, breaches=breaches,
        breached_metrics_today=sum(len(b.metrics) for b in breaches), compliance=compliance(month_start, now, policy),
        day_start=day_start, month_start=month_start,
    )  # fmt: skip


def at_risk(now: datetime, hours: int, policy: Policy) -> tuple[list[RiskRow], int]:
    """Running metrics due within ``hours`` (not yet past: those are breached), nearest first."""
    qs = TicketMetric.objects.filter(state=RUNNING, due_at__gte=now, due_at__lte=now + timedelta(hours=hours))
    rows = qs.select_related("ticket__customer", "ticket__assignee").order_by("due_at", "ticket__number")
    shown = [RiskRow(m, metric_label(m.name, policy), badge(MetricView.from_row(m), policy, now))
             for m in rows[:AT_RISK_SHOWN]]  # fmt: skip
    return shown, len(shown) if len(shown) < AT_RISK_SHOWN else qs.count()


def breaches_since(start: datetime, now: datetime, policy: Policy) -> list[BreachRow]:
    """The breaches recorded from ``start`` to ``now``, latest first."""
    events = TicketEvent.objects.filter(action="sla_breached", at__gte=start, at__lte=now)
    rows = []
    for e in events.select_related("ticket__customer").order_by("-at", "-id"):
        names = sorted((e.after or {}).get("breached", {}))
        rows.append(BreachRow(e, names, [metric_label(n, policy) for n in names]))
    return rows


def compliance(month_start: datetime, now: datetime, policy: Policy) -> list[Compliance]:
    """Per metric and priority, the metrics of this month's tickets by their state as of now."""
    effective = Case(
        When(state=RUNNING, due_at__lt=now, then=Value(BREACHED)), default=F("state"), output_field=CharField()
    )
    counted = (
        TicketMetric.objects.filter(ticket__received_at__gte=month_start, ticket__received_at__lte=now)
        .annotate(effective=effective)
        .filter(effective__in=COUNTED)
        .values("name", "priority", "effective")
        .annotate(n=Count("id"))
    )
    table: dict[tuple[str, str], Compliance] = {}
    for row in counted:
        key = (row["name"], row["priority"])
        if key not in table:
            table[key] = Compliance(row["name"], metric_label(row["name"], policy), row["priority"],
                                    _priority_label(row["priority"], policy))  # fmt: skip
        table[key].counts[row["effective"]] = row["n"]
    return sorted(table.values(), key=lambda c: _order(c, policy))


def _priority_label(code: str, policy: Policy) -> str:
    item = policy.priorities.get(code)
    return policy_label(item) if item is not None else code


def _order(c: Compliance, policy: Policy) -> tuple[Any, ...]:
    metrics, priorities = list(policy.metrics), list(policy.priorities)
    return (
        metrics.index(c.metric) if c.metric in metrics else len(metrics), c.metric,
        priorities.index(c.priority) if c.priority in priorities else len(priorities), c.priority,
    )  # fmt: skip
