"""Tickets, their messages, their append-only event log and their SLA clocks."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sladesk.directory.models import Customer, Person, Store
from sladesk.policies.models import PolicyVersion


def new_code() -> str:
    """The opaque code used in URLs (never the sequential number)."""
    return secrets.token_urlsafe(9)


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Telefone")
    PORTAL = "portal", _("Portal")


class Status(models.TextChoices):
    NEW = "new", _("Novo")
    IN_PROGRESS = "in_progress", _("Em atendimento")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Aguardando cliente")
    RESOLVED = "resolved", _("Resolvido")
    CLOSED = "closed", _("Fechado")


OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER)


class Ticket(models.Model):
    class Outcome(models.TextChoices):
        NONE = "", _("—")
        OUT_OF_SCOPE = "out_of_scope", _("Fora do escopo")
        MERGED = "merged", _("Mesclado (duplicado)")

    number = models.PositiveIntegerField(_("número"), unique=True)
    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    requester = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="requested_tickets")
    affected_person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="affected_tickets"
    )
    affected_store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    channel = models.CharField(_("canal"), max_length=8, choices=Channel.choices)
    received_at = models.DateTimeField(_("recebido em"))
    subject = models.CharField(_("assunto"), max_length=300)
    description = models.TextField(_("descrição"), blank=True)
    priority = models.CharField(_("prioridade"), max_length=8, blank=True)  # "" = not yet classified
    suggested_priority = models.CharField(_("prioridade sugerida"), max_length=8, blank=True)
    category = models.CharField(_("categoria"), max_length=32, blank=True)
    suggested_category = models.CharField(_("categoria sugerida"), max_length=32, blank=True)
    # Why the intake suggested what it did: {"priority_reason", "category_reason", "outage"}.
    triage = models.JSONField(default=dict, blank=True)
    missing_information = models.JSONField(_("informações faltantes"), default=list, blank=True)
    status = models.CharField(_("situação"), max_length=24, choices=Status.choices, default=Status.NEW)
    outcome = models.CharField(_("desfecho"), max_length=16, choices=Outcome.choices, blank=True, default="")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_tickets"
    )
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="tickets")
    related_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="followups")
    # A duplicate merged into another ticket: closed, its clocks excluded, its messages moved there.
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged")
    # The nearest deadline of a running SLA metric: the queue's order and the worker's sweep.
    next_due_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chamado")
        verbose_name_plural = _("chamados")
        indexes = [
            models.Index(fields=["status", "next_due_at"], name="ticket_queue"),
            models.Index(fields=["customer", "status"], name="ticket_customer_status"),
            models.Index(fields=["next_due_at"], name="ticket_next_due"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketMetric(models.Model):
    """The stored state of one SLA metric of a ticket, as last evaluated.

    A running metric stores its deadline (``due_at``, indexed) and the anchor it
    was computed from (``due_at == calendar.add(anchor_at, anchor_remaining_s)``),
    so the worker finds what falls due through the index and a calendar change can
    move every open deadline in bulk.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=32)
    state = models.CharField(max_length=16)
    priority = models.CharField(max_length=8, blank=True)
    calendar = models.CharField(max_length=64, blank=True)
    target_s = models.BigIntegerField(default=0)
    elapsed_s = models.BigIntegerField(default=0)
    remaining_s = models.BigIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    anchor_at = models.DateTimeField(null=True, blank=True)
    anchor_remaining_s = models.BigIntegerField(null=True, blank=True)
    evaluated_at = models.DateTimeField()
    # Set when the worker has recorded the breach of this running deadline.
    breach_notified_at = models.DateTimeField(null=True, blank=True)
    # When a running metric will have used the policy's warning share of its target
    # (``notifications.warn_at_used``), and when that warning was recorded; both follow
    # the deadline (a moved deadline warns again).
    warn_at = models.DateTimeField(null=True, blank=True)
    warning_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "name"], name="metric_unique_per_ticket")]
        indexes = [
            models.Index(fields=["state", "due_at"], name="metric_sweep"),
            models.Index(fields=["state", "warn_at"], name="metric_warn_sweep"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.name} {self.state}"


class Message(models.Model):
    class Kind(models.TextChoices):
        INBOUND = "inbound", _("Do cliente")
        PUBLIC = "public", _("Resposta pública")
        NOTE = "note", _("Nota interna")
        AUTOMATIC = "automatic", _("Mensagem automática")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    author_staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    author_person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class TicketEvent(models.Model):
    """Append-only: who, when, what, before and after, the deadlines before and after.

    ``sla_type`` is the timeline event the SLA engine sees (``public_reply``,
    ``priority_set``, ...), or empty for events that never touch a clock (notes,
    assignment). The ticket's timeline for ``sla replay`` is exactly these rows.
    Codes only: never a translated label.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    seq = models.PositiveIntegerField()  # order of events at the same instant
    action = models.CharField(max_length=32)
    sla_type = models.CharField(max_length=32, blank=True)
    priority = models.CharField(max_length=8, blank=True)  # for sla_type == priority_set
    actor_staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField(max_length=320, blank=True)  # kept if the actor is deleted
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    deadlines_before = models.JSONField(default=dict, blank=True)
    deadlines_after = models.JSONField(default=dict, blank=True)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Counter(models.Model):
    """A number handed out once: the next ticket number, taken under the row's lock so that
    parallel creations wait for each other instead of colliding."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Attachment(models.Model):
    """A file that came with a customer's email: stored under the data directory by its
    sha256, listed on the ticket, downloadable only by who may see the ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments")
    name = models.CharField(_("nome"), max_length=200)
    size = models.PositiveBigIntegerField(_("tamanho"))
    content_type = models.CharField(max_length=120)  # as sniffed from the bytes
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=200)  # under SLADESK_DATA_DIR/attachments/
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.name}"


class Presence(models.Model):
    """Who has a ticket's page open, and since when they last typed in its composer: the
    page's poll refreshes the row every few seconds (``presence.py``); a row not refreshed for
    ``presence.GONE_AFTER`` means the page is gone. A table, so that every gunicorn worker sees it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="presence")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    typing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="presence_unique")]
        indexes = [models.Index(fields=["ticket", "seen_at"], name="presence_ticket_seen")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.user_id} {self.seen_at:%H:%M:%S}"


