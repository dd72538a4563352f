"""Who was told of a deadline, how and when: one row per recipient of each warning or
breach, written in the transaction that records the crossing (so exactly once), and the
supervisors' webhooks."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Webhook(models.Model):
    """A URL that receives every SLA notification as JSON with a Slack-compatible ``text``."""

    name = models.CharField(_("nome"), max_length=100)
    url = models.URLField(_("URL"), max_length=300, validators=[URLValidator(schemes=["http", "https"])])
    warnings = models.BooleanField(_("avisos"), default=True)
    breaches = models.BooleanField(_("estouros"), default=True)
    active = models.BooleanField(_("ativo"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def takes(self, kind: str) -> bool:
        return self.active and (self.warnings if kind == Notification.Kind.WARNING else self.breaches)


class Notification(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning", _("Aviso")
        BREACH = "breach", _("Estouro")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class Reason(models.TextChoices):
        ASSIGNEE = "assignee", _("responsável")
        AGENT = "agent", _("agente que pode atender")
        SUPERVISOR = "supervisor", _("supervisor")
        ON_CALL = "on_call", _("plantão")
        WEBHOOK = "webhook", _("webhook")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="notifications")
    metric = models.CharField(max_length=32)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    priority = models.CharField(max_length=8, blank=True)
    due_at = models.DateTimeField()  # the deadline this is about
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=320)  # an email address (lower-case) or the webhook's URL
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    webhook = models.ForeignKey(Webhook, on_delete=models.SET_NULL, null=True, blank=True)
    reasons = models.CharField(max_length=100)  # comma-separated Reason codes
    created_at = models.DateTimeField()  # when the crossing was recorded
    # Held until then: urgent priorities go at once, the others at their calendar's opening.
    deliver_after = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)  # put in the outbox (alone or in a digest)
    outbox = models.ForeignKey("outbound.OutboxMessage", on_delete=models.SET_NULL, null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # seen on the desk by its recipient

    class Meta:
        verbose_name = _("notificação")
        verbose_name_plural = _("notificações")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric", "kind", "due_at", "channel", "to"], name="notification_once"
            )
        ]
        indexes = [
            models.Index(fields=["queued_at", "deliver_after"], name="notification_due"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.metric} #{self.ticket_id} -> {self.to}"


class WebhookEvent(models.Model):
    """Append-only: who added, changed or removed a webhook, and what it was."""

    webhook = models.ForeignKey(Webhook, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    action = models.CharField(max_length=16)  # added, changed, removed
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField(max_length=320)
    at = models.DateTimeField()
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.details.get('name', '')} by {self.actor_label}"
