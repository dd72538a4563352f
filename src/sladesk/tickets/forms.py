"""The desk's forms: one per ticket action, and the phone intake."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sladesk.core.policy import Policy
from sladesk.directory.models import Person, Store
from sladesk.staff.models import StaffProfile
from sladesk.tickets.models import Ticket
from sladesk.tickets.presenters import policy_label, policy_text

TEXT = forms.CharField(label=_("Texto"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000, strip=True)


class TextForm(forms.Form):
    """Reply, wait on the customer, resolve, note: a text is all they need."""

    text = TEXT


class EmptyForm(forms.Form):
    """Start, reopen, close: a button (the CSRF token is the whole form)."""


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Prioridade"))

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["priority"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (p.name, f"{policy_label(p)} — {policy_text(p.description, p.description_en)}")
            for p in policy.priorities.values()
        ]
        field.initial = policy.default_priority


class OutOfScopeForm(forms.Form):
    category = forms.ChoiceField(label=_("Categoria"))

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c.name, policy_label(c)) for c in policy.scope.categories.values() if not c.in_scope]


class StaffChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.email or obj.username)


def eligible_assignees(ticket: Ticket) -> QuerySet[User]:
    """Staff who may work on this ticket's customer: the vendor's, and its partner's agents."""
    contract = getattr(ticket.customer, "contract", None)
    partner_id = contract.partner_id if contract is not None else None
    return (
        User.objects.filter(is_active=True, staff__isnull=False)
        .filter(~Q(staff__role=StaffProfile.Role.PARTNER_AGENT) | Q(staff__partner_id=partner_id))
        .order_by("first_name", "last_name", "username")
    )


class AssignForm(forms.Form):
    assignee = StaffChoiceField(
        label=_("Responsável"), queryset=User.objects.none(), required=False, empty_label=_("— ninguém —")
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = eligible_assignees(ticket)


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} <{obj.email}>"


class CustomerReplyForm(forms.Form):
    """A message from the customer that reached the desk another way (a call, a forwarded email)."""

    text = TEXT
    person = PersonChoiceField(label=_("Quem escreveu"), queryset=Person.objects.none(), required=False)

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Person.objects.filter(customer_id=ticket.customer_id, role=Person.Role.GESTOR).order_by("name")
        field.empty_label = gettext("o solicitante (%(name)s)") % {"name": ticket.requester.name}


class AffectedForm(forms.Form):
    """Who is affected, and in which store: people and stores of the ticket's customer."""

    affected_person = PersonChoiceField(label=_("Usuário afetado"), queryset=Person.objects.none(), required=False)
    affected_store = forms.ModelChoiceField(label=_("Loja"), queryset=Store.objects.none(), required=False)

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person, store = self.fields["affected_person"], self.fields["affected_store"]
        assert isinstance(person, forms.ModelChoiceField) and isinstance(store, forms.ModelChoiceField)
        person.queryset = Person.objects.filter(customer_id=ticket.customer_id, is_active=True).order_by("name")
        person.empty_label = gettext("— ninguém —")
        store.queryset = Store.objects.filter(customer_id=ticket.customer_id).order_by("name")
        store.empty_label = gettext("— a loja do usuário —")


class PhoneForm(forms.Form):
    """A P1 call, logged by the agent who took it."""

    label_suffix = ""

    phone = forms.CharField(label=_("Telefone de quem ligou"), max_length=40, required=False)
    email = forms.EmailField(label=_("ou e-mail de quem ligou"), required=False)
    received_at = forms.DateTimeField(
        label=_("Hora da ligação"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    subject = forms.CharField(label=_("Assunto"), max_length=300)
    description = forms.CharField(
        label=_("Descrição"), widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=20_000
    )
    affected_email = forms.EmailField(label=_("E-mail do usuário afetado (opcional)"), required=False)

    def clean_received_at(self) -> Any:
        value = self.cleaned_data["received_at"]
        if value > timezone.now():
            raise forms.ValidationError(gettext("A hora da ligação não pode estar no futuro."))
        return value

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and not data.get("phone") and not data.get("email") and not self.errors:
            raise forms.ValidationError(gettext("Informe o telefone ou o e-mail de quem ligou."))
        return data
