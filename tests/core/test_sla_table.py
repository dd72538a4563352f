"""The SLA clocks at their edges, one ticket per row: (received, events, now) ->
expected metric states, worked out by hand from POLICY.md (default policy,
America/Sao_Paulo). Each row is checked on the engine and on the naive oracle.

March 2027: Mon 1, Tue 2, Wed 3, Thu 4, Fri 5, Sat 6, Sun 7, Mon 8, Tue 9, Thu 11.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sladesk.core.policy import Policy, PolicyError, default_policy_text, load_default_policy, parse_policy
from sladesk.core.replay import replay_one
from tests.core import oracle

POLICY = load_default_policy()
ZONE = ZoneInfo("America/Sao_Paulo")


def iso(local: str) -> str:
    """'2027-03-01 09:00' (São Paulo) as an ISO instant."""
    return datetime.fromisoformat(local).replace(tzinfo=ZONE).isoformat()


def ticket(
    received: str, *events: tuple[str, ...], now: str, channel: str = "email", priority: str | None = None
) -> Any:
    def event(at: str, kind: str, *new: str) -> dict[str, str]:
        return {"at": iso(at), "type": kind, **({"priority": new[0]} if new else {})}

    return {
        "received_at": iso(received),
        "channel": channel,
        "priority": priority,
        "events": [event(*e) for e in events],
        "now": iso(now),
    }


CASES: list[tuple[str, Any, dict[str, dict[str, Any]]]] = [
    (
        "resolved while waiting on the customer: met, due counted on from the stop",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "waiting_on_customer"),
            ("2027-03-05 17:00", "resolved"),
            now="2027-03-05 17:10",
            priority="P2",
        ),
        {
            "reply": {"state": "met", "due": "2027-03-01 11:00"},
            "resolution": {"state": "met", "due": "2027-03-09 16:00", "elapsed_s": 3600},
        },
    ),
    (
        "closed while waiting on the customer: met, due counted on from the stop",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "waiting_on_customer"),
            ("2027-03-05 17:00", "closed"),
            now="2027-03-05 17:10",
            priority="P2",
        ),
        {"resolution": {"state": "met", "due": "2027-03-09 16:00", "elapsed_s": 3600}},
    ),
    (
        "a reply exactly at the 18:00 deadline is met; the response still running then is breached",
        ticket("2027-03-03 16:00", ("2027-03-03 18:00", "public_reply"), now="2027-03-03 18:05"),
        {
            "reply": {"state": "met", "due": "2027-03-03 18:00", "breached_at": None, "elapsed_s": 7200},
            "response": {"state": "breached", "due": "2027-03-03 18:00", "breached_at": "2027-03-03 18:00"},
        },
    ),
    (
        "a reply at the next opening is after the 18:00 deadline: breached",
        ticket("2027-03-03 16:00", ("2027-03-04 09:00", "public_reply"), now="2027-03-04 09:05"),
        {"reply": {"state": "breached", "breached_at": "2027-03-03 18:00", "elapsed_s": 7200}},
    ),
    (
        "a reply one business minute late",
        ticket("2027-03-03 16:00", ("2027-03-04 09:01", "public_reply"), now="2027-03-04 09:05"),
        {"reply": {"state": "breached", "breached_at": "2027-03-03 18:00", "elapsed_s": 7260}},
    ),
    (
        "now exactly at the deadline: still running, nothing left",
        ticket("2027-03-03 16:00", now="2027-03-03 18:00"),
        {"reply": {"state": "running", "due": "2027-03-03 18:00", "breached_at": None, "remaining_s": 0}},
    ),
    (
        "a minute past the deadline: breached at the deadline",
        ticket("2027-03-03 16:00", now="2027-03-03 18:01"),
        {"reply": {"state": "breached", "due": "2027-03-03 18:00", "breached_at": "2027-03-03 18:00"}},
    ),
    (
        "paused: the time remaining, no due instant",
        ticket("2027-03-01 09:00", ("2027-03-01 10:00", "waiting_on_customer"), now="2027-03-03 12:00", priority="P2"),
        {"resolution": {"state": "paused", "due": None, "remaining_s": 61200, "elapsed_s": 3600}},
    ),
    (
        "raised to P1 while paused: remaining under 4 h 24x7 from receipt; the stopped response keeps P2",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "waiting_on_customer"),
            ("2027-03-01 11:00", "priority_set", "P1"),
            now="2027-03-01 12:00",
            priority="P2",
        ),
        {
            "response": {"state": "met", "priority": "P2", "calendar": "porto-alegre", "due": "2027-03-01 11:00"},
            "resolution": {"state": "paused", "priority": "P1", "calendar": "24x7", "remaining_s": 10800},
        },
    ),
    (
        "raised to P1 while paused, then resumed: 24x7 from the resume",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "waiting_on_customer"),
            ("2027-03-01 11:00", "priority_set", "P1"),
            ("2027-03-01 13:00", "customer_replied"),
            now="2027-03-01 13:30",
            priority="P2",
        ),
        {"resolution": {"state": "running", "due": "2027-03-01 16:00", "elapsed_s": 5400, "remaining_s": 9000}},
    ),
    (
        "raised to P1 a day after receipt: running metrics breached from the original receipt time",
        ticket("2027-03-01 09:00", ("2027-03-02 09:00", "priority_set", "P1"), now="2027-03-02 09:00", priority="P3"),
        {
            "reply": {"state": "breached", "breached_at": "2027-03-01 11:00", "elapsed_s": 32400},
            "response": {"state": "breached", "breached_at": "2027-03-01 11:00", "elapsed_s": 86400},
            "resolution": {"state": "breached", "breached_at": "2027-03-01 13:00", "elapsed_s": 86400},
        },
    ),
    (
        "lowered to P3 after the response stopped: the response keeps P1, the resolution becomes 4 dias úteis",
        ticket(
            "2027-03-06 02:00",
            ("2027-03-06 03:00", "handling_started"),
            ("2027-03-06 05:00", "priority_set", "P3"),
            now="2027-03-06 05:00",
            priority="P1",
        ),
        {
            "reply": {"state": "running", "due": "2027-03-08 11:00"},
            "response": {"state": "met", "priority": "P1", "calendar": "24x7", "due": "2027-03-06 04:00"},
            "resolution": {"state": "running", "priority": "P3", "due": "2027-03-11 18:00", "elapsed_s": 0},
        },
    ),
    (
        "a P1 email at night: reply on business hours, response and resolution 24x7",
        ticket("2027-03-06 02:00", now="2027-03-06 02:05", priority="P1"),
        {
            "reply": {"state": "running", "due": "2027-03-08 11:00", "elapsed_s": 0},
            "response": {"state": "running", "due": "2027-03-06 04:00", "elapsed_s": 300},
            "resolution": {"state": "running", "due": "2027-03-06 06:00", "elapsed_s": 300},
        },
    ),
    (
        "until a priority is set the default applies; then the set one, from receipt",
        ticket("2027-03-01 09:00", ("2027-03-01 10:00", "priority_set", "P3"), now="2027-03-01 10:00"),
        {
            "response": {"state": "running", "priority": "P3", "due": "2027-03-02 18:00"},
            "resolution": {"state": "running", "priority": "P3", "due": "2027-03-04 18:00"},
        },
    ),
    (
        "closed is final: a later reopen changes nothing",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "closed"),
            ("2027-03-01 11:00", "reopened"),
            now="2027-03-01 12:00",
            priority="P2",
        ),
        {
            "reply": {"state": "met", "due": "2027-03-01 11:00", "elapsed_s": 3600},
            "resolution": {"state": "met", "due": "2027-03-02 18:00", "elapsed_s": 3600},
        },
    ),
    (
        "resolved after a pause: met, due counted on from the stop, the pause left out",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "waiting_on_customer"),
            ("2027-03-03 09:00", "customer_replied"),
            ("2027-03-03 12:00", "resolved"),
            now="2027-03-03 12:05",
            priority="P2",
        ),
        {"resolution": {"state": "met", "due": "2027-03-04 17:00", "elapsed_s": 14400}},
    ),
    (
        "resolved, reopened, resolved again: met, due counted on from the second stop",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "resolved"),
            ("2027-03-02 09:00", "reopened"),
            ("2027-03-02 11:00", "resolved"),
            now="2027-03-02 11:05",
            priority="P2",
        ),
        {"resolution": {"state": "met", "due": "2027-03-03 17:00", "elapsed_s": 10800}},
    ),
    (
        "resolved, reopened days later: resumes with the time already counted",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "resolved"),
            ("2027-03-04 09:00", "reopened"),
            now="2027-03-04 09:05",
            priority="P2",
        ),
        {
            "reply": {"state": "met", "due": "2027-03-01 11:00"},
            "resolution": {"state": "running", "due": "2027-03-05 17:00", "elapsed_s": 3900},
        },
    ),
    # The reopen rule (reopen_window_days = 7): a customer's reply to a resolved ticket.
    (
        "a customer reply three days after the resolution reopens it: resumes with the time counted",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "resolved"),
            ("2027-03-04 09:00", "customer_replied"),
            now="2027-03-04 09:05",
            priority="P2",
        ),
        {
            "reply": {"state": "met", "due": "2027-03-01 11:00"},
            "resolution": {"state": "running", "due": "2027-03-05 17:00", "elapsed_s": 3900},
        },
    ),
    (
        "a customer reply exactly seven days after the resolution still reopens it",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "resolved"),
            ("2027-03-08 10:00", "customer_replied"),
            now="2027-03-08 10:05",
            priority="P2",
        ),
        {"resolution": {"state": "running", "due": "2027-03-09 18:00", "elapsed_s": 3900}},
    ),
    (
        "a customer reply a minute after the window changes nothing: still met",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "resolved"),
            ("2027-03-08 10:01", "customer_replied"),
            now="2027-03-08 10:05",
            priority="P2",
        ),
        {"resolution": {"state": "met", "due": "2027-03-02 18:00", "elapsed_s": 3600}},
    ),
    (
        "an agent's reopen after the window still reopens: the window is for customer replies",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "resolved"),
            ("2027-03-08 10:01", "reopened"),
            now="2027-03-08 10:06",
            priority="P2",
        ),
        {"resolution": {"state": "running", "due": "2027-03-10 09:01", "elapsed_s": 3900}},
    ),
    (
        "a customer reply after closed changes nothing, within the window or not",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "resolved"),
            ("2027-03-02 10:00", "closed"),
            ("2027-03-03 09:00", "customer_replied"),
            now="2027-03-03 09:05",
            priority="P2",
        ),
        {"resolution": {"state": "met", "due": "2027-03-02 18:00", "elapsed_s": 3600}},
    ),
    (
        "resolved while waiting on the customer, then the customer replies: it reopens",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "waiting_on_customer"),
            ("2027-03-02 10:00", "resolved"),
            ("2027-03-03 09:00", "customer_replied"),
            now="2027-03-03 09:05",
            priority="P2",
        ),
        {"resolution": {"state": "running", "due": "2027-03-04 17:00", "elapsed_s": 3900}},
    ),
    (
        "the window counts from the latest resolution",
        ticket(
            "2027-03-01 09:00",
            ("2027-03-01 10:00", "resolved"),
            ("2027-03-02 09:00", "customer_replied"),
            ("2027-03-02 11:00", "resolved"),
            ("2027-03-09 10:00", "customer_replied"),
            now="2027-03-09 10:05",
            priority="P2",
        ),
        {"resolution": {"state": "running", "due": "2027-03-10 16:00", "elapsed_s": 11100}},
    ),
    (
        "asked to wait after the resolution deadline passed: stays breached",
        ticket("2027-03-01 09:00", ("2027-03-04 10:00", "waiting_on_customer"), now="2027-03-04 11:00", priority="P2"),
        {"resolution": {"state": "breached", "breached_at": "2027-03-02 18:00", "elapsed_s": 100800}},
    ),
    (
        "events after now have not happened yet",
        ticket("2027-03-01 09:00", ("2027-03-01 10:00", "public_reply"), now="2027-03-01 09:30"),
        {"reply": {"state": "running", "due": "2027-03-01 11:00", "elapsed_s": 1800}},
    ),
    (
        "out of scope at the very instant of now: excluded",
        ticket("2027-03-01 09:00", ("2027-03-01 09:30", "out_of_scope"), now="2027-03-01 09:30"),
        {"reply": {"state": "excluded"}, "response": {"state": "excluded"}, "resolution": {"state": "excluded"}},
    ),
    (
        "out of scope on the phone: reply does not apply, the others are excluded",
        ticket("2027-03-06 02:00", ("2027-03-06 02:30", "out_of_scope"), now="2027-03-06 03:00", channel="phone"),
        {"reply": {"state": "not_applicable"}, "response": {"state": "excluded"}, "resolution": {"state": "excluded"}},
    ),
]


def local(result: dict[str, Any], expected: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The expected keys of each expected metric, instants shown as São Paulo 'YYYY-MM-DD HH:MM'."""
    out: dict[str, dict[str, Any]] = {}
    for name, keys in expected.items():
        metric = result["metrics"][name]
        out[name] = {}
        for key in keys:
            value = metric.get(key, "(missing)")
            if key in ("due", "breached_at") and isinstance(value, str):
                value = datetime.fromisoformat(value).astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
            out[name][key] = value
    return out


