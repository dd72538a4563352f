"""Who may ask for support: only an active Gestor holding a support seat of a
contract in force. Everyone else gets a reason code and what to do instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sladesk.directory.models import Contract, Customer, Person, digits

ENTITLED = "entitled"
UNKNOWN_SENDER = "unknown_sender"
NOT_A_GESTOR = "not_a_gestor"
NO_SEAT = "no_seat"
INACTIVE = "inactive"
NO_CONTRACT = "no_contract"


@dataclass(frozen=True)
class Entitlement:
    reason: str
    person: Person | None = None

    @property
    def ok(self) -> bool:
        return self.reason == ENTITLED

    def explain(self) -> str:
        """What to tell the person (pt-BR by default), saying what to do instead."""
        p = self.person
        if self.reason == NOT_A_GESTOR and p is not None:
            return _(
                "Apenas os Gestores da sua empresa com assento de suporte podem abrir chamados. "
                "Por favor, peça ao Gestor da sua empresa que entre em contato com o suporte."
            )
        if self.reason == NO_SEAT and p is not None:
            seats = p.customer.contract.support_seats if hasattr(p.customer, "contract") else 0
            return ngettext(
                "O seu contrato cobre %(seats)s usuário de suporte e o seu usuário não é ele. "
                "Peça ao Gestor com assento de suporte que abra o chamado.",
                "O seu contrato cobre %(seats)s usuários de suporte e o seu usuário não é um deles. "
                "Peça a um Gestor com assento de suporte que abra o chamado.",
                seats,
            ) % {"seats": seats}
        if self.reason == INACTIVE:
            return _("O seu cadastro está inativo. Peça ao Gestor da sua empresa que abra o chamado.")
        if self.reason == NO_CONTRACT:
            return _("Não há contrato de suporte em vigor para a sua empresa. Fale com o seu Gestor.")
        if self.reason == UNKNOWN_SENDER:
            return _(
                "Não encontramos este contato entre os usuários autorizados a abrir chamados. "
                "Os chamados são abertos pelos Gestores com assento de suporte de cada cliente."
            )
        return ""


def check_person(person: Person | None, today: date) -> Entitlement:
    if person is None:
        return Entitlement(UNKNOWN_SENDER)
    contract = _contract_of(person)
    rules = (
        (not person.is_active, INACTIVE),
        (person.role != Person.Role.GESTOR, NOT_A_GESTOR),
        (not person.support_seat, NO_SEAT),
        (contract is None or not contract.is_valid_on(today), NO_CONTRACT),
    )
    reason = next((code for failed, code in rules if failed), ENTITLED)
    return Entitlement(reason, person)


def _contract_of(person: Person) -> Contract | None:
    """The person's contract: the one loaded with them (``select_related``), else asked for."""
    if Person.customer.is_cached(person) and Customer.contract.is_cached(person.customer):
        try:
            return person.customer.contract
        except Contract.DoesNotExist:  # loaded, and there is none
            return None
    return Contract.objects.filter(customer_id=person.customer_id).first()


def find_person(email: str = "", phone: str = "") -> Person | None:
    """The person with this email (case-insensitive) or phone (digits, suffix match)."""
    qs = Person.objects.select_related("customer__contract", "store")
    if email.strip():
        # emails are kept lower-case (Person.save, the importer): compared lower-case through
        # the unique index on LOWER(email), on every database (iexact would scan the table, and
        # on SQLite fold only ASCII letters)
        return qs.annotate(lower_email=Lower("email")).filter(lower_email=email.strip().lower()).first()
    wanted = digits(phone)
    if len(wanted) < 8:
        return None
    candidates = [
        p
        for p in qs.filter(phone_digits__endswith=wanted[-8:])
        if p.phone_digits.endswith(wanted) or wanted.endswith(p.phone_digits)
    ]
    # One number may be shared (a store's line): prefer whoever may ask for support,
    # so the refusal, when there is one, names the real reason.
    candidates.sort(key=lambda p: (not p.is_active, p.role != Person.Role.GESTOR, not p.support_seat, p.pk))
    return candidates[0] if candidates else None


def check(email: str = "", phone: str = "", today: date | None = None) -> Entitlement:
    from django.utils import timezone

    return check_person(find_person(email, phone), today or timezone.localdate())
