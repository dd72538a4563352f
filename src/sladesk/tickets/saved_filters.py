"""An agent's saved queue filters: kept, listed and removed only here (one transaction each)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sladesk.tickets.models import SavedFilter

# What a saved filter may hold: the queue's filters, its view and its sort (never a page).
KEYS = ("customer", "partner", "priority", "status", "assignee", "breached", "view", "sort")
MAX_PER_AGENT = 30


class FilterError(ValueError):
    """A filter that cannot be saved; the message says why."""


def clean_query(query: str) -> str:
    """The query string with only the keys a filter may keep, in a stable order."""
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=False) if k in KEYS and v]
    return urlencode(sorted(dict(pairs).items()))


def do_save_filter(owner: User, name: str, query: str) -> SavedFilter:
    name = " ".join(name.split())[:60]
    if not name:
        raise FilterError(_("Dê um nome ao filtro."))
    cleaned = clean_query(query)
    if not cleaned:
        raise FilterError(_("Não há filtro a salvar: escolha uma visão ou um filtro antes."))
    with transaction.atomic():
        if SavedFilter.objects.filter(owner=owner).count() >= MAX_PER_AGENT:
            raise FilterError(_("No máximo %(n)d filtros salvos: remova um antes.") % {"n": MAX_PER_AGENT})
        try:
            with transaction.atomic():
                return SavedFilter.objects.create(owner=owner, name=name, query=cleaned)
        except IntegrityError:
            raise FilterError(_("Você já tem um filtro chamado “%(name)s”.") % {"name": name}) from None


def do_remove_filter(owner: User, pk: int) -> bool:
    """Remove one of ``owner``'s filters; False when there is no such filter of theirs."""
    with transaction.atomic():
        deleted, _ = SavedFilter.objects.filter(owner=owner, pk=pk).delete()
    return deleted > 0
