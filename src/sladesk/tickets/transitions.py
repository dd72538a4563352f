"""Which action may run from which status, where it leads, and what the SLA clocks see.

The one table the actions (``actions/``), the ticket page's forms (``views.py``) and the
demo generator (``ops/demo/history.py``) read: an action is possible from a status only
when the table has a step for it, and the step says the status that follows (``None``:
unchanged) and the timeline event the SLA engine sees (``""``: none).
"""

from __future__ import annotations

from dataclasses import dataclass

from sladesk.tickets.models import OPEN_STATUSES, Status


@dataclass(frozen=True, slots=True)
class Step:
    to: str | None  # the status after the action; None leaves it as it is
    sla_type: str = ""  # the event of the SLA timeline (``priority_set``, ``resolved``, ...)


def _same(statuses: tuple[str, ...], sla_type: str = "") -> dict[str, Step]:
    return {status: Step(None, sla_type) for status in statuses}


def _to(statuses: tuple[str, ...], to: str, sla_type: str) -> dict[str, Step]:
    return {status: Step(to, sla_type) for status in statuses}


S = Status
WORKABLE = (*OPEN_STATUSES, S.RESOLVED)  # a resolved ticket can still be answered and reassigned
EVERY = (*WORKABLE, S.CLOSED)

TRANSITIONS: dict[str, dict[str, Step]] = {
    "set_priority": _same(WORKABLE, "priority_set"),
    "reply": _same(WORKABLE, "public_reply"),
    "start": _to((S.NEW,), S.IN_PROGRESS, "handling_started"),
    "wait": _to((S.NEW, S.IN_PROGRESS), S.WAITING_ON_CUSTOMER, "waiting_on_customer"),
    # A customer's message: it ends a wait, reopens a resolved ticket (within the policy's
    # window; after it, or once closed, it opens a follow-up ticket instead).
    "customer_reply": {
        S.NEW: Step(None),
        S.IN_PROGRESS: Step(None),
        S.WAITING_ON_CUSTOMER: Step(S.IN_PROGRESS, "customer_replied"),
        S.RESOLVED: Step(S.IN_PROGRESS, "reopened"),
    },
    "resolve": _to(OPEN_STATUSES, S.RESOLVED, "resolved"),
    "reopen": _to((S.RESOLVED,), S.IN_PROGRESS, "reopened"),
    "close": _to((S.RESOLVED,), S.CLOSED, "closed"),
    "note": _same(EVERY),
    "assign": _same(WORKABLE),
    "set_affected": _same(WORKABLE),
    "set_category": _same(WORKABLE),  # an in-scope category confirmed: no clock sees it
    # A customer's message that could not open its follow-up, kept on the old ticket.
    "customer_message_kept": _same(EVERY),
    "out_of_scope": _to(OPEN_STATUSES, S.CLOSED, "out_of_scope"),
    # Related tickets: recorded on both, whatever their status.
    "link": _same(EVERY),
    # A duplicate merged into another: the duplicate closes with its clocks excluded (the
    # engine's exclusion event, as out of scope), the other records what it received.
    "merged_into": _to(WORKABLE, S.CLOSED, "out_of_scope"),
    "merge": _same(WORKABLE),
    # What the clocks did, recorded whatever the status (a deadline may have passed before an
    # action closed the ticket): never a change of status.
    "sla_breached": _same(EVERY),
}

# Which statuses each action may start from (the page shows a form only for these).
ALLOWED_FROM: dict[str, tuple[str, ...]] = {action: tuple(steps) for action, steps in TRANSITIONS.items()}


def step(action: str, status: str) -> Step | None:
    """The step ``action`` takes from ``status``, or None when it is not possible."""
    return TRANSITIONS[action].get(status)
