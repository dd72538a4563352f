"""Reading ahead (``intake/ahead.py``): the real helper process parses as this process does, a
stream read ahead ends as the same batches processed one by one, and a helper that dies or is
orphaned costs nothing but time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings

from sladesk.intake.ahead import Ahead
from sladesk.intake.models import InboundMail
from sladesk.intake.parse import parse_within
from sladesk.intake.process import Incoming, process_messages, process_stream
from sladesk.tickets.models import Ticket
from tests.intake.conftest import Cast, at, email

MAIL = Path(__file__).parent / "mail"
NOW = at("2026-11-24 10:00")
LIMIT = 1_000  # bytes: most of the emails are over it (their header sections only)


def raws() -> list[bytes]:
    return [path.read_bytes() for path in sorted(MAIL.glob("*.eml"))]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Path(f"/proc/{pid}/stat").open("rb") as stat:  # a zombie is gone: it only waits to be reaped
            if stat.read().split(b") ")[1][:1] == b"Z":
                return True
        time.sleep(0.05)
    return not alive(pid)


def test_the_helper_parses_every_email_as_this_process_does() -> None:
    emails = [*raws(), b"", b"\xff\xfe not an email at all", b"Subject: =?x-unknown?q?=E9?=\r\n\r\ncorpo"]
    assert any(len(raw) > LIMIT for raw in emails) and any(len(raw) <= LIMIT for raw in emails)
    with Ahead() as ahead:
        ahead.ask(emails, LIMIT)
        first = ahead.read()
        ahead.ask(list(reversed(emails)), LIMIT)
        second = ahead.read()
    expected = [parse_within(raw, LIMIT) for raw in emails]
    assert first == expected
    assert second == list(reversed(expected))
    assert not ahead.broken


def test_nothing_asked_nothing_read() -> None:
    ahead = Ahead()
    assert ahead.read() is None  # not even started
    ahead.close()


def test_a_helper_that_died_makes_the_caller_parse_itself() -> None:
    with Ahead() as ahead:
        assert ahead._proc is not None
        ahead._proc.kill()
        ahead._proc.wait()
        ahead.ask(raws(), LIMIT)
        assert ahead.read() is None
        assert ahead.broken
        ahead.ask(raws(), LIMIT)  # and it is not asked again
        assert ahead.read() is None and ahead._proc is None


def test_a_helper_answering_nonsense_is_not_believed() -> None:
    with Ahead() as ahead:
        assert ahead._proc is not None and ahead._proc.stdout is not None
        ahead._proc.stdout.close()
        ahead._proc.stdout = Path(os.devnull).open("rb")  # noqa: SIM115 - the helper's answers, lost
        ahead.ask(raws(), LIMIT)
        assert ahead.read() is None and ahead.broken


def test_the_helper_ends_with_the_process_that_started_it() -> None:
    """Whatever killed the listener (here SIGKILL), its helper sees its input end and exits."""
    script = (
        "import sys, time\n"
        "from sladesk.intake.ahead import Ahead\n"
        "ahead = Ahead(); ahead.start(); print(ahead._proc.pid, flush=True); time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        helper = int(parent.stdout.readline())
        assert alive(helper)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert wait_gone(helper), "the helper outlived the process that started it"
    finally:
        parent.kill()
        parent.wait()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("helper", ["alive", "dead"])
def test_a_stream_read_ahead_ends_as_its_batches_one_by_one(cast: Cast, helper: str) -> None:
    """Requests, replies to a ticket opened in an earlier batch, a duplicate across batches,
    a refusal and an email over the limit: the same outcomes whether the helper read them or,
    when it died, this process did."""
    request = email(message_id="<ahead-1@mail.acme.example>")
    reply = email(subject="Re: Relatório", body="Continua.", headers={"In-Reply-To": "<ahead-1@mail.acme.example>"})
    batches = [
        [
            Incoming(request, NOW, "smtp", "spool:a1"),
            Incoming(email(sender="bob@acme.example"), NOW, "smtp", "spool:a2"),
        ],
        [Incoming(reply, NOW, "smtp", "spool:b1"), Incoming(request, NOW, "smtp", "spool:b2")],
        [Incoming(email(body="x" * 6_000), NOW, "smtp", "spool:c1"), Incoming(b"\x00\xff", NOW, "smtp", "spool:c2")],
    ]
    with Ahead() as ahead, override_settings(MAX_MESSAGE_BYTES=5_000):
        if helper == "dead":
            assert ahead._proc is not None
            ahead._proc.kill()
        streamed = [(list(batch), results) for batch, results in process_stream(batches, ahead)]
        assert ahead.broken == (helper == "dead")
        assert ahead.answers == (2 if helper == "alive" else 0)  # the first batch is parsed here
    assert [batch for batch, _ in streamed] == batches
    outcomes = [[(r.outcome, r.reason, r.ticket) for r in results] for _, results in streamed]
    assert outcomes == [
        [("ticket_created", None, 1), ("rejected", "role_not_entitled", None)],
        [("ticket_updated", None, 1), ("duplicate", None, 1)],
        [("quarantined", "too_large", None), ("quarantined", "malformed", None)],
    ]
    assert Ticket.objects.count() == 1 and InboundMail.objects.count() == 6
    # the same items again: processed once already, each gets its first outcome
    again = process_messages([item for batch in batches for item in batch])
    assert [(r.outcome, r.ticket) for r in again] == [(r.outcome, r.ticket) for _, rs in streamed for r in rs]
