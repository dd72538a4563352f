"""A ticket's history as the desk shows it: the event log with its messages (a customer's
with its quoted history and signature folded away, the original kept), the files that came
with them, field changes and the deadlines before and after each SLA event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sladesk.core.policy import Policy
from sladesk.directory.models import Person, Store
from sladesk.intake.parse import split_quoted
from sladesk.tickets.models import Attachment, Message, Status, Ticket, TicketEvent
from sladesk.tickets.presenters import format_when, metric_label, policy_label, state_text


def action_text(action: str) -> str:
    return {
        "created": _("Chamado aberto"),
        "set_priority": _("Prioridade alterada"),
        "reply": _("Resposta pública"),
        "start": _("Atendimento iniciado"),
        "wait": _("Aguardando o cliente"),
        "customer_reply": _("Mensagem do cliente"),
        "resolve": _("Resolvido"),
        "reopen": _("Reaberto"),
        "close": _("Fechado"),
        "note": _("Nota interna"),
        "assign": _("Responsável alterado"),
        "set_affected": _("Usuário afetado alterado"),
        "set_category": _("Categoria confirmada"),
        "out_of_scope": _("Fora do escopo"),
        "sla_breached": _("Prazo de SLA estourado"),
        "sla_warning": _("Aviso de SLA: 75 % do prazo usado"),
        "deadlines_recomputed": _("Prazos recalculados (calendário alterado)"),
        "customer_message_kept": _("Mensagem do cliente guardada (não abriu chamado)"),
        "link": _("Chamados relacionados"),
        "merge": _("Duplicado mesclado neste chamado"),
        "merged_into": _("Mesclado em outro chamado (duplicado)"),
    }.get(action, action)


@dataclass
class Deadline:
    metric: str
    before: str
    after: str


@dataclass
class Entry:
    at: datetime
    action: str  # the code, also the CSS class
    title: str
    actor: str
    body: str = ""
    message_kind: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (what, before, after)
    deadlines: list[Deadline] = field(default_factory=list)
    sla: bool = False  # the event moves an SLA clock
    quoted: str = ""  # a customer message's quoted history and signature, folded away
    attachments: list[Attachment] = field(default_factory=list)
    recorded_by: str = ""  # a customer's message an agent recorded (a phone call): the agent

    def show(self, body: str, kind: str) -> None:
        """The message's text: a customer's new part apart from what it quotes."""
        self.message_kind = kind
        self.body, self.quoted = split_quoted(body) if kind == Message.Kind.INBOUND else (body, "")


def entries(
    ticket: Ticket, events: list[TicketEvent], orphans: list[Message], policy: Policy, *,
    attachments: Sequence[Attachment] = (), described: int | None = None,
) -> list[Entry]:  # fmt: skip
    """Events in order, each with its message and the files that came with it; messages with
    no event (if any) by time. ``described``: the request's own message (the created event's)."""
    people = _staff_names(events)
    actors = _actor_names(events)
    told = _told(ticket) if any(e.action in ("sla_breached", "sla_warning") for e in events) else {}
    files: dict[int, list[Attachment]] = {}
    for a in attachments:
        if a.message_id is not None:
            files.setdefault(a.message_id, []).append(a)
    out = []
    for e in events:
        entry = _entry(ticket, e, policy, people, actors)
        kind = {"sla_breached": "breach", "sla_warning": "warning"}.get(e.action)
        if kind and told.get((kind, e.at)):
            entry.changes.append((_("avisados"), "", ", ".join(told[kind, e.at])))
        message = e.message_id or (described if e.action == "created" else None)
        entry.attachments = files.get(message, []) if message else []
        out.append(entry)
    for m in orphans:
        entry = Entry(m.created_at, "message", _kind_text(m.kind), _author(m), attachments=files.get(m.pk, []))
        entry.show(m.body, m.kind)
        out.append(entry)
    out.sort(key=lambda e: e.at)
    return out


def _entry(
    ticket: Ticket, e: TicketEvent, policy: Policy, people: dict[str, dict[int, str]], actors: dict[str, str]
) -> Entry:
    actor = _actor(e.actor_label, actors)
    entry = Entry(e.at, e.action, action_text(e.action), actor, sla=bool(e.sla_type))
    if e.message is not None:
        entry.show(e.message.body, e.message.kind)
        person = e.message.author_person
        if person is not None and e.actor_label not in ("", "system", person.email):
            entry.actor, entry.recorded_by = person.name, actor
    elif e.action == "created":
        entry.show(ticket.description, Message.Kind.INBOUND)
    entry.changes = _changes(e, people, policy)
    entry.deadlines = _deadlines(e, policy)
    if e.action in ("link", "merge", "merged_into"):
        entry.changes = _related(e)
    if e.action == "customer_message_kept":
        entry.changes = [(_("motivo"), "", str((e.after or {}).get("reason", "")))]
    if e.action in ("sla_breached", "sla_warning"):
        crossed = (e.after or {}).get("breached" if e.action == "sla_breached" else "warning", {})
        entry.changes = [
            (metric_label(name, policy), "", _("prazo %(due)s") % {"due": _when(due)}) for name, due in crossed.items()
        ]
    return entry


def _related(e: TicketEvent) -> list[tuple[str, str, str]]:
    """The other ticket of a link or a merge, and why the merged one's clocks are excluded."""
    after = e.after or {}
    if e.action == "link":
        return [(_("relacionado a"), "", f"#{after.get('linked')}")]
    if e.action == "merge":
        n = int(after.get("messages", 0))
        moved = ngettext("%(n)s mensagem trazida", "%(n)s mensagens trazidas", n) % {"n": n}
        return [(_("mesclado aqui"), "", f"#{after.get('merged')} ({moved})")]
    return [
        (_("mesclado em"), "", f"#{after.get('into')}"),
        (_("prazos"), "", _("excluídos: duplicado; o atendimento continua no outro chamado")),
    ]


