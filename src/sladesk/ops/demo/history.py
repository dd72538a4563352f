"""What happened to one bulk demo ticket: a plausible run of the desk's actions on
its clocks, and the event rows those actions append (same codes, same before and
after). ``bulk.py`` evaluates them with the SLA engine and writes them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sladesk.core.calendar import Calendar
from sladesk.core.instants import HOUR_US, US
from sladesk.tickets import transitions
from sladesk.tickets.models import Channel, Status, Ticket

DAY_US = 24 * HOUR_US
OUT_OF_SCOPE = ("installation", "access", "usage_question")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(instant: int | None) -> str | None:
    """As the actions write an instant into the event log (``from_us(instant).isoformat()``)."""
    return None if instant is None else (_EPOCH + timedelta(microseconds=instant)).isoformat()


@dataclass(slots=True)
class Step:
    at: int
    action: str
    value: str = ""  # the priority for set_priority, the category for out_of_scope


class History:
    """Steps in time order; each waits a random while on the business calendar or the wall clock."""

    def __init__(self, rng: random.Random, cal: Calendar, received: int) -> None:
        self.rng, self.cal, self.t = rng, cal, received
        self.steps: list[Step] = []
        self.business = True

    def after(self, mean_minutes: float, action: str, value: str = "", business: bool | None = None) -> None:
        d = int(self.rng.expovariate(1 / mean_minutes) * 60 + 1) * US
        on_business = self.business if business is None else business
        self.t = self.cal.add_us(self.t, d) if on_business else self.t + d
        self.steps.append(Step(self.t, action, value))


def history(rng: random.Random, cal: Calendar, received: int, channel: str, initial: str | None) -> list[Step]:
    """A ticket's whole life, some of it perhaps still in the future (the caller cuts at now)."""
    h = History(rng, cal, received)
    priority = initial
    if priority is None and rng.random() < 0.92:
        priority = rng.choices(("P1", "P2", "P3"), (8, 55, 37))[0]
        h.after(20, "set_priority", priority, business=priority != "P1")
    h.business = priority != "P1"  # a P1 is worked at any hour, the rest in business hours
    if rng.random() < 0.06:
        h.after(60, "out_of_scope", rng.choice(OUT_OF_SCOPE))
        return h.steps
    if rng.random() < 0.003:  # nobody ever touched it
        return h.steps
    if channel != Channel.PHONE:
        h.after(45, "reply")
    h.after(20, "start")
    if rng.random() < 0.005:  # forgotten in progress
        return h.steps
    if rng.random() < 0.3:
        h.after(90, "wait")
        if rng.random() < 0.04:  # the customer never answers
            return h.steps
        h.after(18 * 60, "customer_replied", business=False)
    h.after({"P1": 150, "P3": 1200}.get(priority or "", 540), "resolve")
    if rng.random() < 0.05:  # the customer writes back within the reopen window
        h.t += rng.randrange(HOUR_US, 6 * DAY_US) // US * US
        h.steps.append(Step(h.t, "reopened"))
        h.after(240, "resolve")
    h.steps.append(Step(h.t + 7 * DAY_US + 5 * US, "close"))  # the worker's auto-close
    return h.steps


@dataclass(slots=True)
class Row:
    """One event row, before it has its ticket: what the action appends."""

    at: int
    action: str
    sla_type: str = ""
    priority: str = ""
    actor: str = "staff"  # staff | person | system
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


# Each step as its action writes it: the event's action code, who acts, the fields it sets
# besides the status. The status that follows and the SLA event come from the desk's own
# transition table (``tickets/transitions.py``), as in the actions.
EFFECTS: dict[str, tuple[str, str, Callable[[Step], dict[str, Any]]]] = {
    "set_priority": ("set_priority", "staff", lambda s: {"priority": s.value}),
    "reply": ("reply", "staff", lambda s: {}),
    "start": ("start", "staff", lambda s: {}),
    "wait": ("wait", "staff", lambda s: {}),
    "customer_replied": ("customer_reply", "person", lambda s: {}),
    "reopened": ("customer_reply", "person", lambda s: {"resolved_at": None}),
    "resolve": ("resolve", "staff", lambda s: {"resolved_at": s.at}),
    "close": ("close", "system", lambda s: {"closed_at": s.at}),
    "out_of_scope": (
        "out_of_scope", "staff",
        lambda s: {"outcome": Ticket.Outcome.OUT_OF_SCOPE.value, "category": s.value, "closed_at": s.at},
    ),
}  # fmt: skip


class Replay:
    """The ticket's fields as the steps change them, and each step's event row."""

    def __init__(self, handler: int, initial: str | None) -> None:
        self.handler = handler
        self.fields: dict[str, Any] = {
            "status": Status.NEW.value, "priority": initial or "", "outcome": "", "category": "",
            "assignee": None, "resolved_at": None, "closed_at": None,
        }  # fmt: skip

    def row(self, step: Step) -> Row:
        action, actor, effect = EFFECTS[step.action]
        move = transitions.step(action, self.fields["status"])
        if move is None:  # the generator asked for what the desk refuses: a bug here
            raise ValueError(f"{action} is not possible from {self.fields['status']}")
        changes = effect(step)
        if step.action == "start" and self.fields["assignee"] is None:
            changes["assignee"] = self.handler  # do_start_ticket assigns whoever starts it
        if move.to is not None:
            changes.setdefault("status", str(move.to))
        before = {k: self._plain(k, self.fields[k]) for k in changes}
        self.fields.update(changes)
        after = {k: self._plain(k, v) for k, v in changes.items()}
        priority = step.value if step.action == "set_priority" else ""
        return Row(step.at, action, move.sla_type, priority, actor, before, after)

    @staticmethod
    def _plain(key: str, value: Any) -> Any:
        return iso(value) if key.endswith("_at") else value
