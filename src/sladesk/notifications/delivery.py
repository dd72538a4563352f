"""Notifications leave through the outbox: what is due is grouped per recipient and
channel, so a person gets one email (a digest when several are due at once, as after a
night's hold) and a webhook one JSON post; each group is claimed and put in the outbox in
one transaction (SKIP LOCKED on PostgreSQL, SQLite's IMMEDIATE transaction serialises),
so several workers never send one twice.

A held warning whose metric no longer runs toward the same deadline (answered, paused,
moved) is dropped, not sent: the agent would be told of a risk that is gone. A breach is a
fact and always goes out.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sladesk.core.sla import RUNNING
from sladesk.notifications.models import Notification
from sladesk.outbound.actions import schedule_email, schedule_webhook
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets.clocks import policy_for
from sladesk.tickets.models import TicketMetric
from sladesk.tickets.presenters import metric_label

logger = logging.getLogger(__name__)
DIGEST_MAX = 100  # notifications in one email at most (a mass outage makes several digests)


def dispatch_due(now: datetime | None = None, limit: int = 500) -> int:
    """Put what is due in the outbox; returns how many notifications went (dropped ones
    not counted). A group that fails is logged and left for the next sweep."""
    now = now or timezone.now()
    due = Notification.objects.filter(queued_at__isnull=True, deliver_after__lte=now).order_by("deliver_after", "id")
    groups = dict.fromkeys(due.values_list("channel", "to")[:limit])
    sent = 0
    for channel, to in groups:
        try:
            sent += _dispatch(channel, to, now)
        except Exception:  # one bad group never stops the sweep
            logger.exception("notifications to %s (%s) could not be queued; the next sweep tries again", to, channel)
    return sent


def _dispatch(channel: str, to: str, now: datetime) -> int:
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(channel=channel, to=to, queued_at__isnull=True, deliver_after__lte=now)
            .select_related("ticket", "ticket__customer", "ticket__policy_version")
            .order_by("created_at", "id")[:DIGEST_MAX]
        )
        if not rows:  # another worker took them a moment ago
            return 0
        stale = _stale(rows)
        if stale:
            Notification.objects.filter(pk__in=stale).update(queued_at=now)
        rows = [r for r in rows if r.pk not in stale]
        if not rows:
            return 0
        with translation.override(settings.LANGUAGE_CODE):
            outbox = _compose(channel, to, rows)
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(queued_at=now, outbox=outbox)
        return len(rows)


def _stale(rows: list[Notification]) -> set[int]:
    """The warnings whose metric no longer runs toward the deadline they warn of."""
    warnings = [r for r in rows if r.kind == Notification.Kind.WARNING]
    if not warnings:
        return set()
    running = set(
        TicketMetric.objects.filter(ticket_id__in={r.ticket_id for r in warnings}, state=RUNNING).values_list(
            "ticket_id", "name", "due_at"
        )
    )
    return {r.pk for r in warnings if (r.ticket_id, r.metric, r.due_at) not in running}


def _compose(channel: str, to: str, rows: list[Notification]) -> OutboxMessage:
    subject = _subject(rows)
    lines = [_line(r) for r in rows]
    if channel == Notification.Channel.WEBHOOK:
        payload = {"text": "\n".join([subject, *lines]), "notifications": [_json(r) for r in rows]}
        return schedule_webhook(to, subject, json.dumps(payload, ensure_ascii=False), template="sla_notification")
    body = "\n\n".join([_greeting(rows), *lines, _("Mensagem automática do sladesk.")])
    ticket = rows[0].ticket if len({r.ticket_id for r in rows}) == 1 else None
    return schedule_email(to, subject, body, "sla_notification", ticket, automatic=True)


def _subject(rows: list[Notification]) -> str:
    if len(rows) == 1:
        r = rows[0]
        what = _("SLA estourado") if r.kind == Notification.Kind.BREACH else _("Aviso de SLA")
        return f"[#{r.ticket.number}] {what}: {_metric(r)} ({r.priority}) {_when(r)}"
    warnings = sum(r.kind == Notification.Kind.WARNING for r in rows)
    breaches = len(rows) - warnings
    parts = []
    if breaches:
        parts.append(ngettext("%(n)d estouro", "%(n)d estouros", breaches) % {"n": breaches})
    if warnings:
        parts.append(ngettext("%(n)d aviso", "%(n)d avisos", warnings) % {"n": warnings})
    return _("Resumo de SLA: %(parts)s") % {"parts": ", ".join(parts)}


def _greeting(rows: list[Notification]) -> str:
    if len(rows) == 1:
        return _("Um prazo de SLA precisa de atenção:")
    return _("Estes prazos de SLA precisam de atenção (retidos fora do expediente e entregues juntos):")


def _line(r: Notification) -> str:
    kind = _("ESTOURADO") if r.kind == Notification.Kind.BREACH else _("AVISO")
    url = settings.PUBLIC_URL + reverse("tickets:detail", args=[r.ticket.code])
    return (
        f"{kind} · #{r.ticket.number} {r.ticket.subject}\n"
        f"  {r.ticket.customer.name} · {r.priority} · {_metric(r)} {_when(r)}\n"
        f"  {url}"
    )


def _metric(r: Notification) -> str:
    return metric_label(r.metric, policy_for(r.ticket))


def _when(r: Notification) -> str:
    local = r.due_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    stamp = local.strftime("%d/%m/%Y %H:%M")
    if r.kind == Notification.Kind.BREACH:
        return _("venceu em %(at)s") % {"at": stamp}
    return _("vence em %(at)s") % {"at": stamp}


def _json(r: Notification) -> dict[str, object]:
    return {
        "ticket": r.ticket.number,
        "subject": r.ticket.subject,
        "customer": r.ticket.customer.name,
        "metric": r.metric,
        "kind": r.kind,
        "priority": r.priority,
        "due_at": r.due_at.isoformat(),
        "url": settings.PUBLIC_URL + reverse("tickets:detail", args=[r.ticket.code]),
    }