def _told(ticket: Ticket) -> dict[tuple[str, datetime], list[str]]:
    """Who was told of each crossing (kind, instant recorded): names, or the webhook's name."""
    from sladesk.notifications.models import Notification  # tickets <- notifications

    out: dict[tuple[str, datetime], list[str]] = {}
    rows = Notification.objects.filter(ticket=ticket).select_related("recipient", "webhook").order_by("id")
    for n in rows:
        if n.recipient is not None:
            name = n.recipient.get_full_name() or n.recipient.email
        else:
            name = n.webhook.name if n.webhook is not None else n.to
        names = out.setdefault((n.kind, n.created_at), [])
        if name not in names:
            names.append(name)
    return out


def _changes(e: TicketEvent, people: dict[str, dict[int, str]], policy: Policy) -> list[tuple[str, str, str]]:
    out = []
    labels = {
        "status": _("situação"),
        "priority": _("prioridade"),
        "assignee": _("responsável"),
        "affected_person": _("usuário afetado"),
        "affected_store": _("loja"),
        "category": _("categoria"),
        "outcome": _("desfecho"),
    }
    for key, label in labels.items():
        if key in (e.after or {}) and e.action != "created":
            before, after = (e.before or {}).get(key), e.after[key]
            out.append((label, _value(key, before, people, policy), _value(key, after, people, policy)))
    return out


def _value(key: str, value: Any, people: dict[str, dict[int, str]], policy: Policy) -> str:
    if value in (None, ""):
        return "—"
    if key == "category" and value in policy.scope.categories:
        return policy_label(policy.scope.categories[value])
    if key == "status":
        return str(Status(value).label) if value in Status.values else str(value)
    if key in people:
        return people[key].get(value, f"#{value}")
    if key == "outcome" and value == Ticket.Outcome.OUT_OF_SCOPE:
        return str(Ticket.Outcome.OUT_OF_SCOPE.label)
    return str(value)


def _deadlines(e: TicketEvent, policy: Policy) -> list[Deadline]:
    """Each metric whose state or deadline the event changed, before → after."""
    before, after = e.deadlines_before or {}, e.deadlines_after or {}
    out = []
    for name, now in after.items():
        then = before.get(name)
        if then is not None and (then.get("state"), then.get("due")) == (now.get("state"), now.get("due")):
            continue
        if then is None and now.get("state") == "not_applicable":
            continue
        out.append(Deadline(metric_label(name, policy), _deadline_text(then), _deadline_text(now)))
    return out


def _deadline_text(snapshot: dict[str, Any] | None) -> str:
    if not snapshot:
        return ""
    text = state_text(snapshot.get("state", ""))
    if snapshot.get("due") and snapshot.get("state") != "paused":
        text += " · " + _when(snapshot["due"])
    if snapshot.get("priority"):
        text += f" ({snapshot['priority']})"
    return text


def _when(iso: str) -> str:
    return format_when(datetime.fromisoformat(iso))


def _actor(label: str, names: dict[str, str]) -> str:
    """Who did it, as the page says it: a name; the system in words ("sistema", "system")."""
    if label in ("", "system"):
        return _("sistema")
    return names.get(label.lower(), label)


def _actor_names(events: list[TicketEvent]) -> dict[str, str]:
    """The events' actors (stored as emails, an audit code) by their names: staff first, then
    the customers' people (2 queries at most)."""
    emails = {e.actor_label.lower() for e in events if "@" in e.actor_label}
    if not emails:
        return {}
    names = {p.email.lower(): p.name for p in Person.objects.filter(email__in=emails) if p.name}
    for u in User.objects.filter(email__in=emails):
        names[u.email.lower()] = u.get_full_name() or names.get(u.email.lower(), u.email)
    return names


def _staff_names(events: list[TicketEvent]) -> dict[str, dict[int, str]]:
    """Names for the ids the events mention: staff, affected people and stores (3 queries at most)."""
    ids: dict[str, set[int]] = {"assignee": set(), "affected_person": set(), "affected_store": set()}
    for e in events:
        for side in (e.before or {}, e.after or {}):
            for key, found in ids.items():
                if isinstance(side.get(key), int):
                    found.add(side[key])
    users = User.objects.filter(pk__in=ids["assignee"]) if ids["assignee"] else []
    persons = Person.objects.filter(pk__in=ids["affected_person"]) if ids["affected_person"] else []
    stores = Store.objects.filter(pk__in=ids["affected_store"]) if ids["affected_store"] else []
    return {
        "assignee": {u.pk: u.get_full_name() or u.email or u.username for u in users},
        "affected_person": {p.pk: p.name for p in persons},
        "affected_store": {st.pk: st.name for st in stores},
    }


def _kind_text(kind: str) -> str:
    return str(Message.Kind(kind).label) if kind in Message.Kind.values else kind


def _author(m: Message) -> str:
    if m.author_staff is not None:
        return m.author_staff.get_full_name() or m.author_staff.email
    if m.author_person is not None:
        return m.author_person.name
    return _("sistema")
