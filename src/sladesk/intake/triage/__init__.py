"""Triage of a new request: a suggested category and priority, each with its reason in pt-BR; the
policy's required information the request lacks; the affected person and store.

Pure (no Django): text in, values out. Suggestions only; an agent confirms each one.

How it reads an email:

1. ``read`` splits it into parts: the subject, the new text, a forwarded message, and quoted history
   (below "Em ..., X escreveu:", "-----Mensagem original-----", ">" lines). It drops what is nobody's
   request: a forwarded message's headers ("De:", "Enviado:"), signatures ("Att," and what follows, a
   trailing block of names, roles and phones, "Enviado do meu iPhone"), a greeting's name.
2. Each part is *folded* (lower case, no accents) to the same length, so a signal found in the folded
   text quotes the writer's own words in the reasons.
3. Tables of pt-BR signals (regular expressions on folded text) are searched once per part. The new
   text and the subject weigh 1, a forwarded message 0.8 (it usually is the request), quoted history
   0.2: it decides the category only when nothing newer does, and it never makes an outage, never
   says availability and never answers a required item (it is what was said before). A subject with
   "Re:" counts as quoted history, with "Enc:" or "Fwd:" as forwarded.

Required information: the keys come from ``policy.required_information``, in its order. Each key the
code knows (the default policy's five) has a recogniser; any key is also answered by a "Campo: valor"
line naming it (its key, its label, or a usual field name). A key the code does not know, and that no
such line answers, is reported missing: the code cannot tell, and asking is better than not asking.
Missing items are computed for every request, whatever its category; the caller decides what to show.

Priorities are the policy's, read most urgent first (the file's order, P1 P2 P3 by default): a
suspected outage suggests the first, a bug the second unless it is minor, an out-of-scope request or
a minor bug the last; no signal at all suggests none (the policy's default applies).

Where each part lives: ``words`` (folding, the tables' machinery), ``signals`` (the pt-BR tables),
``reading`` (the parts of an email and the hits in them), ``scope`` (category, outage, priority),
``people`` (the affected person and store), ``completeness`` (the required items); ``triage``
below puts them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sladesk.intake.triage.completeness import missing_information
from sladesk.intake.triage.people import Candidate, Directory, who_and_where
from sladesk.intake.triage.reading import Reading, read
from sladesk.intake.triage.rules import Rules
from sladesk.intake.triage.scope import CATEGORIES, categorise, in_scope, outage_signals, prioritise, scope_category
from sladesk.intake.triage.signals import SCORES
from sladesk.intake.triage.words import Row, fold, needles

__all__ = [
    "CATEGORIES", "SCORES", "Candidate", "Directory", "Row", "Triage", "fold", "in_scope", "needles", "read",
    "scope_category", "triage",
]  # fmt: skip


@dataclass(frozen=True)
class Triage:
    priority: str  # suggested priority, one of policy.priorities ("" if no signal at all: the policy default applies)
    priority_reason: str  # pt-BR, short: which words or signals decided it
    category: str  # one of CATEGORIES
    category_reason: str  # pt-BR, short
    missing: tuple[str, ...]  # keys of policy.required_information the request lacks, in the policy's order
    affected_email: str  # the affected person matched among the candidates ("" if none matched)
    affected_store: str  # the store named (the directory's name when it is one), else the person's; "" if none
    outage: bool  # a suspected P1 (platform down)


# ---- the triage -------------------------------------------------------------------------------------------------
def triage(subject: str, text: str, policy: Rules, people: Sequence[Candidate] = ()) -> Triage:
    """Suggestions for a new request: category, priority, what is missing, who and where."""
    reading = Reading(read(subject, text))
    outage = outage_signals(reading)
    category, category_reason = categorise(reading, bool(outage[0]))
    priority, priority_reason = prioritise(policy, reading, category, outage)
    facts = who_and_where(reading, Directory.of(people))
    return Triage(
        priority=priority,
        priority_reason=priority_reason,
        category=category,
        category_reason=category_reason,
        missing=missing_information(policy, reading, facts),
        affected_email=facts.person.email if facts.person else "",
        affected_store=facts.store,
        outage=bool(outage[0]),
    )
