"""Every email the desk received, with its raw bytes (kept under the data directory), its
outcome and what happened to it since (release, discard)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("Chamado aberto")
    TICKET_UPDATED = "ticket_updated", _("Chamado atualizado")
    DUPLICATE = "duplicate", _("Duplicada")
    REJECTED = "rejected", _("Recusada")
    QUARANTINED = "quarantined", _("Em quarentena")
    IGNORED = "ignored", _("Ignorada")


class Review(models.TextChoices):
    """What an agent did with mail that did not become a ticket."""

    NONE = "", _("—")
    OPEN = "open", _("A revisar")
    RELEASED = "released", _("Liberada")
    DISCARDED = "discarded", _("Descartada")


class InboundMail(models.Model):
    received_at = models.DateTimeField(_("recebida em"), db_index=True)  # ours, never the Date header
    source = models.CharField(max_length=8)  # smtp | imap | pipe
    # The listener's spool item or the IMAP message it came from: processed at most once.
    source_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    # The bytes as received: in the row (written in the transaction that records the outcome), or,
    # for a message over process.RAW_IN_ROW bytes, in a file under SLADESK_DATA_DIR/mail/ (raw_path).
    raw = models.BinaryField(null=True, blank=True)
    raw_path = models.CharField(max_length=200, blank=True)
    raw_sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    # message_id, or the digest without trace headers: unique among the mail that counted, so two
    # copies arriving at once (a relay's retry, IMAP beside SMTP) make one ticket, never two.
    dedupe_key = models.CharField(max_length=998, unique=True, null=True, blank=True)
    from_address = models.CharField(_("de"), max_length=320, blank=True)
    subject = models.CharField(_("assunto"), max_length=300, blank=True)
    outcome = models.CharField(_("desfecho"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("motivo"), max_length=32, blank=True)
    detail = models.TextField(blank=True)  # the why, in words, for agents
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="mails")
    auto_reply = models.BooleanField(default=False)  # an automatic email to the sender was scheduled
    review = models.CharField(max_length=12, choices=Review.choices, blank=True, default="")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail recebido")
        verbose_name_plural = _("e-mails recebidos")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["review", "received_at"], name="mail_review")]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.from_address}: {self.subject}"

    def raw_bytes(self) -> bytes:
        """The email exactly as received, from its row or its file (OSError when the file is gone)."""
        if self.raw is not None:
            return bytes(self.raw)
        from sladesk.intake.store import read_raw

        return read_raw(self.raw_path)


class MailEvent(models.Model):
    """Append-only: what happened to a received email after its first outcome."""

    mail = models.ForeignKey(InboundMail, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    action = models.CharField(max_length=32)  # processed | released | discarded (codes)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField(max_length=320, blank=True)
    outcome = models.CharField(max_length=16, blank=True)
    reason = models.CharField(max_length=32, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.mail_id} {self.action}"
