"""Scheduling and delivering outbox messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from sladesk.outbound.models import OutboxMessage

if TYPE_CHECKING:
    from sladesk.tickets.models import Ticket

MAX_ATTEMPTS = 8


def schedule_email(to: str, subject: str, body: str, template: str, ticket: Ticket | None = None) -> OutboxMessage:
    """Called inside an action's transaction: the row commits (or not) with the change."""
    return OutboxMessage.objects.create(
        to=to, subject=subject, body=body, template=template, ticket=ticket, send_after=timezone.now()
    )


def deliver_due(now: datetime | None = None, limit: int = 50) -> int:
    """Send what is due; each row is claimed so two workers never send it twice."""
    now = now or timezone.now()
    sent = 0
    ids = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, send_after__lte=now, attempts__lt=MAX_ATTEMPTS)
        .order_by("send_after")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        sent += _deliver_one(pk, now)
    return sent


def _deliver_one(pk: int, now: datetime) -> int:
    with transaction.atomic():
        row = OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=pk, sent_at__isnull=True).first()
        if row is None:
            return 0
        try:
            send_mail(row.subject, row.body, None, [row.to])
        except Exception as exc:  # any delivery failure is retried later, with backoff
            row.attempts += 1
            row.last_error = str(exc)[:2000]
            row.send_after = now + timedelta(minutes=2**row.attempts)
            row.save(update_fields=["attempts", "last_error", "send_after"])
            return 0
        row.sent_at = now
        row.attempts += 1
        row.save(update_fields=["sent_at", "attempts"])
        return 1
