"""The filters of the page for mail that did not become a ticket, and its reasons in words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sladesk.intake.models import InboundMail, Outcome, Review

OPEN, REVIEWED, EVERY = "open", "reviewed", "all"

# The intake's stable reason codes in the desk's words (the code is always shown beside them).
REASONS = {
    "unknown_sender": _("remetente desconhecido"),
    "role_not_entitled": _("papel sem direito a suporte (Vendedor, Gerente)"),
    "no_support_seat": _("sem assento de suporte"),
    "no_active_contract": _("sem contrato em vigor"),
    "inactive_person": _("pessoa inativa no cadastro"),
    "unauthenticated": _("remetente não autenticado"),
    "malformed": _("mensagem ilegível"),
    "too_large": _("grande demais"),
    "loop": _("laço de e-mails"),
    "processing_error": _("erro ao processar"),
    "follow_up": _("chamado de continuação"),
    "bounce": _("aviso de não entrega"),
    "auto_submitted": _("resposta automática"),
    "bulk": _("lista ou envio em massa"),
}
HELD_REASONS = [code for code in REASONS if code not in ("follow_up", "bounce", "auto_submitted", "bulk")]


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))


class MailFilters(forms.Form):
    """``?review=open|reviewed|all&outcome=rejected|quarantined&reason=CODE``; open by default."""

    review = forms.ChoiceField(
        label=_("Situação"), required=False,
        choices=[(OPEN, _("A revisar")), (REVIEWED, _("Revisadas")), (EVERY, _("Todas"))],
    )  # fmt: skip
    outcome = forms.ChoiceField(
        label=_("Desfecho"), required=False,
        choices=[("", _("Todos")), (Outcome.REJECTED, _("Recusadas")),
                 (Outcome.QUARANTINED, _("Em quarentena"))],
    )  # fmt: skip
    reason = forms.ChoiceField(label=_("Motivo"), required=False)

    def __init__(self, *args: Any, reasons: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Todos")), *((code, f"{reason_text(code)} ({code})") for code in reasons)]

    def apply(self, qs: QuerySet[InboundMail]) -> QuerySet[InboundMail]:
        """The mail held at some point (open, released or discarded), as filtered; an invalid
        filter is ignored (the default list)."""
        data = self.cleaned_data if self.is_valid() else {}
        review = data.get("review") or OPEN
        qs = qs.exclude(review=Review.NONE)
        if review == OPEN:
            qs = qs.filter(review=Review.OPEN)
        elif review == REVIEWED:
            qs = qs.filter(review__in=(Review.RELEASED, Review.DISCARDED))
        if data.get("outcome"):
            qs = qs.filter(outcome=data["outcome"])
        if data.get("reason"):
            qs = qs.filter(reason=data["reason"])
        return qs
