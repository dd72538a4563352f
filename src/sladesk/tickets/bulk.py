"""Bulk actions of the queue: the same ``do_*`` action on each chosen ticket, each in its own
transaction with its own event, and a result per ticket (done, or refused and why). One
ticket refused never undoes nor stops the others."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User

from sladesk.staff.models import StaffProfile
from sladesk.tickets import actions
from sladesk.tickets.models import Ticket
from sladesk.tickets.queries import visible_to

MAX_TICKETS = 200  # a page of the queue, and then some

ASSIGN, ASSIGN_ME, PRIORITY, CLOSE = "assign", "assign_me", "priority", "close"
OPERATIONS = (ASSIGN_ME, ASSIGN, PRIORITY, CLOSE)


@dataclass(frozen=True)
class Result:
    code: str
    ticket: Ticket | None  # None: no such ticket for this staff member (never says whose it is)
    error: actions.ActionError | None = None

    @property
    def done(self) -> bool:
        return self.ticket is not None and self.error is None


Run = Callable[[Ticket], Ticket]


def operation(op: str, user: User, assignee: User | None, priority: str) -> Run:
    """The action ``op`` stands for, as a function of one ticket."""
    if op == ASSIGN_ME:
        return lambda t: actions.do_assign_ticket(t, user, user)
    if op == ASSIGN:
        return lambda t: actions.do_assign_ticket(t, user, assignee)
    if op == PRIORITY:
        return lambda t: actions.do_set_ticket_priority(t, user, priority)
    if op == CLOSE:
        return lambda t: actions.do_close_ticket(t, user)
    raise ValueError(op)


def run(profile: StaffProfile, codes: list[str], do: Run) -> list[Result]:
    """``do`` on each ticket of ``codes`` this staff member may see, in the order given."""
    codes = list(dict.fromkeys(codes))[:MAX_TICKETS]
    found = {t.code: t for t in visible_to(profile).filter(code__in=codes).select_related("customer")}
    results = []
    for code in codes:
        ticket = found.get(code)
        if ticket is None:
            results.append(Result(code, None))
            continue
        try:
            results.append(Result(code, do(ticket)))
        except actions.ActionError as exc:
            results.append(Result(code, ticket, exc))
    return results
