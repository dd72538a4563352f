"""The agent desk's ticket page with its actions (the queue, the phone intake and the search
have their modules beside it: ``queue_views``, ``phone_views``, ``search_views``).

Views are thin: who may see what is asked of ``staff.access`` (403 for anyone
without a staff profile, 404 for a ticket of a customer one may not see); every
change is a ``do_*`` action; a refused action is a message on the page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sladesk.core.policy import Policy
from sladesk.core.replay import evaluation_to_json
from sladesk.intake.store import attachment_path
from sladesk.staff.access import profile_of
from sladesk.tickets import actions, clocks, macros, presence, preview, queries
from sladesk.tickets import queue as queue_
from sladesk.tickets.access import get_ticket_for_staff, user_of
from sladesk.tickets.forms import (
    AffectedForm,
    AssignForm,
    CustomerReplyForm,
    EmptyForm,
    OutOfScopeForm,
    PriorityForm,
    TextForm,
)
from sladesk.tickets.models import Attachment, Message, Ticket
from sladesk.tickets.presenters import policy_label, policy_text, sla_panel
from sladesk.tickets.timeline import entries


# ---- the ticket page -------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    """One action of the ticket page: its form and the ``do_*`` call it makes. ``needs``: the
    transitions it makes (the page offers it only when each is possible; default: its name).
    ``run`` gets the form's data and ``seen``, the last event the page showed."""

    form: Callable[..., django_forms.Form]
    run: Callable[[Ticket, Any, dict[str, Any]], Ticket]
    done: Any  # the success message (lazy)
    needs: tuple[str, ...] = ()


def _policy_form(cls: Any) -> Callable[..., django_forms.Form]:
    return lambda data, ticket: cls(data, policy=clocks.policy_for(ticket))


def _ticket_form(cls: Any) -> Callable[..., django_forms.Form]:
    return lambda data, ticket: cls(data, ticket=ticket)


def _plain_form(cls: type[django_forms.Form]) -> Callable[..., django_forms.Form]:
    return lambda data, ticket: cls(data)


class CategoryForm(django_forms.Form):
    """An in-scope category of the policy (out of scope closes the ticket: ``OutOfScopeForm``)."""

    category = django_forms.ChoiceField(label=gettext_lazy("Categoria"))

    def __init__(self, *args: Any, policy: Policy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, django_forms.ChoiceField)
        field.choices = [(c.name, policy_label(c)) for c in policy.scope.categories.values() if c.in_scope]


class OtherTicketForm(django_forms.Form):
    """The other ticket of a link or a merge, by its number (``#1234`` or ``1234``)."""

    number = django_forms.CharField(label=gettext_lazy("Número do outro chamado"), max_length=12)

    def clean_number(self) -> int:
        value = self.cleaned_data["number"].strip().lstrip("#")
        if not value.isdigit() or len(value) > 9:
            raise django_forms.ValidationError(_("Informe o número do chamado, como #1234."))
        return int(value)


def _other(user: Any, number: int) -> Ticket:
    """The ticket with this number if this staff member may see it (else the same refusal as a
    number that does not exist: a partner's agent learns nothing of another partner's)."""
    found = queries.visible_to(profile_of(user)).filter(number=number).first()
    if found is None:
        raise actions.ActionError(actions.INVALID, f"there is no ticket #{number}")
    return found


