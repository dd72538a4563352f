"""`sla replay --batch`: whatever a line holds, it gets a result or an {"error": ...} in its
place, the other lines are still replayed, the exit status is 1, and no traceback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.core.policy import load_default_policy
from sladesk.core.replay import UNEXPECTED, replay_lines
from tests.cli.test_sla_replay_command import FRIDAY, replay

POLICY = load_default_policy()
FIELDS = ["received_at", "channel", "priority", "events", "now", "at", "type"]

# JSON values of every kind: huge and negative numbers, floats at the edge, text that looks
# like the real thing, and lists and objects (unhashable where a name is expected).
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["email", "phone", "P1", "P9", "resolved", "priority_set", "2027-03-05T16:00:00-03:00",
                     "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2027-03-05T16:00:00"]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=12,
)


@st.composite
def timelines(draw: st.DrawFn) -> Any:
    """A good timeline with some of its fields (or its events' fields) replaced by anything."""
    data: dict[str, Any] = json.loads(json.dumps(FRIDAY))
    for key in draw(st.lists(st.sampled_from(["received_at", "channel", "priority", "events", "now"]), max_size=3)):
        data[key] = draw(json_values)
    if isinstance(data.get("events"), list) and data["events"] and draw(st.booleans()):
        event = data["events"][0] = {"at": "2027-03-06T10:00:00-03:00", "type": "priority_set"}
        event[draw(st.sampled_from(["at", "type", "priority"]))] = draw(json_values)
    if draw(st.booleans()):
        del data["now"]
    return data


lines = st.lists(st.one_of(json_values, timelines()), min_size=1, max_size=8)


def results_of(values: list[Any]) -> tuple[list[dict[str, Any]], list[str | None]]:
    batch = [orjson.dumps(v) for v in values]
    out = list(replay_lines(POLICY, batch))
    return [orjson.loads(line) for line, _ in out], [error for _, error in out]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=lines)
def test_every_line_gets_a_result_or_an_error_in_its_place(values: list[Any]) -> None:
    results, errors = results_of(values)
    assert len(results) == len(values)
    for number, (result, error) in enumerate(zip(results, errors, strict=True), 1):
        if error is None:
            assert set(result) == {"priority", "metrics"}
        else:
            assert result == {"error": error}
            assert error.startswith(f"line {number}: ")
            assert UNEXPECTED not in error  # each bad input is named, none falls through to the safety net


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=lines)
def test_the_command_answers_every_line_and_never_with_a_traceback(values: list[Any]) -> None:
    _, expected_errors = results_of(values)
    payload = b"\n".join(orjson.dumps(v) for v in values)
    code, out, err = replay("--batch", payload=payload)
    assert "Traceback" not in err
    assert len(out.splitlines()) == len(values)
    assert code == (1 if any(expected_errors) else 0)


def test_unhashable_names_and_wrong_types_are_errors_of_their_line_only() -> None:
    event = {"at": "2027-03-06T10:00:00-03:00", "type": "priority_set"}
    bad = [
        {**FRIDAY, "channel": ["email"]},
        {**FRIDAY, "priority": {"P1": 1}},
        {**FRIDAY, "events": [{**event, "priority": ["P1"]}]},
        {**FRIDAY, "events": [{**event, "type": {"x": 1}}]},
        {**FRIDAY, "received_at": 10**30},
        {**FRIDAY, "now": [[[[[]]]]]},
        {**FRIDAY, "events": "many"},
    ]
    payload = "\n".join([json.dumps(FRIDAY), *map(json.dumps, bad), json.dumps(FRIDAY), "[" * 5000 + "]" * 5000])
    code, out, err = replay("--batch", payload=payload.encode())
    assert code == 1
    assert "Traceback" not in err
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == 10
    assert "metrics" in results[0]
    assert "metrics" in results[8]
    messages = [r["error"] for r in results[1:8]] + [results[9]["error"]]
    assert messages == [
        "line 2: channel: ['email'] is not one of email, phone, portal",
        "line 3: priority: {'P1': 1} is not one of P1, P2, P3 or null",
        "line 4: events[0].priority: ['P1'] is not one of P1, P2, P3 or null",
        "line 5: events[0].type: {'x': 1} is not one of priority_set, public_reply, handling_started, "
        "waiting_on_customer, customer_replied, resolved, reopened, closed, out_of_scope",
        "line 6: received_at: expected an ISO 8601 instant with offset, e.g. 2026-06-03T16:00:00-03:00",
        "line 7: now: expected an ISO 8601 instant with offset, e.g. 2026-06-03T16:00:00-03:00",
        "line 8: events: expected a list of {at, type} objects",
        messages[-1],
    ]
    assert messages[-1].startswith("line 10: not valid JSON (")
    assert "8 line(s) could not be replayed" in err


def test_a_long_bad_value_is_quoted_cut_short() -> None:
    code, _, err = replay(payload=json.dumps({**FRIDAY, "channel": "x" * 100_000}).encode())
    assert code == 1
    assert "channel: 'xxxxxxxx" in err
    assert len(err) < 300


def test_a_future_received_at_without_now_is_said_in_words() -> None:
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat(timespec="seconds")
    payload = {**FRIDAY, "received_at": future, "events": []}
    del payload["now"]
    code, out, err = replay(payload=json.dumps(payload).encode())
    assert code == 1
    assert out == ""
    assert f"received_at: '{future}' is in the future and no 'now' is given (it defaults to the current time)" in err
    code, out, _ = replay("--batch", payload=json.dumps(payload).encode())
    assert code == 1
    assert "is in the future and no 'now' is given" in json.loads(out)["error"]
