"""The outbox: side effects (emails, alerts) written in the same transaction as the
change that causes them, delivered by the worker after commit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")  # ``to`` is the URL, ``body`` the JSON posted

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.EMAIL)
    to = models.CharField(_("para"), max_length=320)  # lower-case
    subject = models.CharField(_("assunto"), max_length=300)
    body = models.TextField(_("corpo"))
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True)
    template = models.CharField(max_length=64, blank=True)  # a code, never a translated label
    created_at = models.DateTimeField(auto_now_add=True)
    send_after = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Threading (RFC 5322): our Message-ID, and the conversation this email answers.
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)  # Message-IDs, space-separated, oldest first
    automatic = models.BooleanField(default=False)  # sent with Auto-Submitted: auto-replied (RFC 3834)
    # Set after the last attempt failed (or a bounce came back): the ticket's page shows it.
    failed_at = models.DateTimeField(_("falhou em"), null=True, blank=True)

    class Meta:
        verbose_name = _("mensagem de saída")
        verbose_name_plural = _("caixa de saída")
        indexes = [
            models.Index(fields=["sent_at", "send_after"], name="outbox_due"),
            # How many automatic replies an address had in the last hour (intake.replies): one range.
            models.Index(fields=["to", "created_at"], name="outbox_to_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"

    @property
    def state(self) -> str:
        """sent, failed (for good), retrying (an attempt failed) or queued."""
        if self.sent_at is not None:
            return "sent"
        if self.failed_at is not None:
            return "failed"
        return "retrying" if self.last_error else "queued"
