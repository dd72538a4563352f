"""Saved replies: the supervisors' page (``/macros/``: add, change, archive) and the ticket
page's picker (``/t/<code>/macro/?key=``: the text filled in for the ticket)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sladesk.policies.service import current_policy
from sladesk.staff.access import profile_of
from sladesk.staff.models import StaffProfile
from sladesk.tickets import actions, macros
from sladesk.tickets.access import get_ticket_for_staff
from sladesk.tickets.models import SavedReply
from sladesk.tickets.views import render_detail


class SavedReplyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Título"), max_length=120)
    body = forms.CharField(label=gettext_lazy("Texto"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000)
    then = forms.ChoiceField(label=gettext_lazy("Ao enviar"), choices=SavedReply.Then.choices)


def _supervisor(request: HttpRequest) -> StaffProfile:
    profile = profile_of(request.user)
    if not profile.leads:
        raise PermissionDenied("supervisors and admins keep the saved replies")
    return profile


@login_required
def macro_list(request: HttpRequest) -> HttpResponse:
    """Every saved reply (the archived last) and the form that adds one."""
    _supervisor(request)
    form = SavedReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _saved(request, None, form)
    replies = SavedReply.objects.order_by("-is_active", "title")
    context = {"replies": replies, "form": form, "placeholders": macros.known(current_policy())}
    return render(request, "tickets/macros.html", context, status=400 if form.errors else 200)


@login_required
def macro_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _supervisor(request)
    reply = get_object_or_404(SavedReply, pk=pk)
    if request.method == "POST" and "archive" in request.POST:
        actions.do_archive_saved_reply(request.user, reply)  # type: ignore[arg-type]
        messages.success(request, _("Resposta pronta arquivada."))
        return redirect("tickets:macros")
    initial = {"title": reply.title, "body": reply.body, "then": reply.then}
    form = SavedReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        return _saved(request, reply, form)
    context = {"reply": reply, "form": form, "placeholders": macros.known(current_policy())}
    return render(request, "tickets/macro_edit.html", context, status=400 if form.errors else 200)


def _saved(request: HttpRequest, reply: SavedReply | None, form: SavedReplyForm) -> HttpResponse:
    try:
        actions.do_save_saved_reply(request.user, reply, **form.cleaned_data)  # type: ignore[arg-type]
    except actions.ActionError as exc:
        messages.error(request, _("Não foi possível registrar: %(detail)s") % {"detail": exc})
        return redirect("tickets:macros")
    messages.success(request, _("Resposta pronta salva."))
    return redirect("tickets:macros")


@login_required
def macro_fill(request: HttpRequest, code: str) -> HttpResponse:
    """A macro filled in for the ticket: JSON for the page's script; without it, the ticket
    page with the text in its composer."""
    ticket = get_ticket_for_staff(request, code)
    found = macros.filled(ticket, request.GET.get("key", "")[:80], timezone.now())
    if request.headers.get("X-Requested-With") == "fetch":
        if found is None:
            return JsonResponse({"error": "not_found"}, status=404)
        return JsonResponse({"text": found.text, "then": found.macro.then, "category": found.category})
    if found is None:
        messages.error(request, _("Resposta pronta não encontrada."))
        return render_detail(request, ticket, status=404)
    return render_detail(request, ticket, filled=found)
