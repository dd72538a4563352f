"""`sladesk oncall` run as an operator's script runs it: a real process on a real database
file, checking output, messages and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import run_sladesk

Run = Callable[..., tuple[int, str, str]]
SP = ZoneInfo("America/Sao_Paulo")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Run:
    data = tmp_path_factory.mktemp("desk")
    env = {"SLADESK_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'desk.sqlite3'}"}

    def run(*args: str) -> tuple[int, str, str]:
        result = run_sladesk(*args, env=env)
        return result.returncode, result.stdout.decode(), result.stderr.decode()

    assert run("migrate", "-v0")[0] == 0
    for email, name, role, partner in (
        ("ana@vendor.example", "Ana Almeida", "agent", []),
        ("sam@vendor.example", "Sam Souza", "supervisor", []),
        ("pedro@sul.example", "Pedro", "partner_agent", ["--partner", "Parceiros Sul"]),
    ):
        code, _, err = run("staff", "add", email, "--name", name, "--role", role, *partner)
        assert code == 0, err
    return run


def hour(hours_from_now: int) -> str:
    now = datetime.now(SP).replace(minute=0, second=0, microsecond=0)
    return (now + timedelta(hours=hours_from_now)).isoformat()


def test_it_sets_a_shift_and_shows_it_with_who_is_on_call_now_and_the_gaps(desk: Run) -> None:
    code, out, err = desk("oncall", "set", "ANA@vendor.example", "--from", hour(-1), "--until", hour(5))
    assert code == 0, err
    made = json.loads(out)
    assert (made["email"], made["name"], made["created"]) == ("ana@vendor.example", "Ana Almeida", True)
    assert made["from"] == hour(-1) and made["until"] == hour(5)
    code, out, _ = desk("oncall", "set", "sam@vendor.example", "--from", hour(8), "--until", hour(20))
    assert code == 0
    code, out, _ = desk("oncall", "show", "--json")
    rota = json.loads(out)
    assert rota["on_call_now"]["email"] == "ana@vendor.example" and rota["on_call_now"]["until"] == hour(5)
    assert [(s["email"], s["from"], s["until"]) for s in rota["shifts"]][-2:] == [
        ("ana@vendor.example", hour(-1), hour(5)),
        ("sam@vendor.example", hour(8), hour(20)),
    ]
    assert {"from": hour(5), "until": hour(8)} in rota["gaps"]
    assert rota["gaps"][-1]["from"] == hour(20) and rota["gaps"][-1]["until"] == rota["gaps_until"]
    code, text, _ = desk("oncall", "show")
    assert code == 0 and "on call now: Ana Almeida <ana@vendor.example>" in text


def test_it_reads_an_instant_without_offset_in_sao_paulo(desk: Run) -> None:
    code, out, err = desk(
        "oncall", "set", "sam@vendor.example", "--from", "2030-01-02T08:00", "--until", "2030-01-02 18:00"
    )
    assert code == 0, err
    made = json.loads(out)
    assert (made["from"], made["until"]) == ("2030-01-02T08:00:00-03:00", "2030-01-02T18:00:00-03:00")


def test_it_removes_a_shift_by_its_id(desk: Run) -> None:
    _, out, _ = desk(
        "oncall", "set", "sam@vendor.example", "--from", "2031-01-02T08:00Z", "--until", "2031-01-02T10:00Z"
    )
    number = json.loads(out)["id"]
    code, out, err = desk("oncall", "remove", str(number))
    assert code == 0, err
    assert json.loads(out)["removed"] is True
    code, _, err = desk("oncall", "remove", str(number))
    assert (code, err.strip()) == (1, f"sladesk: no shift #{number} (sladesk oncall show lists them)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@vendor.example", "--from", "2030-01-01T08:00", "--until", "2030-01-01T18:00"], "no staff account"),
        (["pedro@sul.example", "--from", "2030-01-01T08:00", "--until", "2030-01-01T18:00"], "[partner_agent]"),
        (["ana@vendor.example", "--from", "2030-01-01T18:00", "--until", "2030-01-01T08:00"], "[ends_before_start]"),
        (["ana@vendor.example", "--from", "2030-01-01T08:00", "--until", "2030-01-01T08:00"], "[ends_before_start]"),
        (["ana@vendor.example", "--from", "amanhã", "--until", "2030-01-01T08:00"], "--from 'amanhã' is not an ISO"),
        (["ana@vendor.example", "--from", "2030-01-01T08:00", "--until", "2030-13-01"], "--until '2030-13-01' is not"),
        (["ana@vendor.example", "--from", "2030-01-01", "--until", "2031-01-01"], "[too_long]"),
    ],
)
def test_it_refuses_bad_input_in_one_line(desk: Run, args: list[str], message: str) -> None:
    code, out, err = desk("oncall", "set", *args)
    assert code == 1 and out == ""
    assert err.startswith("sladesk: ") and message in err and err.count("\n") == 1


def test_a_missing_argument_is_a_usage_error(desk: Run) -> None:
    code, _, err = desk("oncall", "set", "ana@vendor.example", "--from", "2030-01-01T08:00")
    assert code == 2 and "--until" in err
