"""`sladesk sla replay` is the engine's contract: input, output, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from sladesk.core.policy import default_policy_text
from tests.conftest import run_sladesk

FRIDAY = {
    "received_at": "2027-03-05T16:00:00-03:00",
    "channel": "email",
    "priority": "P2",
    "events": [{"at": "2027-03-06T10:00:00-03:00", "type": "public_reply"}],
    "now": "2027-03-06T10:05:00-03:00",
}


def replay(*args: str, payload: bytes) -> tuple[int, str, str]:
    result = run_sladesk("sla", "replay", *args, "-", stdin=payload)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def test_it_replays_one_timeline_from_stdin() -> None:
    code, out, _ = replay(payload=json.dumps(FRIDAY).encode())
    assert code == 0
    result = json.loads(out)
    assert result["priority"] == "P2"
    reply = result["metrics"]["reply"]
    assert reply["state"] == "breached"
    assert reply["due"] == reply["breached_at"] == "2027-03-05T18:00:00-03:00"
    assert reply["calendar"] == "porto-alegre"
    assert reply["rule"] == "2 h úteis"
    assert result["metrics"]["resolution"]["rule"] == "2 dias úteis = 18 h úteis"


def test_it_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(FRIDAY))
    result = run_sladesk("sla", "replay", str(path))
    assert result.returncode == 0
    assert json.loads(result.stdout)["metrics"]["response"]["state"] == "breached"


def test_it_replays_a_batch_in_order() -> None:
    phone = {**FRIDAY, "channel": "phone", "priority": "P1", "events": []}
    lines = [json.dumps(FRIDAY), json.dumps(phone), json.dumps({**FRIDAY, "events": []})]
    code, out, _ = replay("--batch", payload="\n".join(lines).encode())
    assert code == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["priority"] for r in results] == ["P2", "P1", "P2"]
    assert results[1]["metrics"]["reply"] == {"state": "not_applicable"}
    assert results[2]["metrics"]["reply"]["state"] == "breached"  # now is Saturday, nothing stopped it


def test_it_keeps_the_place_of_a_bad_line_in_a_batch_and_exits_non_zero() -> None:
    far = {**FRIDAY, "received_at": "9998-12-30T10:00:00-03:00", "events": [], "now": "9998-12-30T11:00:00-03:00"}
    lines = [json.dumps(FRIDAY), "{not json", json.dumps({**FRIDAY, "channel": "fax"}), json.dumps(far)]
    code, out, err = replay("--batch", payload="\n".join(lines).encode())
    assert code == 1
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == 4
    assert "metrics" in results[0]
    assert "line 4: an instant or deadline falls outside" in results[3]["error"]
    assert results[1]["error"].startswith("line 2: not valid JSON")
    assert "line 3: channel: 'fax' is not one of email, phone, portal" in results[2]["error"]
    assert "line 3" in err


def test_it_ignores_unknown_keys_and_events_after_now() -> None:
    later = {"at": "2027-03-07T10:00:00-03:00", "type": "resolved"}
    payload = {**FRIDAY, "ticket": 42, "events": [*FRIDAY["events"], later]}
    code, out, _ = replay(payload=json.dumps(payload).encode())
    assert code == 0
    assert json.loads(out)["metrics"]["resolution"]["state"] == "running"


def test_it_uses_the_policy_given(tmp_path: Path) -> None:
    text = default_policy_text().replace(
        'targets.P2 = { hours = 2, calendar = "porto-alegre" }\ntargets.P3 = { hours = 2',
        'targets.P2 = { hours = 4, calendar = "porto-alegre" }\ntargets.P3 = { hours = 2',
    )
    policy = tmp_path / "p.toml"
    policy.write_text(text)
    code, out, _ = replay("--policy", str(policy), payload=json.dumps({**FRIDAY, "events": []}).encode())
    assert code == 0
    assert json.loads(out)["metrics"]["reply"]["due"] == "2027-03-08T11:00:00-03:00"


def test_it_reopens_on_a_customer_reply_within_the_window_and_not_after() -> None:
    resolved = {**FRIDAY, "events": [{"at": "2027-03-05T17:00:00-03:00", "type": "resolved"}]}
    states = []
    for reply in ("2027-03-12T17:00:00-03:00", "2027-03-12T17:00:01-03:00"):  # 7 days on, and a second later
        payload = {**resolved, "events": [*resolved["events"], {"at": reply, "type": "customer_replied"}], "now": reply}
        code, out, _ = replay(payload=json.dumps(payload).encode())
        assert code == 0
        states.append(json.loads(out)["metrics"]["resolution"]["state"])
    assert states == ["running", "met"]


ERRORS = [
    ({**FRIDAY, "received_at": "2027-03-05T16:00:00"}, "received_at: '2027-03-05T16:00:00' has no UTC offset"),
    ({**FRIDAY, "priority": "P7"}, "priority: 'P7' is not one of P1, P2, P3 or null"),
    ({**FRIDAY, "events": [{"at": "2027-03-05T15:00:00-03:00", "type": "resolved"}]}, "events[0].at"),
    ({**FRIDAY, "events": [{"at": "2027-03-05T17:00:00-03:00", "type": "smile"}]}, "events[0].type: 'smile'"),
    ({**FRIDAY, "events": [{"at": "2027-03-05T17:00:00-03:00", "type": "priority_set"}]}, "priority_set needs"),
    ({**FRIDAY, "now": "2027-03-05T15:00:00-03:00"}, "now: '2027-03-05T15:00:00-03:00' is before received_at"),
    ([1, 2], "expected a JSON object"),
    ({**FRIDAY, "received_at": "0001-01-01T00:00:00+05:00"}, "outside the years a calendar can cover"),
]


def test_it_explains_each_invalid_input() -> None:
    for payload, message in ERRORS:
        code, out, err = replay(payload=json.dumps(payload).encode())
        assert code == 1, payload
        assert out == ""
        assert message in err, (message, err)


def test_it_refuses_an_invalid_policy_file(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text("version = 3\n")
    code, _, err = replay("--policy", str(bad), payload=json.dumps(FRIDAY).encode())
    assert code == 1
    assert "version = 3: expected a non-empty string" in err
