"""What the desk answers, by itself, to an email that did not become a ticket (pt-BR), and
when it answers nothing: never to automatic mail (RFC 3834), never more than a few times an
hour to one address, and to an unknown sender nothing about any customer."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sladesk.directory.models import Contract, Person
from sladesk.intake import directory_cache
from sladesk.intake.message import InboundMessage
from sladesk.outbound.actions import automatic_counted, automatic_sent, schedule_email
from sladesk.policies.service import current_policy

ROBOTS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+@.-]|$)", re.I)


def may_auto_reply(msg: InboundMessage) -> bool:
    """An automatic answer is allowed: a person wrote it, and the address has not had its share."""
    address = msg.from_address
    if not address or ROBOTS.match(address) or msg.auto_submitted not in ("", "no"):
        return False
    if msg.precedence in ("bulk", "list", "junk") or msg.list_id:
        return False
    return automatic_sent(address, timezone.now() - timedelta(hours=1)) < settings.AUTO_REPLIES_PER_HOUR


def counted(addresses: Iterable[str]) -> contextlib.AbstractContextManager[None]:
    """A batch's automatic replies counted together (``outbound.actions.automatic_counted``)."""
    return automatic_counted(addresses, timezone.now() - timedelta(hours=1))


def reply_rejected(msg: InboundMessage, reason: str, person: Person | None) -> None:
    """Schedule the pt-BR answer to a refused request, in the sender's thread."""
    with translation.override("pt-br"):
        body = rejection_text(reason, person)
        subject = _("Não foi possível abrir o chamado")
    references = [*msg.references, msg.message_id] if msg.message_id else list(msg.references)
    schedule_email(
        msg.from_address, f"{subject}: {msg.subject}" if msg.subject else subject, body, f"rejected_{reason}",
        in_reply_to=msg.message_id, references=references, automatic=True,
    )  # fmt: skip


def rejection_text(reason: str, person: Person | None) -> str:
    phone = current_policy().channels.get("phone")
    lines = [_("Olá, %(name)s.") % {"name": person.name} if person else _("Olá."), ""]
    if person is None or reason == "unknown_sender":  # nothing about any customer
        lines.append(
            _(
                "Não encontramos este endereço entre os usuários autorizados a abrir chamados de suporte. "
                "Os chamados são abertos pelos Gestores com assento de suporte de cada cliente, "
                "a partir do e-mail cadastrado no contrato."
            )
        )
        return "\n".join(lines)
    lines.append(_why(reason, person))
    holders = directory_cache.seat_holders(person.customer_id)
    if holders and reason in ("role_not_entitled", "no_support_seat", "inactive_person"):
        lines += ["", _("Na %(customer)s, podem abrir chamados:") % {"customer": person.customer.name}]
        lines += [f"- {p.name} <{p.email}>" for p in holders]
    if phone is not None and phone.number:
        lines += [
            "",
            _("Em caso de indisponibilidade da plataforma (P1), o Gestor pode ligar para %(phone)s a qualquer hora.")
            % {"phone": phone.number},
        ]
    return "\n".join(lines)


def _why(reason: str, person: Person) -> str:
    if reason == "role_not_entitled":
        return _(
            "Recebemos o seu e-mail, mas apenas os Gestores da sua empresa que têm assento de suporte "
            "podem abrir chamados. Por favor, peça a um deles que entre em contato com o suporte."
        )
    if reason == "no_support_seat":
        contract = Contract.objects.filter(customer_id=person.customer_id).first()
        seats = contract.support_seats if contract else 0
        return ngettext(
            "O contrato da %(customer)s cobre %(n)s usuário de suporte, e o seu usuário não é ele.",
            "O contrato da %(customer)s cobre %(n)s usuários de suporte, e o seu usuário não é um deles.",
            seats,
        ) % {"customer": person.customer.name, "n": seats}
    if reason == "no_active_contract":
        return _(
            "Não há contrato de suporte em vigor para a %(customer)s. Fale com o Gestor da sua empresa "
            "ou com o seu contato comercial."
        ) % {"customer": person.customer.name}
    return _("O seu cadastro está inativo. Peça a um Gestor com assento de suporte que abra o chamado.")
