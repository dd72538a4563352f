"""Reading notifications: as ``sladesk notifications list --json`` prints them, and what an
agent sees of their own on the desk."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sladesk.notifications.models import Notification


def status_of(n: Notification) -> str:
    """held (waiting for its time), dropped (a warning whose risk was gone when it was due),
    queued, sent, or failed (the outbox gave up)."""
    if n.queued_at is None:
        return "held"
    if n.outbox is None:
        return "dropped"
    if n.outbox.sent_at is not None:
        return "sent"
    return "failed" if n.outbox.failed_at is not None else "queued"


def listing(ticket_number: int | None = None) -> QuerySet[Notification]:
    rows = Notification.objects.select_related("ticket", "outbox").order_by("created_at", "id")
    if ticket_number is not None:
        rows = rows.filter(ticket__number=ticket_number)
    return rows


def as_json(n: Notification) -> dict[str, Any]:
    """The contract of ``notifications list --json`` (keys kept; more may be added)."""
    sent = n.outbox.sent_at if n.outbox is not None else None
    return {
        "ticket": n.ticket.number,
        "metric": n.metric,
        "kind": n.kind,
        "to": n.to,
        "channel": n.channel,
        "due_at": n.due_at.isoformat(),
        "created_at": n.created_at.isoformat(),
        "sent_at": None if sent is None else sent.isoformat(),
        "priority": n.priority,
        "reasons": [r for r in n.reasons.split(",") if r],
        "deliver_after": n.deliver_after.isoformat(),
        "status": status_of(n),
    }


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
