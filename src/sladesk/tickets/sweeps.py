"""What the worker does with tickets as time passes. Time lives in the database:
each sweep reads a stored instant through an index and claims rows with a
conditional update, so several workers can run and nothing fires twice or never."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from sladesk.policies.service import current_policy
from sladesk.tickets.actions import ActionError, do_close_ticket, do_record_breach
from sladesk.tickets.models import Status, Ticket, TicketMetric


def sweep_breaches(now: datetime | None = None, limit: int = 200) -> int:
    """Record each running deadline that has passed, once; returns how many metrics."""
    now = now or timezone.now()
    overdue = TicketMetric.objects.filter(state="running", due_at__lt=now, breach_notified_at__isnull=True)
    ticket_ids = dict.fromkeys(overdue.order_by("due_at").values_list("ticket_id", flat=True)[:limit])
    recorded = 0
    for ticket_id in ticket_ids:
        claimed = _claim(overdue.filter(ticket_id=ticket_id), now)
        if not claimed:  # another worker has them, or the deadlines moved
            continue
        try:
            do_record_breach(Ticket.objects.get(pk=ticket_id), claimed, now)
        except ActionError:  # the ticket left the open statuses meanwhile
            continue
        recorded += len(claimed)
    return recorded


def _claim(rows: QuerySet[TicketMetric], now: datetime) -> dict[str, datetime]:
    """Conditional updates: a row is ours only if we changed it (one row, still unclaimed)."""
    claimed = {}
    for pk, name, due_at in rows.values_list("pk", "name", "due_at"):
        won = TicketMetric.objects.filter(pk=pk, breach_notified_at__isnull=True, due_at=due_at)
        if due_at is not None and won.update(breach_notified_at=now) == 1:
            claimed[name] = due_at
    return claimed


def sweep_auto_close(now: datetime | None = None, limit: int = 200) -> int:
    """Resolved tickets close after the policy's close_after_days."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=current_policy().lifecycle.close_after_days)
    closed = 0
    for ticket in Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).order_by("resolved_at")[
        :limit
    ]:
        try:
            do_close_ticket(ticket, None, now)
        except ActionError:  # reopened or closed by someone else meanwhile
            continue
        closed += 1
    return closed
