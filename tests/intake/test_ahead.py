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

from sladesk.core.policy import load_default_policy
from sladesk.intake import directory_cache, process
from sladesk.intake.ahead import Ahead, Guess, Request
from sladesk.intake.models import InboundMail
from sladesk.intake.parse import parse_within
from sladesk.intake.process import Incoming, process_messages
from sladesk.intake.stream import process_stream
from sladesk.intake.triage import Triage
from sladesk.policies.service import current_policy
from sladesk.tickets.models import Ticket
from tests.intake.conftest import Cast, at, email
from tests.ops.test_supervisor import gone

MAIL = Path(__file__).parent / "mail"
NOW = at("2026-11-24 10:00")
LIMIT = 1_000  # bytes: most of the emails are over it (their header sections only)


def raws() -> list[bytes]:
    return [path.read_bytes() for path in sorted(MAIL.glob("*.eml"))]


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with Path(f"/proc/{pid}/stat").open("rb") as stat:  # a zombie is gone: it only waits to be reaped
                if stat.read().split(b") ")[1][:1] == b"Z":
                    return True
        except FileNotFoundError:  # reaped
            return True
        time.sleep(0.05)
    return gone(pid)


def test_the_helper_parses_every_email_as_this_process_does() -> None:
    emails = [*raws(), b"", b"\xff\xfe not an email at all", b"Subject: =?x-unknown?q?=E9?=\r\n\r\ncorpo"]
    assert any(len(raw) > LIMIT for raw in emails) and any(len(raw) <= LIMIT for raw in emails)
    with Ahead() as ahead:
        assert ahead.ask(Request(LIMIT, [emails, list(reversed(emails))]))
        first = ahead.read()
        assert ahead.ask(Request(LIMIT, [emails[:2]]))
        second = ahead.read()
    expected = [parse_within(raw, LIMIT) for raw in emails]
    assert first is not None and first.batches == [expected, list(reversed(expected))] and first.triages == []
    assert second is not None and second.batches == [expected[:2]]
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
        ahead.ask(Request(LIMIT, [raws()]))
        assert ahead.read() is None
        assert ahead.broken
        ahead.ask(Request(LIMIT, [raws()]))  # and it is not asked again
        assert ahead.read() is None and ahead._proc is None


def test_a_helper_answering_nonsense_is_not_believed() -> None:
    with Ahead() as ahead:
        assert ahead._proc is not None and ahead._proc.stdout is not None
        ahead._proc.stdout.close()
        ahead._proc.stdout = Path(os.devnull).open("rb")  # noqa: SIM115 - the helper's answers, lost
        ahead.ask(Request(LIMIT, [raws()]))
        assert ahead.read() is None and ahead.broken


def test_a_stuck_helper_is_killed_and_not_waited_for_again() -> None:
    with Ahead(timeout=1.0) as ahead:
        assert ahead._proc is not None
        helper = ahead._proc.pid
        os.kill(helper, signal.SIGSTOP)  # stuck: alive, answering nothing
        ahead.ask(Request(LIMIT, [raws()]))
        started = time.monotonic()
        assert ahead.read() is None
        assert 1.0 <= time.monotonic() - started < 10
        assert ahead.broken and ahead._proc is None
        assert wait_gone(helper)
        assert not ahead.ask(Request(LIMIT, [raws()])) and ahead.read() is None  # parsed here from now on


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
        assert not gone(helper)
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
        assert ahead.parsed == (2 if helper == "alive" else 0)  # the first batch is parsed here
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


REQUESTS = [  # (subject, body): requests as Gestores write them, each triaged in its own way
    ("Oto fora do ar", "Ninguém consegue vender em todas as lojas desde as 9h. Aparece erro 502."),
    ("Dúvida", "Como faço para cadastrar um novo vendedor na loja Centro?"),
    ("Relatório", "O relatório de vendas da vendedora Gina dá erro 500 desde ontem às 14h."),
    ("Instalação", "Não consigo instalar o aplicativo no tablet novo da loja."),
]


@pytest.mark.django_db(transaction=True)
def test_requests_triaged_ahead_are_triaged_as_here(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    """From the third batch on, the helper triages a batch's requests while the one before is
    written: the tickets get the same suggestions as when this process triages, and this
    process triages none of them."""
    here: list[str] = []
    real = process.triage

    def counted(subject: str, *args: object, **kwargs: object) -> object:
        here.append(subject)
        return real(subject, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(process, "triage", counted)
    batches = [  # four batches of the four requests
        [
            Incoming(email(subject=f"{s} {n}", body=b), NOW, "smtp", f"spool:t{n}-{i}")
            for i, (s, b) in enumerate(REQUESTS)
        ]
        for n in range(4)
    ]
    with Ahead() as ahead:
        results = [r for _, rs in process_stream(batches, ahead) for r in rs]
    assert [r.outcome for r in results] == ["ticket_created"] * 16
    assert sorted(here) == sorted(f"{s} {n}" for n in (0, 1) for s, _ in REQUESTS)  # the first two batches only
    policy = current_policy()
    people = directory_cache.candidates(cast.acme.pk)
    for ticket in Ticket.objects.order_by("number"):
        expected = real(ticket.subject, ticket.description, policy, people)
        assert (ticket.suggested_priority, ticket.suggested_category) == (expected.priority, expected.category)
        assert (ticket.missing_information, ticket.triage["priority_reason"]) == (
            list(expected.missing),
            expected.priority_reason,
        )


@pytest.mark.django_db(transaction=True)
def test_a_triage_done_ahead_counts_only_with_the_same_people_and_policy(cast: Cast) -> None:
    raw = email(subject="Relatório", body="O relatório dá erro 500.")
    msg = parse_within(raw, 1 << 20)
    snapshot = directory_cache.prepare([msg.from_address])
    people = snapshot.people[cast.acme.pk]
    marked = Triage("P1", "done ahead", "usage_question", "done ahead", (), "", "", False)
    cases = [  # (people, policy) it was done with -> whether it counts
        (people, current_policy(), True),
        (list(people), current_policy(), False),  # the directory read again since: not the same people
        (people, load_default_policy(), False),  # another policy object: not the rules in force
    ]
    for n, (used, policy, counts) in enumerate(cases):
        guess = Guess(marked, used, policy)
        item = Incoming(email(subject=f"Relatório {n}", body="O relatório dá erro 500."), NOW, "smtp", f"spool:g{n}")
        [result] = process.process_messages([item], [parse_within(item.raw, 1 << 20)], snapshot, {0: guess})
        ticket = Ticket.objects.get(number=result.ticket)
        assert (ticket.suggested_category == "usage_question") == counts, (n, ticket.suggested_category)
