from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Nome"), max_length=100)
    url = forms.URLField(label=_("URL"), max_length=300, assume_scheme="https")
    warnings = forms.BooleanField(label=_("Avisos (75 % do prazo)"), required=False, initial=True)
    breaches = forms.BooleanField(label=_("Estouros"), required=False, initial=True)
