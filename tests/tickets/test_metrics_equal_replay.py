"""The live metrics of a ticket always equal `sla replay` of its event log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.core.policy import load_default_policy
from sladesk.core.replay import replay_one
from sladesk.tickets import actions as a
from sladesk.tickets.actions import ActionError
from sladesk.tickets.clocks import timeline_json
from sladesk.tickets.models import Ticket
from tests.tickets.conftest import Cast, at

POLICY = load_default_policy()
STEPS = ["priority", "reply", "start", "wait", "customer_reply", "resolve", "reopen", "close", "note", "exclude"]


def act(cast: Cast, t: Ticket, step: str, arg: str, when: datetime) -> Ticket:
    calls = {
        "priority": lambda: a.do_set_ticket_priority(t, cast.ana, arg, now=when),
        "reply": lambda: a.do_reply_ticket(t, cast.ana, "Olá", now=when),
        "start": lambda: a.do_start_ticket(t, cast.ana, now=when),
        "wait": lambda: a.do_hold_ticket(t, cast.ana, "Qual loja?", now=when),
        "customer_reply": lambda: a.do_add_customer_reply(t, None, "Loja Centro", now=when),
        "resolve": lambda: a.do_resolve_ticket(t, cast.ana, "Feito", now=when),
        "reopen": lambda: a.do_reopen_ticket(t, cast.ana, now=when),
        "close": lambda: a.do_close_ticket(t, cast.ana, now=when),
        "note": lambda: a.do_add_note(t, cast.ana, "nota", now=when),
        "exclude": lambda: a.do_exclude_ticket(t, cast.ana, "usage_question", now=when),
    }
    return calls[step]()


def stored(t: Ticket) -> dict[str, tuple[str, datetime | None]]:
    return {m.name: (m.state, m.due_at if m.state != "paused" else None) for m in t.metrics.all()}


def replayed(t: Ticket, now: datetime) -> dict[str, tuple[str, datetime | None]]:
    out = replay_one(POLICY, timeline_json(t, now))["metrics"]
    return {name: (m["state"], datetime.fromisoformat(m["due"]) if m.get("due") else None) for name, m in out.items()}


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    channel=st.sampled_from(["email", "portal", "phone"]),
    start_hour=st.integers(0, 23 * 7),
    steps=st.lists(
        st.tuples(st.sampled_from(STEPS), st.sampled_from(["P1", "P2", "P3"]), st.integers(1, 60 * 30)),
        max_size=7,
    ),
)
def test_it_stores_what_replay_computes_after_every_action(
    cast: Cast, channel: str, start_hour: int, steps: list[tuple[str, str, int]]
) -> None:
    when = at("2027-03-01 00:00") + timedelta(hours=start_hour)
    t = cast.ticket(when.strftime("%Y-%m-%d %H:%M"), channel=channel, priority="P1" if channel == "phone" else None)
    assert stored(t) == replayed(t, when)
    for step, arg, minutes in steps:
        when += timedelta(minutes=minutes)
        try:
            t = act(cast, t, step, arg, when)
        except ActionError:
            continue
        t.refresh_from_db()
        assert stored(t) == replayed(t, max(when, t.events.last().at)), step  # type: ignore[union-attr]