@pytest.mark.parametrize(("why", "timeline", "expected"), CASES, ids=[c[0] for c in CASES])
def test_it_judges_the_clock_at_its_edges(why: str, timeline: Any, expected: dict[str, dict[str, Any]]) -> None:
    assert local(replay_one(POLICY, timeline), expected) == expected


@pytest.mark.parametrize(("why", "timeline", "expected"), CASES, ids=[c[0] for c in CASES])
def test_it_has_the_oracle_agree_at_the_edges(why: str, timeline: Any, expected: dict[str, dict[str, Any]]) -> None:
    assert local(oracle.evaluate(POLICY, timeline), expected) == expected


# ---- a metric that starts at an event (start_on) --------------------------------------------
def _with_fix_metric() -> Policy:
    """The default policy plus a 'fix' metric: from handling_started to resolved, 4 h úteis."""
    extra = """
[metrics.fix]
label = "Correção"
start_on = ["handling_started"]
stop_on = ["resolved"]
targets.P1 = { hours = 4, calendar = "porto-alegre" }
targets.P2 = { hours = 4, calendar = "porto-alegre" }
targets.P3 = { hours = 4, calendar = "porto-alegre" }
"""
    text = default_policy_text().replace("[lifecycle]", extra + "\n[lifecycle]")
    return parse_policy(text, "with a fix metric")


