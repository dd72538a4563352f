"""The page for mail that did not become a ticket (rejected, quarantined): the list, one
email as received (its text always as text, never its HTML), release and discard.

Only the vendor's staff see it: received mail is of every customer, and of people who are
no customer at all, so a partner's agent gets 404 on every address here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sladesk.intake import actions
from sladesk.intake.forms import HELD_REASONS, MailFilters, reason_text
from sladesk.intake.message import InboundMessage
from sladesk.intake.models import InboundMail, MailEvent, Outcome, Review
from sladesk.intake.parse import parse
from sladesk.staff.access import profile_of
from sladesk.tickets.actions import FORBIDDEN_TRANSITION, ActionError
from sladesk.tickets.presenters import format_when

PAGE_SIZE = 50
TEXT_SHOWN = 200_000  # characters of an email's text shown on its page


def _reviewer(request: HttpRequest) -> User:
    """The vendor's staff member looking at received mail; 404 for a partner's agent (403
    without a staff profile, from ``profile_of``)."""
    if not profile_of(request.user).sees_every_customer:
        raise Http404("received mail is for the vendor's staff")
    assert isinstance(request.user, User)
    return request.user


@dataclass(frozen=True)
class Row:
    mail: InboundMail
    reason: str  # in words, the code beside them


@login_required
def mail_list(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    filters = MailFilters(request.GET or None, reasons=HELD_REASONS)
    qs = filters.apply(InboundMail.objects.select_related("ticket").defer("raw")).order_by("-received_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [Row(m, reason_text(m.reason) if m.reason else "") for m in page]
    return render(request, "intake/list.html", {"page": page, "rows": rows, "filters": filters})


@login_required
def mail_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _reviewer(request)
    return _render_mail(request, get_object_or_404(InboundMail, pk=pk))


@login_required
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reviewer(request)
    mail = get_object_or_404(InboundMail, pk=pk)
    try:
        result = actions.do_release_mail(mail, user)
    except ActionError as exc:
        return _refused(request, mail, exc)
    said = {"n": result.ticket, "outcome": Outcome(result.outcome).label, "reason": reason_text(result.reason or "")}
    if result.outcome == Outcome.TICKET_CREATED:
        messages.success(request, _("E-mail liberado: chamado #%(n)s aberto.") % said)
    elif result.outcome == Outcome.TICKET_UPDATED:
        messages.success(request, _("E-mail liberado: juntado ao chamado #%(n)s.") % said)
    elif result.outcome in actions.HELD:
        messages.warning(
            request, _("Processado de novo, e de novo “%(outcome)s”: %(reason)s. Continua a revisar.") % said
        )
    else:
        messages.success(request, _("E-mail liberado: %(outcome)s.") % said)
    return redirect("intake:detail", pk=mail.pk)


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reviewer(request)
    mail = get_object_or_404(InboundMail, pk=pk)
    try:
        actions.do_discard_mail(mail, user)
    except ActionError as exc:
        return _refused(request, mail, exc)
    messages.success(request, _("E-mail descartado."))
    return redirect("intake:list")


def _refused(request: HttpRequest, mail: InboundMail, exc: ActionError) -> HttpResponse:
    mail.refresh_from_db()
    if exc.code == FORBIDDEN_TRANSITION:
        state = mail.get_review_display() if mail.review else mail.get_outcome_display()
        messages.error(
            request, _("Este e-mail não está mais a revisar (%(state)s): nada foi feito.") % {"state": state}
        )
    else:
        messages.error(request, _("Não foi possível: %(detail)s") % {"detail": exc})
    return _render_mail(request, mail, status=409)


# ---- one email --------------------------------------------------------------------------
def _render_mail(request: HttpRequest, mail: InboundMail, status: int = 200) -> HttpResponse:
    msg, problem = _read(mail)
    text = msg.text if msg is not None else ""
    context: dict[str, Any] = {
        "mail": mail,
        "msg": msg,
        "problem": problem,
        "reason": reason_text(mail.reason) if mail.reason else "",
        "headers": _headers(msg) if msg is not None else [],
        "text": text[:TEXT_SHOWN],
        "cut": max(len(text) - TEXT_SHOWN, 0),
        "events": [_event_row(e) for e in mail.events.order_by("at", "pk")],
        "open": mail.review == Review.OPEN,
    }
    return render(request, "intake/detail.html", context, status=status)


EVENT_WORDS = {"received": gettext_lazy("Recebida"), "released": gettext_lazy("Liberada"),
               "discarded": gettext_lazy("Descartada")}  # fmt: skip


@dataclass(frozen=True)
class EventRow:
    at: datetime
    what: str
    actor: str
    outcome: str
    reason: str
    detail: str


def _event_row(e: MailEvent) -> EventRow:
    outcome = str(Outcome(e.outcome).label) if e.outcome in Outcome.values else e.outcome
    reason = f"{reason_text(e.reason)} ({e.reason})" if e.reason else ""
    what = str(EVENT_WORDS.get(e.action, e.action))
    return EventRow(e.at, what, e.actor_label or "system", outcome, reason, e.detail)


def _read(mail: InboundMail) -> tuple[InboundMessage | None, str]:
    """The email as parsed from its raw bytes (only the headers when it was too large)."""
    try:
        raw = mail.raw_bytes()
    except OSError as exc:
        return None, _("O arquivo original não pôde ser lido: %(error)s") % {"error": exc.strerror or exc}
    if len(raw) > settings.MAX_MESSAGE_BYTES:
        end = raw.find(b"\r\n\r\n")
        end = raw.find(b"\n\n") if end < 0 else end
        raw = raw[: end if 0 <= end < 1_000_000 else 65_536] + b"\r\n\r\n"
    try:
        return parse(raw), ""
    except Exception as exc:  # parse never raises, by contract; the page still shows the rest
        return None, _("O e-mail não pôde ser lido: %(error)s") % {"error": type(exc).__name__}


def _headers(msg: InboundMessage) -> list[tuple[str, str]]:
    """The headers that matter to decide on an email, in order, only those it has."""
    sender = f"{msg.from_name} <{msg.from_address}>" if msg.from_name else msg.from_address
    rows = [
        (_("De"), sender),
        (_("Responder para"), msg.reply_to),
        (_("Para"), ", ".join(msg.to)),
        (_("Cc"), ", ".join(msg.cc)),
        (_("Assunto"), msg.subject),
        (_("Data (do remetente)"), _date(msg.date)),
        ("Message-ID", msg.message_id),
        ("In-Reply-To", " ".join(msg.in_reply_to)),
        ("References", " ".join(msg.references[-5:])),
        *(("Authentication-Results", value) for value in msg.authentication_results),
        ("Auto-Submitted", msg.auto_submitted),
        ("Precedence", msg.precedence),
        ("List-Id", msg.list_id),
        (_("Problemas de leitura"), "; ".join(msg.defects)),
        (_("Ilegível"), msg.malformed),
    ]
    return [(name, value) for name, value in rows if value]


def _date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return format_when(moment) if moment.tzinfo is not None else moment.isoformat()
