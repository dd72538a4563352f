"""Scheduling and delivering outbox messages.

Delivery never holds a transaction across the network: a row is claimed (its
``send_after`` pushed past a lease, its attempt counted) and committed, then sent,
then its outcome recorded. Two workers never take the same row; a worker that dies
mid-send leaves the row to be taken again when the lease runs out (at least once).
After the last attempt the row is marked failed (``failed_at``): its ticket's page and the
admin show it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sladesk.outbound.headers import one_line
from sladesk.outbound.models import OutboxMessage

if TYPE_CHECKING:
    from sladesk.tickets.models import Ticket

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)  # longer than any SMTP conversation takes


def schedule_email(to: str, subject: str, body: str, template: str, ticket: Ticket | None = None) -> OutboxMessage:
    """Called inside an action's transaction: the row commits (or not) with the change."""
    return OutboxMessage.objects.create(
        to=one_line(to), subject=one_line(subject)[:300], body=body, template=template, ticket=ticket,
        send_after=timezone.now(),
    )  # fmt: skip


def deliver_due(now: datetime | None = None, limit: int = 50) -> int:
    """Send what is due: claim, commit, send, record. Returns how many were sent."""
    now = now or timezone.now()
    return sum(_deliver_one(pk, now) for pk in _claim(now, limit))


def _claim(now: datetime, limit: int) -> list[int]:
    """Take up to ``limit`` due rows in one short transaction (SKIP LOCKED on PostgreSQL;
    SQLite's IMMEDIATE transaction serialises claimers). A claimed row is not due again
    until its lease runs out."""
    with transaction.atomic():
        due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now
        )
        ids = list(due.order_by("send_after").values_list("pk", flat=True)[:limit])
        OutboxMessage.objects.filter(pk__in=ids).update(send_after=now + LEASE, attempts=F("attempts") + 1)
    return ids


def _deliver_one(pk: int, now: datetime) -> int:
    row = OutboxMessage.objects.get(pk=pk)
    try:
        send_mail(row.subject, row.body, None, [row.to])  # no transaction is open here
    except Exception as exc:  # any delivery failure is retried later, with backoff
        _failed(row, exc, now)
        return 0
    OutboxMessage.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
    return 1


def _failed(row: OutboxMessage, exc: Exception, now: datetime) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts < MAX_ATTEMPTS:
        retry = now + timedelta(minutes=2**row.attempts)
        OutboxMessage.objects.filter(pk=row.pk).update(last_error=error, send_after=retry)
        return
    # Failed for good: shown on its ticket's page and in the admin (``failed_at``), and logged.
    logger.error("email %s to %s failed for good after %s attempts: %s", row.pk, row.to, row.attempts, error)
    OutboxMessage.objects.filter(pk=row.pk).update(last_error=error, failed_at=now)
