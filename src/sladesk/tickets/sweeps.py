"""What the worker does with tickets as time passes. Time lives in the database:
each sweep reads a stored instant through an index and claims rows with a
conditional update, so several workers can run and nothing fires twice or never."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.utils import timezone

from sladesk.core.sla import BREACHED, RUNNING
from sladesk.policies.service import current_policy
from sladesk.tickets.actions import ActionError, do_close_ticket, do_record_deadlines
from sladesk.tickets.models import Status, Ticket, TicketMetric

logger = logging.getLogger(__name__)
SWEPT = (RUNNING, BREACHED)


def sweep_breaches(now: datetime | None = None, limit: int = 200) -> int:
    """Record each deadline that has passed, once (and each warning due); returns how many
    breaches were recorded. See ``sweep_deadlines``."""
    return sweep_deadlines(now, limit)[0]


def sweep_deadlines(now: datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Record each deadline that has passed and each warning that is due, once; returns
    how many breaches and warnings were recorded.

    A metric is due for a breach record when it is stored running (or already breached)
    with a deadline in the past and no record yet: one range of the ``(state, due_at)``
    index; for a warning, running with ``warn_at`` in the past and no record: one range of
    ``(state, warn_at)``. Each ticket is claimed and recorded in one transaction
    (``do_record_deadlines``, which also writes who is to be told), so a worker killed at
    any moment leaves it for the next sweep; a failing ticket is logged and skipped."""
    now = now or timezone.now()
    due = TicketMetric.objects.filter(state__in=SWEPT, due_at__lt=now, breach_notified_at__isnull=True)
    warn = TicketMetric.objects.filter(state=RUNNING, warn_at__lte=now, warning_notified_at__isnull=True)
    ticket_ids = list(
        dict.fromkeys([
            *due.order_by("due_at").values_list("ticket_id", flat=True)[:limit],
            *warn.order_by("warn_at").values_list("ticket_id", flat=True)[:limit],
        ])
    )  # fmt: skip
    # Workers at once take the batch in different orders, so they seldom queue behind one
    # another for the same ticket (on SQLite, which has no SKIP LOCKED, they would).
    random.shuffle(ticket_ids)
    breaches = warnings = 0
    for ticket_id in ticket_ids:
        try:
            crossed = do_record_deadlines(ticket_id, now)
        except Exception:  # one bad ticket never stops the sweep
            logger.exception("ticket id %s: recording its deadlines failed; the sweep goes on", ticket_id)
            continue
        breaches += len(crossed.breaches)
        warnings += len(crossed.warnings)
    return breaches, warnings


def sweep_auto_close(now: datetime | None = None, limit: int = 200) -> int:
    """Resolved tickets close after the policy's close_after_days."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=current_policy().lifecycle.close_after_days)
    due = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).order_by("resolved_at")
    closed = 0
    for ticket in due[:limit]:
        try:
            do_close_ticket(ticket, None, now, resolved_before=cutoff)
        except ActionError:  # reopened or closed by someone else meanwhile
            continue
        except Exception:  # one bad ticket never stops the sweep
            logger.exception("ticket #%s: closing it failed; the sweep goes on", ticket.number)
            continue
        closed += 1
    return closed
