"""The queue: its views and filters, saved filters, and the bulk actions on what it lists."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sladesk.core.policy import Policy
from sladesk.policies.service import current_policy
from sladesk.staff.access import profile_of
from sladesk.tickets import bulk, saved_filters
from sladesk.tickets import queue as queue_
from sladesk.tickets.access import user_of
from sladesk.tickets.models import SavedFilter
from sladesk.tickets.presenters import short_metric_label
from sladesk.tickets.views import error_text

REFRESH_SECONDS = 30


# ---- the queue -------------------------------------------------------------------------
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request.user)
    policy = current_policy()
    now = timezone.now()
    filters = queue_.Filters.from_query(request.GET, profile, policy)
    columns = list(policy.metrics)
    page = queue_.page(profile, user_of(request), filters, now, columns=columns)
    counts = queue_.counts(profile, user_of(request), filters, now, policy)
    context = {
        "page": page,
        "views": _views(filters, counts, policy),
        "count": counts[filters.view or "all"],
        "filters": filters,
        "now": now,
        "refresh": REFRESH_SECONDS,
        "columns": [short_metric_label(name, policy) for name in columns],
        "refresh_query": filters.query(str(filters.number) if filters.sort and filters.number > 1 else filters.after),
        "next_query": filters.query(page.next_after),
        "first_query": filters.query(),
        "sorts": _sorts(filters),
    }
    if request.GET.get("partial"):
        return render(request, "tickets/_queue_table.html", context)
    context["choices"] = queue_.choices(profile, policy)
    context["saved_filters"] = list(SavedFilter.objects.filter(owner=user_of(request)))
    context["save_query"] = filters.query()
    context["MINE"], context["NOBODY"], context["NO_PARTNER"] = queue_.MINE, queue_.NOBODY, queue_.NO_PARTNER
    context["NO_PRIORITY"] = queue_.NO_PRIORITY
    return render(request, "tickets/queue.html", context)


@login_required
@require_POST
def filter_save(request: HttpRequest) -> HttpResponse:
    """Keep the queue's current filters under a name (the agent's own)."""
    profile_of(request.user)
    query = str(request.POST.get("query", ""))
    try:
        saved = saved_filters.do_save_filter(user_of(request), str(request.POST.get("name", "")), query)
    except saved_filters.FilterError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("tickets:queue") + "?" + saved_filters.clean_query(query))
    messages.success(request, _("Filtro “%(name)s” salvo.") % {"name": saved.name})
    return redirect(reverse("tickets:queue") + "?" + saved.query)


@login_required
@require_POST
def filter_remove(request: HttpRequest, pk: int) -> HttpResponse:
    profile_of(request.user)
    if not saved_filters.do_remove_filter(user_of(request), pk):
        raise Http404("no such filter of yours")
    return redirect("tickets:queue")


def _views(filters: queue_.Filters, counts: dict[str, int], policy: Policy) -> list[dict[str, Any]]:
    """The queue's views as links: name, count, the query that opens it, whether it is open."""
    names = {
        "": _("Todos"),
        "mine": _("Meus chamados"),
        "unassigned": _("Sem responsável"),
        "risk": _("Em risco (2 h)"),
        "breached": _("Estourados"),
        "urgent": queue_.urgent_priority(policy),
        "long": _("Estourados há mais de 24 h"),
    }
    others = filters.query(with_view=False)
    return [
        {
            "key": key,
            "label": label,
            "count": counts[key or "all"],
            "query": "&".join(q for q in (others, f"view={key}" if key else "") if q),
            "current": key == filters.view,
        }
        for key, label in names.items()
    ]


def _sorts(filters: queue_.Filters) -> list[dict[str, Any]]:
    """The queue's column sorts as links (the deadline's is the default order)."""
    names = {
        "": _("Prazo"),
        "priority": _("Prioridade"),
        "-received": _("Recebido (mais novos)"),
        "received": _("Recebido (mais antigos)"),
        "customer": _("Cliente"),
    }
    others = filters.query(with_sort=False)
    return [
        {
            "key": key,
            "label": label,
            "query": "&".join(q for q in (others, f"sort={key}" if key else "") if q),
            "current": key == filters.sort,
        }
        for key, label in names.items()
    ]


class BulkForm(django_forms.Form):
    """The queue's bulk action: which, on which tickets (their codes), with what."""

    tickets = django_forms.MultipleChoiceField(label=gettext_lazy("Chamados"))
    op = django_forms.ChoiceField(label=gettext_lazy("Ação"))
    assignee = django_forms.ModelChoiceField(queryset=User.objects.filter(staff__isnull=False), required=False)
    priority = django_forms.CharField(required=False, max_length=16)

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tickets, op = self.fields["tickets"], self.fields["op"]
        assert isinstance(tickets, django_forms.MultipleChoiceField) and isinstance(op, django_forms.ChoiceField)
        codes = self.data.getlist("tickets") if isinstance(self.data, QueryDict) else []
        tickets.choices = [(c, c) for c in codes[: bulk.MAX_TICKETS]]
        op.choices = [(o, o) for o in bulk.OPERATIONS]
        self.policy = policy

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and data.get("op") == bulk.PRIORITY and data.get("priority") not in self.policy.priorities:
            self.add_error("priority", _("Escolha uma das prioridades."))
        return data


@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """One action on the chosen tickets of the queue, each its own transaction and event; the
    page says, ticket by ticket, what was done and what was refused and why."""
    profile = profile_of(request.user)
    form = BulkForm(request.POST, policy=current_policy())
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("tickets:queue")
    data = form.cleaned_data
    do = bulk.operation(data["op"], user_of(request), data.get("assignee"), data.get("priority", ""))
    results = bulk.run(profile, data["tickets"], do)
    rows = [(r, error_text(r.error, r.ticket) if r.error and r.ticket else "") for r in results]
    done = sum(r.done for r in results)
    return render(request, "tickets/bulk_result.html", {"rows": rows, "done": done, "refused": len(results) - done})