class Draft(models.Model):
    """What an agent has typed in a ticket's composer and not sent yet (one per ticket and
    agent), saved as they type and put back when they return; gone once sent."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="drafts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    mode = models.CharField(max_length=8, default="public")  # public | note: the composer's mode
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="draft_unique")]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.user_id} ({len(self.text)} chars)"


class SavedReply(models.Model):
    """A saved reply (a macro): a text with placeholders (``macros.PLACEHOLDERS``) and,
    optionally, what sending it does besides replying. Supervisors keep them; every agent uses
    them. Archived, never deleted (a reply sent from it stays explained)."""

    class Then(models.TextChoices):
        REPLY = "reply", _("só responder")
        WAIT = "wait", _("responder e aguardar o cliente")
        RESOLVE = "resolve", _("responder e resolver")

    title = models.CharField(_("título"), max_length=120)
    body = models.TextField(_("texto"))
    then = models.CharField(_("ao enviar"), max_length=16, choices=Then.choices, default=Then.REPLY)
    is_active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class TicketLink(models.Model):
    """Two related tickets (the same incident, a cause and its effects): one row per pair,
    ``low`` the ticket with the smaller id, so a pair is linked once whichever side links it."""

    low = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    high = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["low", "high"], name="ticket_link_unique")]
        indexes = [models.Index(fields=["high"], name="ticket_link_high")]

    def __str__(self) -> str:
        return f"{self.low_id} <-> {self.high_id}"


class SavedFilter(models.Model):
    """An agent's own queue filter, kept under a name: the queue's query string (its filters,
    view and sort; never a page), shown beside the views."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("nome"), max_length=60)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_filter_name_per_owner")]

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.name}"
