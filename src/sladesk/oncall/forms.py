"""The rota page's form: who, from when, until when (read in America/Sao_Paulo)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sladesk.oncall.actions import EARLIEST, LONGEST_SHIFT
from sladesk.staff.models import StaffProfile

FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


def _when(label: Any) -> forms.DateTimeField:
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    return forms.DateTimeField(label=label, input_formats=FORMATS, widget=widget)


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.email} ({obj.email})"


class ShiftForm(forms.Form):
    label_suffix = ""

    user = PersonChoice(label=_("Pessoa de plantão"), queryset=User.objects.none())
    starts_at = _when(_("Início"))
    ends_at = _when(_("Fim"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            User.objects.filter(is_active=True, staff__isnull=False)
            .exclude(staff__role=StaffProfile.Role.PARTNER_AGENT)
            .order_by("first_name", "last_name", "email")
        )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is None or self.errors:
            return data
        if data["starts_at"] < EARLIEST:
            self.add_error("starts_at", gettext("Um plantão não pode começar antes de 2000."))
        elif data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", gettext("O fim deve ser depois do início."))
        elif data["ends_at"] - data["starts_at"] > LONGEST_SHIFT:
            self.add_error(
                "ends_at", gettext("Um plantão dura no máximo %(days)d dias.") % {"days": LONGEST_SHIFT.days}
            )
        return data
