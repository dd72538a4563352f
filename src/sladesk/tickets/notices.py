"""What the requester is told by email, through the outbox. Texts are pt-BR by
default (Django i18n); the outbox row stores the template code, not a label."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from sladesk.outbound.actions import schedule_email
from sladesk.tickets.clocks import policy_for
from sladesk.tickets.models import Ticket

ACKNOWLEDGEMENT = "acknowledgement"
REPLY = "reply"
WAITING = "waiting"
RESOLVED = "resolved"
OUT_OF_SCOPE = "out_of_scope"


def _subject(ticket: Ticket, template: str) -> str:
    prefix = {
        ACKNOWLEDGEMENT: _("Recebemos o seu chamado"),
        RESOLVED: _("Chamado resolvido"),
        OUT_OF_SCOPE: _("Solicitação fora do escopo do suporte"),
    }.get(template, "Re")
    return f"[#{ticket.number}] {prefix}: {ticket.subject}"


def _acknowledgement(ticket: Ticket) -> str:
    lines = [
        _("Olá, %(name)s.") % {"name": ticket.requester.name},
        "",
        _("Recebemos a sua solicitação e abrimos o chamado #%(number)s.") % {"number": ticket.number},
    ]
    if ticket.missing_information:
        labels = {i.key: i.label for i in policy_for(ticket).required_information}
        lines += ["", _("Para agilizar o atendimento, responda a este e-mail com:")]
        lines += [f"- {labels.get(key, key)}" for key in ticket.missing_information]
    return "\n".join(lines)


def out_of_scope_text(ticket: Ticket, category: str) -> str:
    """The policy's reply for the category plus the alternatives the contract includes."""
    scope = policy_for(ticket).scope
    contract = getattr(ticket.customer, "contract", None)
    extras = contract.extras if contract is not None else frozenset()
    lines = [scope.categories[category].reply, ""]
    lines += [f"- {alt.text}" for alt in scope.alternatives_for(category, extras)]
    return "\n".join(lines).strip()


def email_requester(ticket: Ticket, template: str, body: str) -> None:
    """Schedule an email to the requester in pt-BR; delivered by the worker after commit."""
    with translation.override("pt-br"):
        text = _acknowledgement(ticket) if template == ACKNOWLEDGEMENT else body
        subject = _subject(ticket, template)
    schedule_email(ticket.requester.email, subject, text, template, ticket)
