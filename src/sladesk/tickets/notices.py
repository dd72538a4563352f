"""What the requester is told by email, through the outbox. Texts are pt-BR by
default (Django i18n); the outbox row stores the template code, not a label."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from sladesk.core.instants import to_us
from sladesk.outbound.actions import schedule_email
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets.clocks import metrics_json, policy_for
from sladesk.tickets.models import Ticket

ACKNOWLEDGEMENT = "acknowledgement"
REPLY = "reply"
WAITING = "waiting"
RESOLVED = "resolved"
OUT_OF_SCOPE = "out_of_scope"
AUTOMATIC = frozenset({ACKNOWLEDGEMENT, OUT_OF_SCOPE})  # written by the desk, not by an agent


def _subject(ticket: Ticket, template: str) -> str:
    prefix = {
        ACKNOWLEDGEMENT: _("Recebemos o seu chamado"),
        RESOLVED: _("Chamado resolvido"),
        OUT_OF_SCOPE: _("Solicitação fora do escopo do suporte"),
    }.get(template, "Re")
    return f"[#{ticket.number}] {prefix}: {ticket.subject}"


def _acknowledgement(ticket: Ticket) -> str:
    policy = policy_for(ticket)
    lines = [
        _("Olá, %(name)s.") % {"name": ticket.requester.name},
        "",
        _("Recebemos a sua solicitação e abrimos o chamado #%(number)s.") % {"number": ticket.number},
    ]
    if suspected_outage_after_hours(ticket):
        lines += [
            "",
            _(
                "Se a plataforma está fora do ar, ligue para %(phone)s: atendemos indisponibilidades (P1) "
                "por telefone a qualquer hora."
            )
            % {"phone": policy.channels["phone"].number},
        ]
    lines += ["", *_targets(ticket)]
    if ticket.missing_information:
        labels = {i.key: i.label for i in policy.required_information}
        lines += ["", _("Para agilizar o atendimento, responda a este e-mail com:")]
        lines += [f"- [ ] {labels.get(key, key)}" for key in ticket.missing_information]
    return "\n".join(lines)


def _targets(ticket: Ticket) -> list[str]:
    """Each SLA target of the ticket with its rule, as the policy words it."""
    policy = policy_for(ticket)
    sla = metrics_json(ticket, ticket.received_at)
    lines = [_("Prazos deste chamado (prioridade %(p)s):") % {"p": sla["priority"]}]
    for name, metric in sla["metrics"].items():
        if "rule" in metric:
            lines.append(f"- {policy.metrics[name].label}: {metric['rule']}")
    return lines


def suspected_outage_after_hours(ticket: Ticket) -> bool:
    """A request that looks like an outage (the triage suggests the phone's priority) and
    arrived outside the business calendar: the requester is given the phone number."""
    policy = policy_for(ticket)
    phone = policy.channels.get("phone")
    if phone is None or not phone.priorities or ticket.suggested_priority != phone.priorities[0]:
        return False
    business = [name for name, spec in policy.calendars.items() if spec.kind == "business"]
    return bool(business) and not policy.calendar(business[0]).is_open(to_us(ticket.received_at))


def out_of_scope_text(ticket: Ticket, category: str) -> str:
    """The policy's reply for the category plus the alternatives the contract includes."""
    scope = policy_for(ticket).scope
    contract = getattr(ticket.customer, "contract", None)
    extras = contract.extras if contract is not None else frozenset()
    lines = [scope.categories[category].reply, ""]
    lines += [f"- {alt.text}" for alt in scope.alternatives_for(category, extras)]
    return "\n".join(lines).strip()


def email_requester(ticket: Ticket, template: str, body: str) -> None:
    """Schedule an email to the requester in pt-BR, in the ticket's email thread; delivered
    by the worker after commit. The desk's own messages say they are automatic (RFC 3834)."""
    with translation.override("pt-br"):
        text = _acknowledgement(ticket) if template == ACKNOWLEDGEMENT else body
        subject = _subject(ticket, template)
    in_reply_to, references = thread_of(ticket)
    schedule_email(
        ticket.requester.email, subject, text, template, ticket,
        in_reply_to=in_reply_to, references=references, automatic=template in AUTOMATIC,
    )  # fmt: skip


def thread_of(ticket: Ticket) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for the next email of the ticket: it answers the customer's
    latest email (or our latest one) and refers to the first and the latest few."""
    theirs = list(
        ticket.mails.exclude(message_id="").order_by("received_at", "pk").values_list("message_id", "received_at")
    )
    ours = list(
        OutboxMessage.objects.filter(ticket=ticket).exclude(message_id="").values_list("message_id", "created_at")
    )
    ordered = [mid for mid, _at in sorted([*theirs, *ours], key=lambda pair: pair[1])]
    if not ordered:
        return "", []
    references = list(dict.fromkeys([ordered[0], *ordered[-9:]]))
    in_reply_to = theirs[-1][0] if theirs else ordered[-1]
    return in_reply_to, references
