"""Saved replies (macros): the supervisors' texts, and the policy's own out-of-scope answers,
each filled in for one ticket (who asked, its number, its deadlines) before the agent sends it.

Placeholders are words in braces; one the desk does not know is left as typed, so a text
never fails to fill."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from sladesk.core.instants import from_us
from sladesk.core.policy import Policy
from sladesk.tickets import clocks, notices
from sladesk.tickets.models import SavedReply, Ticket
from sladesk.tickets.presenters import format_when, metric_label, policy_label

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
POLICY = "policy:"  # the key of a policy answer: policy:<out-of-scope category>


def placeholders(ticket: Ticket, now: datetime) -> dict[str, str]:
    """What each placeholder says for this ticket: ``{solicitante}``, ``{chamado}``,
    ``{assunto}``, ``{cliente}``, ``{prioridade}``, and ``{prazo_<metric>}`` for each metric of
    the policy (``{prazo_resolution}``: the running deadline, in America/Sao_Paulo)."""
    evaluation = clocks.evaluate_ticket(ticket, max(now, ticket.received_at))
    values = {
        "solicitante": ticket.requester.name,
        "chamado": f"#{ticket.number}",
        "assunto": ticket.subject,
        "cliente": ticket.customer.name,
        "prioridade": evaluation.priority,
    }
    for name, metric in evaluation.metrics.items():
        values[f"prazo_{name}"] = format_when(from_us(metric.due)) if metric.due is not None else "—"
    return values


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def known(policy: Policy) -> list[tuple[str, str]]:
    """The placeholders and what they stand for (the supervisors' page lists them)."""
    metrics = [(f"{{prazo_{n}}}", _("prazo de %(m)s") % {"m": metric_label(n, policy)}) for n in policy.metrics]
    return [
        ("{solicitante}", _("o nome de quem abriu o chamado")), ("{chamado}", _("o número do chamado")),
        ("{assunto}", _("o assunto")), ("{cliente}", _("o cliente")), ("{prioridade}", _("a prioridade")), *metrics,
    ]  # fmt: skip


@dataclass(frozen=True)
class Macro:
    key: str  # the saved reply's id, or policy:<category>
    title: str
    then: str  # reply | wait | resolve | out_of_scope


def available(ticket: Ticket) -> list[Macro]:
    """The active saved replies, then the policy's out-of-scope answers (sending one closes
    the ticket as out of scope, as the action of that name does)."""
    saved = [Macro(str(r.pk), r.title, r.then) for r in SavedReply.objects.filter(is_active=True)]
    scope = clocks.policy_for(ticket).scope
    policy = [
        Macro(f"{POLICY}{c.name}", _("Fora do escopo: %(c)s") % {"c": policy_label(c)}, "out_of_scope")
        for c in scope.categories.values()
        if not c.in_scope
    ]
    return saved + policy


@dataclass(frozen=True)
class Filled:
    macro: Macro
    text: str
    category: str = ""  # for an out-of-scope answer


def filled(ticket: Ticket, key: str, now: datetime) -> Filled | None:
    """The macro ``key`` filled in for the ticket, or None when there is no such macro."""
    if key.startswith(POLICY):
        category = clocks.policy_for(ticket).scope.categories.get(key.removeprefix(POLICY))
        if category is None or category.in_scope:
            return None
        macro = Macro(key, policy_label(category), "out_of_scope")
        return Filled(macro, notices.out_of_scope_text(ticket, category.name), category.name)
    reply = SavedReply.objects.filter(pk=int(key), is_active=True).first() if key.isdigit() and len(key) < 10 else None
    if reply is None:
        return None
    return Filled(Macro(key, reply.title, reply.then), fill(reply.body, placeholders(ticket, now)))
