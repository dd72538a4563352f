"""Every change to notifications: one transaction each, an audit record for webhooks."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sladesk.notifications.models import Notification, Webhook, WebhookEvent
from sladesk.staff.access import profile_of


class WebhookError(ValueError):
    """A webhook that cannot be saved; the message says why."""


def do_read_notifications(user: User, now: datetime | None = None) -> int:
    """Mark the user's unread notifications read; returns how many."""
    with transaction.atomic():
        return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now or timezone.now())


def _supervisor(actor: User) -> None:
    if not profile_of(actor).leads:
        raise PermissionDenied("only supervisors manage webhooks")


def _snapshot(hook: Webhook) -> dict[str, object]:
    return {"name": hook.name, "url": hook.url, "warnings": hook.warnings, "breaches": hook.breaches,
            "active": hook.active}  # fmt: skip


def do_save_webhook(
    actor: User, *, name: str, url: str, warnings: bool = True, breaches: bool = True, active: bool = True,
    webhook: Webhook | None = None, now: datetime | None = None,
) -> Webhook:  # fmt: skip
    """Add a webhook (or change ``webhook``): validated, saved and recorded in one transaction."""
    _supervisor(actor)
    hook = webhook or Webhook(created_by=actor)
    hook.name, hook.url = name.strip(), url.strip()
    hook.warnings, hook.breaches, hook.active = warnings, breaches, active
    try:
        hook.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        raise WebhookError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
    if not (hook.warnings or hook.breaches):
        raise WebhookError("a webhook takes warnings, breaches or both")
    with transaction.atomic():
        action = "changed" if hook.pk else "added"
        hook.save()
        WebhookEvent.objects.create(webhook=hook, action=action, actor=actor, actor_label=actor.email,
                                    at=now or timezone.now(), details=_snapshot(hook))  # fmt: skip
    return hook


def do_remove_webhook(actor: User, webhook: Webhook, now: datetime | None = None) -> None:
    _supervisor(actor)
    with transaction.atomic():
        WebhookEvent.objects.create(webhook=None, action="removed", actor=actor, actor_label=actor.email,
                                    at=now or timezone.now(), details=_snapshot(webhook))  # fmt: skip
        webhook.delete()