ACTIONS: dict[str, Action] = {
    "set_priority": Action(
        _policy_form(PriorityForm),
        lambda t, u, d: actions.do_set_ticket_priority(t, u, d["priority"], seen=d["seen"]),
        gettext_lazy("Prioridade alterada."),
    ),
    "reply": Action(
        _plain_form(TextForm),
        lambda t, u, d: actions.do_reply_ticket(t, u, d["text"], seen=d["seen"]),
        gettext_lazy("Resposta enviada."),
    ),
    "reply_start": Action(
        _plain_form(TextForm),
        lambda t, u, d: actions.do_reply_and_start_ticket(t, u, d["text"], seen=d["seen"]),
        gettext_lazy("Resposta enviada e atendimento iniciado."),
        needs=("start", "reply"),
    ),
    "assign_me": Action(
        _plain_form(EmptyForm),
        lambda t, u, d: actions.do_assign_ticket(t, u, u, seen=d["seen"]),
        gettext_lazy("O chamado agora é seu."),
        needs=("assign",),
    ),
    "start": Action(
        _plain_form(EmptyForm),
        lambda t, u, d: actions.do_start_ticket(t, u, seen=d["seen"]),
        gettext_lazy("Atendimento iniciado."),
    ),
    "wait": Action(
        _plain_form(TextForm),
        lambda t, u, d: actions.do_hold_ticket(t, u, d["text"], seen=d["seen"]),
        gettext_lazy("Pedido enviado; o chamado aguarda o cliente."),
    ),
    "customer_reply": Action(
        _ticket_form(CustomerReplyForm),
        lambda t, u, d: actions.do_add_customer_reply(t, u, d["text"], person=d.get("person")),
        gettext_lazy("Mensagem do cliente registrada."),
    ),
    "resolve": Action(
        _plain_form(TextForm),
        lambda t, u, d: actions.do_resolve_ticket(t, u, d["text"], seen=d["seen"]),
        gettext_lazy("Resolvido."),
    ),
    "reopen": Action(_plain_form(EmptyForm), lambda t, u, d: actions.do_reopen_ticket(t, u), gettext_lazy("Reaberto.")),
    "close": Action(
        _plain_form(EmptyForm), lambda t, u, d: actions.do_close_ticket(t, u, seen=d["seen"]), gettext_lazy("Fechado.")
    ),
    "note": Action(
        _plain_form(TextForm), lambda t, u, d: actions.do_add_note(t, u, d["text"]), gettext_lazy("Nota registrada.")
    ),
    "assign": Action(
        _ticket_form(AssignForm),
        lambda t, u, d: actions.do_assign_ticket(t, u, d.get("assignee"), seen=d["seen"]),
        gettext_lazy("Responsável alterado."),
    ),
    "set_affected": Action(
        _ticket_form(AffectedForm),
        lambda t, u, d: actions.do_set_ticket_affected(t, u, d.get("affected_person"), d.get("affected_store")),
        gettext_lazy("Usuário afetado e loja alterados."),
    ),
    "set_category": Action(
        _policy_form(CategoryForm),
        lambda t, u, d: actions.do_set_ticket_category(t, u, d["category"]),
        gettext_lazy("Categoria confirmada."),
    ),
    "link": Action(
        _plain_form(OtherTicketForm),
        lambda t, u, d: actions.do_link_tickets(t, u, _other(u, d["number"])),
        gettext_lazy("Chamados relacionados."),
    ),
    "merge": Action(
        _plain_form(OtherTicketForm),
        lambda t, u, d: actions.do_merge_ticket(t, u, _other(u, d["number"])),
        gettext_lazy("Chamado mesclado: este é o chamado que continua."),
        needs=("merged_into",),
    ),
    "out_of_scope": Action(
        _policy_form(OutOfScopeForm),
        lambda t, u, d: actions.do_exclude_ticket(t, u, d["category"]),
        gettext_lazy("Chamado fechado como fora do escopo; o solicitante foi avisado."),
    ),
}


@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    return render_detail(request, get_ticket_for_staff(request, code))


@login_required
@require_POST
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    ticket = get_ticket_for_staff(request, code)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(action)
    form = spec.form(request.POST, ticket)
    if not form.is_valid():
        placed = _field_errors({action: form})
        for name, errors in form.errors.items():  # a field's error sits next to it; any other on top
            if f"{_group(action)}_{name}" not in placed:
                messages.error(request, " ".join(str(e) for e in errors))
        return render_detail(request, ticket, {action: form}, status=400)
    if request.POST.get("mode") == NOTE_MODE and action in PUBLIC_ACTIONS:
        messages.error(request, _("O editor está no modo nota interna: nada foi enviado ao cliente."))
        return render_detail(request, ticket, {action: form}, status=409)
    try:
        result = spec.run(ticket, user_of(request), {**form.cleaned_data, "seen": seen_of(request)})
    except actions.ActionError as exc:
        messages.error(request, error_text(exc, ticket))
        return render_detail(request, ticket, {action: form}, status=409, stale=isinstance(exc, actions.StaleError))
    if action in COMPOSED:
        presence.drop_draft(ticket, user_of(request))
    if result.pk != ticket.pk and action == "merge":
        messages.success(request, str(spec.done))
    elif result.pk != ticket.pk:
        messages.info(request, _("O chamado estava fechado: a mensagem abriu o chamado #%(n)s.") % {"n": result.number})
    else:
        messages.success(request, str(spec.done))
    return redirect("tickets:detail", code=result.code)