START_ON = [
    # (events, now, expected fix metric): received Monday 2027-03-01 09:00, email, P2
    ((), "2027-03-01 11:00", {"state": "paused", "due": None, "elapsed_s": 0, "remaining_s": 4 * 3600}),
    (
        (("2027-03-01 10:00", "handling_started"),),
        "2027-03-01 11:00",
        {"state": "running", "due": iso("2027-03-01 14:00"), "elapsed_s": 3600},
    ),
    (
        (("2027-03-01 16:00", "handling_started"), ("2027-03-02 10:00", "resolved")),
        "2027-03-02 11:00",
        {"state": "met", "due": iso("2027-03-02 11:00"), "elapsed_s": 3 * 3600},
    ),
    (  # resolved before it ever started: nothing ran late
        (("2027-03-01 10:00", "resolved"),),
        "2027-03-01 11:00",
        {"state": "met", "due": iso("2027-03-01 14:00"), "elapsed_s": 0},
    ),
]


@pytest.mark.parametrize(("events", "now", "expected"), START_ON)
def test_it_starts_a_metric_at_its_start_event(
    events: tuple[tuple[str, str], ...], now: str, expected: dict[str, object]
) -> None:
    got = replay_one(_with_fix_metric(), ticket("2027-03-01 09:00", *events, now=now, priority="P2"))
    assert {k: got["metrics"]["fix"].get(k) for k in expected} == expected


