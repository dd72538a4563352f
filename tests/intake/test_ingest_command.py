"""`sladesk ingest` as an MTA's pipe transport runs it: a real process, bytes on standard
input, one JSON object out, exit 0 when the message was stored with an outcome and 75
(EX_TEMPFAIL: the MTA keeps it and retries) only when nothing could be stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_sladesk
from tests.intake.conftest import email

SETUP = """
from datetime import date
from sladesk.directory.models import *
acme = Customer.objects.create(code="acme", name="ACME")
Contract.objects.create(customer=acme, support_seats=1, starts_on=date(2020, 1, 1))
Person.objects.create(customer=acme, name="Alice", email="alice@acme.example", role="gestor", support_seat=True)
Person.objects.create(customer=acme, name="Bob", email="bob@acme.example", role="vendedor")
"""

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Run:
    data = tmp_path_factory.mktemp("desk")
    env = {"SLADESK_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'desk.sqlite3'}"}

    def run(
        *args: str, stdin: bytes | None = None, data_dir: Path | None = None, database: str = ""
    ) -> tuple[int, str, str]:
        extra = {**env, "SLADESK_DATA_DIR": str(data_dir)} if data_dir else env
        extra = {**extra, "DATABASE_URL": database} if database else extra
        result = run_sladesk(*args, stdin=stdin, env=extra)
        return result.returncode, result.stdout.decode(), result.stderr.decode()

    assert run("migrate", "-v0")[0] == 0
    assert run("manage", "shell", "-c", SETUP)[0] == 0
    return run


def test_it_prints_the_outcome_of_a_request_as_one_json_object(desk: Run) -> None:
    code, out, err = desk("ingest", "--received-at", "2026-11-24T10:00:00-03:00", "-", stdin=email())
    assert (code, err) == (0, "")
    assert json.loads(out) == {"outcome": "ticket_created", "ticket": 1, "reason": None, "auto_reply": True}
    code, out, _ = desk("tickets", "show", "1", "--json")
    assert json.loads(out)["received_at"] == "2026-11-24T10:00:00-03:00"  # the receipt time given, not the Date header


def test_a_rejected_or_quarantined_message_still_exits_0(desk: Run, tmp_path: Path) -> None:
    code, out, _ = desk("ingest", "-", stdin=email("bob@acme.example"))
    assert (code, json.loads(out)["outcome"], json.loads(out)["reason"]) == (0, "rejected", "role_not_entitled")
    garbage = tmp_path / "garbage.eml"
    garbage.write_bytes(b"\x00\x01 definitely not an email")
    code, out, _ = desk("ingest", str(garbage))
    assert (code, json.loads(out)["outcome"]) == (0, "quarantined")


def test_the_same_message_again_is_a_duplicate(desk: Run) -> None:
    raw = email(message_id="<dup-1@mail.acme.example>")
    assert json.loads(desk("ingest", "-", stdin=raw)[1])["outcome"] == "ticket_created"
    code, out, _ = desk("ingest", "-", stdin=raw)
    assert (code, json.loads(out)["outcome"]) == (0, "duplicate")


def test_it_exits_75_when_nothing_can_be_stored_so_the_mta_retries(desk: Run, tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"  # a database without the desk's tables: nothing can be written
    code, out, err = desk("ingest", "-", stdin=email(), database=f"sqlite:///{empty}")
    assert (code, out) == (75, "")
    assert "could not be stored" in err and "try again" in err


def test_it_exits_75_when_a_large_message_cannot_be_kept_on_disk(desk: Run, tmp_path: Path) -> None:
    broken = tmp_path / "data"
    broken.mkdir()
    (broken / "mail").write_text("a file where the mail folder should be")
    big = email(body="Segue o log completo.\n" + "linha do log\n" * 100_000)  # kept as a file, not in its row
    code, out, err = desk("ingest", "-", stdin=big, data_dir=broken)
    assert (code, out) == (75, "")
    assert "could not be stored" in err and "try again" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--received-at", "ontem", "-"], "is not an ISO 8601 instant"),
        (["--received-at", "2026-11-24T10:00:00", "-"], "has no UTC offset"),
        (["--received-at", "2999-01-01T00:00:00-03:00", "-"], "is in the future"),
        (["/no/such/file.eml"], "cannot read the file"),
    ],
)
def test_it_says_what_is_wrong_with_its_arguments(desk: Run, args: list[str], message: str) -> None:
    code, out, err = desk("ingest", *args, stdin=b"")
    assert (code, out) == (2, "")
    assert message in err