# The fields whose errors the ticket page shows next to them (the composer's text is one field
# for every action it posts).
PLACED_ERRORS = frozenset(
    {"composer_text", "customer_reply_person", "customer_reply_text", "link_number", "merge_number"}
)


def _group(action: str) -> str:
    return "composer" if action in COMPOSED else action


def _field_errors(bound: dict[str, django_forms.Form]) -> dict[str, str]:
    """``<form group>_<field>`` -> its errors in words, for the fields the page places them by."""
    out = {}
    for action, form in bound.items():
        for name, errors in form.errors.items():
            key = f"{_group(action)}_{name}"
            if key in PLACED_ERRORS:
                out[key] = " ".join(str(e) for e in errors)
    return out


NOTE_MODE = "note"
PUBLIC_ACTIONS = frozenset({"reply", "reply_start", "wait", "resolve"})  # what the customer is sent
COMPOSED = PUBLIC_ACTIONS | {"note"}  # the composer's actions: once one is done, its draft is gone


def seen_of(request: HttpRequest) -> int | None:
    """The last event of the ticket the posting page showed (``seen``), if it says."""
    value = request.POST.get("seen", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def error_text(exc: actions.ActionError, ticket: Ticket) -> str:
    """A refused action in the desk's language; the action's own words follow for the detail."""
    if isinstance(exc, actions.StaleError):
        return _(
            "%(who)s alterou este chamado depois que a sua página foi aberta: nada foi feito. "
            "A página abaixo já mostra o chamado atual e o seu texto foi mantido; confira e repita."
        ) % {"who": exc.by or _("sistema")}
    if exc.code == actions.FORBIDDEN_TRANSITION:
        return _("Esta ação não é possível com o chamado na situação “%(status)s”.") % {
            "status": ticket.get_status_display()
        }
    if exc.code == actions.FORBIDDEN:
        return _("Você não pode agir sobre chamados deste cliente.")
    if exc.code == actions.NOT_ENTITLED:
        return _("O solicitante não tem direito a abrir chamados: %(detail)s") % {"detail": exc}
    return _("Não foi possível registrar: %(detail)s") % {"detail": exc}


def render_detail(
    request: HttpRequest, ticket: Ticket, bound: dict[str, django_forms.Form] | None = None, status: int = 200,
    *, stale: bool = False, filled: macros.Filled | None = None,
) -> HttpResponse:  # fmt: skip
    now = timezone.now()
    policy = clocks.policy_for(ticket)
    events = list(ticket.events.select_related("message__author_staff", "message__author_person").order_by("seq"))
    linked = {e.message_id for e in events if e.message_id}
    messages_ = list(ticket.messages.select_related("author_staff", "author_person"))
    orphans = [m for m in messages_ if m.pk not in linked and not _is_description(ticket, m)]
    files = list(ticket.attachments.all())
    described = next((m.pk for m in messages_ if _is_description(ticket, m)), None)
    # What clocks.metrics_json(ticket, now) returns, with the events already loaded and
    # the engine's anchors at hand (a breached metric may still be running).
    evaluation = clocks.evaluate_ticket(ticket, max(now, ticket.received_at), events)
    sla = evaluation_to_json(policy, evaluation)
    running = {name for name, m in evaluation.metrics.items() if m.anchor is not None}
    forms = {name: spec.form(None, ticket) for name, spec in ACTIONS.items() if _allowed(ticket, name)}
    _show_current(forms, ticket)
    forms.update(bound or {})
    context = {
        "ticket": ticket,
        "policy": policy,
        "timeline": entries(ticket, events, orphans, policy, attachments=files, described=described),
        "sla": sla_panel(sla, running, policy, now),
        "sla_priority": sla["priority"],
        "forms": forms,
        "field_errors": _field_errors(bound or {}),
        "missing": _missing(ticket, policy),
        "failed_emails": list(ticket.outboxmessage_set.filter(failed_at__isnull=False).order_by("pk")),
        "related": queries.visible_related(profile_of(request.user), ticket),  # never another partner's ticket
        "now": now,
        "suggestions": suggestions(ticket, policy),
        "outage": bool((ticket.triage or {}).get("outage")) and not ticket.priority,
        "category_label": _category_label(ticket.category, policy),
        "attachments": files,
        "seen": events[-1].seq if events else 0,
        "stale": stale,
        **_composer(request, ticket, bound or {}, filled),
        "macros": macros.available(ticket),
        "poll_seconds": presence.POLL_SECONDS,
        "me": request.user,
        "priority_choices": priority_choices(policy),
        "links": queries.visible_links(profile_of(request.user), ticket),
    }
    return render(request, "tickets/detail.html", context, status=status)


def _composer(
    request: HttpRequest, ticket: Ticket, bound: dict[str, django_forms.Form], filled: macros.Filled | None
) -> dict[str, Any]:
    """The composer's text and mode: what was just posted (a refused action keeps it), else a
    saved reply just chosen, else the agent's draft, else empty in the public mode."""
    if filled is not None:
        return {"composer_text": filled.text, "mode": "public", "draft": None, "filled": filled}
    posted = next((f.data.get("text", "") for name, f in bound.items() if name in COMPOSED and f.is_bound), None)
    if posted is not None:
        mode = NOTE_MODE if request.POST.get("mode") == NOTE_MODE else "public"
        return {"composer_text": posted, "mode": mode, "draft": None}
    draft = presence.draft_of(ticket, user_of(request))
    if draft is None:
        return {"composer_text": "", "mode": "public", "draft": None}
    return {"composer_text": draft.text, "mode": NOTE_MODE if draft.mode == NOTE_MODE else "public", "draft": draft}


TYPING, VIEWING = gettext_lazy("%(name)s está escrevendo…"), gettext_lazy("%(name)s está vendo")


@login_required
@require_POST
def poll(request: HttpRequest, code: str) -> JsonResponse:
    """The ticket page's poll (every ``presence.POLL_SECONDS``): this agent is here (typing or
    not, or gone when the page closes); who else is, and whether the ticket changed since the
    event the page was rendered from (``seen``), by whom."""
    ticket = get_ticket_for_staff(request, code)
    user, now = user_of(request), timezone.now()
    if request.POST.get("gone"):
        presence.left(ticket, user)
        return JsonResponse({"gone": True})
    presence.record(ticket, user, now, typing=request.POST.get("typing") == "1")
    here = [
        {"name": o.name, "typing": o.typing, "text": (TYPING if o.typing else VIEWING) % {"name": o.name}}
        for o in presence.others(ticket, user, now)
    ]
    seen = seen_of(request)
    change = presence.changed_since(ticket, user, seen) if seen is not None else None
    changed = None
    if change is not None:
        who = change.by or _("sistema")
        changed = {"seq": change.seq, "by": who, "text": _("%(who)s alterou este chamado.") % {"who": who}}
    return JsonResponse({"others": here, "changed": changed, "poll": presence.POLL_SECONDS})


@login_required
@require_POST
def draft(request: HttpRequest, code: str) -> JsonResponse:
    """Keep what the agent is typing (the page sends it a moment after they stop)."""
    ticket = get_ticket_for_staff(request, code)
    mode = NOTE_MODE if request.POST.get("mode") == NOTE_MODE else "public"
    text = request.POST.get("text", "").replace("\x00", "")
    presence.save_draft(ticket, user_of(request), text, mode, timezone.now())
    return JsonResponse({"saved": bool(text.strip())})


@dataclass(frozen=True)
class PriorityChoice:
    name: str
    label: str
    description: str


def priority_choices(policy: Policy) -> list[PriorityChoice]:
    """The policy's priorities, each readable whole: its label and its description."""
    return [
        PriorityChoice(p.name, policy_label(p), policy_text(p.description, p.description_en))
        for p in policy.priorities.values()
    ]


@login_required
def priority_preview(request: HttpRequest, code: str) -> HttpResponse:
    """The deadlines a new priority would give (``preview.priority_preview``: nothing is
    written), with the button that confirms it; ``partial=1``: the fragment the page's script
    puts beside the choices."""
    ticket = get_ticket_for_staff(request, code)
    policy = clocks.policy_for(ticket)
    priority = queue_.clean_param(request.GET.get("priority", ""), 16)
    if priority not in policy.priorities:
        messages.error(request, _("Escolha uma das prioridades."))
        return render_detail(request, ticket, status=400)
    if not _allowed(ticket, "set_priority"):
        messages.error(request, error_text(actions.ActionError(actions.FORBIDDEN_TRANSITION, ""), ticket))
        return render_detail(request, ticket, status=409)
    chosen = next(c for c in priority_choices(policy) if c.name == priority)
    context = {
        "ticket": ticket,
        "preview": preview.priority_preview(ticket, priority, timezone.now()),
        "chosen": chosen,
    }
    partial = bool(request.GET.get("partial"))
    return render(request, "tickets/_priority_preview.html" if partial else "tickets/priority_preview.html", context)


@dataclass(frozen=True)
class Suggestion:
    """What the intake's triage suggests, why, and the action that accepts it; ``confirm``:
    accepting it closes the ticket (out of scope), so the page asks first."""

    kind: str  # priority | category
    value: str  # the code: P1, bug, usage...
    label: str
    reason: str
    action: str
    confirm: bool = False


def suggestions(ticket: Ticket, policy: Policy) -> list[Suggestion]:
    """The triage's suggestions that still differ from what is set on the ticket, while the
    ticket can still take them (a closed ticket has nothing left to accept)."""
    reasons = ticket.triage or {}
    out = []
    priority = ticket.suggested_priority
    if priority and priority != ticket.priority and priority in policy.priorities:
        label = policy_label(policy.priorities[priority])
        out.append(Suggestion("priority", priority, label, str(reasons.get("priority_reason", "")), "set_priority"))
    category = policy.scope.categories.get(ticket.suggested_category)
    if category is not None and category.name != ticket.category:
        action = "set_category" if category.in_scope else "out_of_scope"
        reason = str(reasons.get("category_reason", ""))
        out.append(Suggestion("category", category.name, policy_label(category), reason, action, not category.in_scope))
    return [s for s in out if _allowed(ticket, s.action)]


def _category_label(name: str, policy: Policy) -> str:
    category = policy.scope.categories.get(name)
    return policy_label(category) if category is not None else name


def _show_current(forms: dict[str, django_forms.Form], ticket: Ticket) -> None:
    """The selects start at the ticket's current assignee and priority."""
    if "assign" in forms:
        forms["assign"].initial["assignee"] = ticket.assignee_id
    if "set_affected" in forms:
        forms["set_affected"].initial.update(
            affected_person=ticket.affected_person_id, affected_store=ticket.affected_store_id
        )
    if "set_priority" in forms and ticket.priority:
        forms["set_priority"].initial["priority"] = ticket.priority


def _allowed(ticket: Ticket, action: str) -> bool:
    spec = ACTIONS.get(action)
    steps = (spec.needs if spec is not None else ()) or (action,)
    return all(ticket.status in actions.ALLOWED_FROM.get(step, ()) for step in steps)


def _is_description(ticket: Ticket, m: Message) -> bool:
    """The request's first message, shown with the "created" event."""
    return m.kind == Message.Kind.INBOUND and m.created_at == ticket.received_at and m.body == ticket.description


def _missing(ticket: Ticket, policy: Any) -> list[str]:
    labels = {i.key: policy_label(i) for i in policy.required_information}
    return [labels.get(key, key) for key in ticket.missing_information or []]


# ---- attachments ------------------------------------------------------------------------
SHOWN_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})
HIDDEN = ("Cc", "Cf", "Zl", "Zp")
UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')


def safe_filename(name: str, pk: int) -> str:
    """The stored name (already safe when kept) made safe again for a download header: no
    control or direction characters (an "exe.pdf" spoof), no path or quote characters."""
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c) not in HIDDEN)
    cleaned = UNSAFE_IN_NAMES.sub("_", name).strip(" ._")[:150]
    return cleaned or f"anexo-{pk}"


@login_required
def attachment(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """A file of the ticket, to whoever may see the ticket (404 to anyone else), always as a
    download: never shown inline by the desk's origin, never sniffed into something else."""
    ticket = get_ticket_for_staff(request, code)
    item: Attachment = get_object_or_404(ticket.attachments, pk=pk)
    try:
        data = attachment_path(item.path).open("rb")
    except OSError:
        raise Http404("the attachment's file is missing") from None
    content_type = item.content_type if item.content_type in SHOWN_TYPES else "application/octet-stream"
    response = FileResponse(
        data, as_attachment=True, filename=safe_filename(item.name, item.pk), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