def test_it_refuses_a_start_event_that_also_stops_the_metric() -> None:
    text = default_policy_text().replace(
        "[metrics.resolution]\nstart_on = []", '[metrics.resolution]\nstart_on = ["resolved"]'
    )
    with pytest.raises(
        PolicyError, match=r"metrics.resolution.start_on = \['resolved'\]: expected events that neither"
    ):
        parse_policy(text, "bad")


# ---- a late customer reply changes nothing, whatever the metrics say -------------------------
def test_it_drops_a_customer_reply_after_the_reopen_window() -> None:
    """Even a resolution that ``customer_replied`` would restart stays met: past the window
    the desk opens a follow-up ticket and leaves this one alone."""
    text = default_policy_text().replace('restart_on = ["reopened"]', 'restart_on = ["reopened", "customer_replied"]')
    policy = parse_policy(text, "a resolution that a customer reply restarts")
    late = ticket(
        "2027-03-01 09:00",
        ("2027-03-01 10:00", "resolved"),
        ("2027-03-08 10:01", "customer_replied"),
        now="2027-03-08 10:05",
        priority="P2",
    )
    expected = {"resolution": {"state": "met", "due": "2027-03-02 18:00", "elapsed_s": 3600}}
    assert local(replay_one(policy, late), expected) == expected
    assert local(oracle.evaluate(policy, late), expected) == expected
