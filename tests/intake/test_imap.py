"""The IMAP poller against a real Dovecot on loopback (tests/intake/dovecot.py), with the
real ``process_messages``: each unseen message processed once, flagged (or moved) only after
its outcome is committed, and never lost or done twice when the poller dies in between."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from sladesk.config.env import ConfigError
from sladesk.intake import imap, process
from sladesk.intake.ahead import Ahead
from sladesk.intake.imap import Mailbox, parse_url, poll
from sladesk.intake.models import InboundMail
from sladesk.intake.process import Incoming
from sladesk.tickets.models import Ticket
from tests.conftest import SLADESK, run_sladesk
from tests.intake.conftest import Cast, email
from tests.intake.dovecot import PASSWORD, USER, Dovecot, dovecot
from tests.tickets.test_concurrency import _subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server() -> Iterator[Dovecot]:
    with dovecot() as running:
        yield running


def mailbox(server: Dovecot, query: str = "") -> Mailbox:
    return parse_url(server.url(query=query))


def three_emails() -> list[bytes]:
    return [
        email(message_id="<um@mail.acme.example>", subject="Relatório não abre"),
        email(sender="estranho@outro.example", message_id="<dois@outro.example>"),
        email(message_id="<tres@mail.acme.example>", subject="Oto fora do ar"),
    ]


def rows() -> list[tuple[str, str, str]]:
    return list(InboundMail.objects.order_by("pk").values_list("message_id", "outcome", "source_id"))


# ---- SLADESK_IMAP_URL ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("imap://desk:pw@mail.example/INBOX", Mailbox("mail.example", 143, "desk", "pw")),
        ("imaps://desk:pw@mail.example", Mailbox("mail.example", 993, "desk", "pw", tls=True)),
        (
            "imap://suporte%40acme.example:a%20b%2F%3A%40@mail.example:1143/Suporte/Entrada?starttls=true",
            Mailbox("mail.example", 1143, "suporte@acme.example", "a b/:@", "Suporte/Entrada", starttls=True),
        ),
        (
            "imaps://desk:pw@mail.example:993/INBOX?done=Processed",
            Mailbox("mail.example", 993, "desk", "pw", tls=True, done="Processed"),
        ),
    ],
)
def test_it_reads_the_url(url: str, expected: Mailbox) -> None:
    assert parse_url(url) == expected


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://desk:pw@mail.example/INBOX", "not an imap:// or imaps:// URL with a host"),
        ("imap://mail.example/INBOX", "no user and password"),
        ("imap://desk:pw@mail.example:port/INBOX", "the port is not a number"),
        ("imap://desk:pw@mail.example/INBOX?tls=1", "unknown option 'tls'"),
        ("imaps://desk:pw@mail.example/INBOX?starttls=true", "starttls with imaps: TLS is already on"),
    ],
)
def test_a_wrong_url_is_one_line_naming_the_variable_without_the_password(url: str, why: str) -> None:
    with pytest.raises(ConfigError) as wrong:
        parse_url(url)
    message = str(wrong.value)
    assert message.startswith("SLADESK_IMAP_URL=") and why in message and "\n" not in message
    assert ":pw@" not in message


def test_the_commands_say_so_when_the_url_is_wrong() -> None:
    env = {"SLADESK_IMAP_URL": "imap://desk:secret@mail.example:x/INBOX"}
    for command in (["imap-poll", "--once"], ["worker", "--once"]):
        result = run_sladesk(*command, env={**_subprocess_env(), **env})
        assert result.returncode == 1
        (line,) = result.stderr.decode().splitlines()
        assert "SLADESK_IMAP_URL='imap://desk:***@mail.example:x/INBOX': the port is not a number" in line


# ---- polling a real Dovecot ---------------------------------------------------------------------
def test_imap_poll_once_processes_each_unseen_message_once_and_flags_it(cast: Cast, server: Dovecot) -> None:
    server.deliver(*three_emails())
    env = {**_subprocess_env(), "SLADESK_IMAP_URL": server.url()}
    first = run_sladesk("imap-poll", "--once", env=env)
    assert (first.returncode, first.stdout.decode().strip()) == (0, "processed=3"), first.stderr.decode()
    assert [(m, o) for m, o, _ in rows()] == [
        ("<um@mail.acme.example>", "ticket_created"),
        ("<dois@outro.example>", "rejected"),
        ("<tres@mail.acme.example>", "ticket_created"),
    ]
    uidvalidity = server.uidvalidity()
    assert [s for _, _, s in rows()] == [f"imap:127.0.0.1:INBOX:{uidvalidity}:{uid}" for uid in (1, 2, 3)]
    assert InboundMail.objects.filter(source="imap").count() == 3
    assert all("\\Seen" in flags for flags in server.flags().values())

    second = run_sladesk("imap-poll", "--once", env=env)
    assert (second.returncode, second.stdout.decode().strip()) == (0, "processed=0")
    assert InboundMail.objects.count() == 3 and Ticket.objects.count() == 2


def test_with_done_it_moves_each_message_after_processing_it(cast: Cast, server: Dovecot) -> None:
    server.deliver(*three_emails())
    assert poll(mailbox(server, "done=Processados")).processed == 3
    assert server.flags() == {}
    assert len(server.flags("Processados")) == 3
    assert poll(mailbox(server, "done=Processados")).processed == 0
    assert InboundMail.objects.count() == 3


def test_a_message_read_by_a_person_first_is_left_alone(cast: Cast, server: Dovecot) -> None:
    """Unseen is the poller's queue: what someone opened in the mailbox is theirs."""
    server.deliver(*three_emails())
    with server.client() as client:
        client.select("INBOX")
        client.uid("STORE", "2", "+FLAGS", "(\\Seen)")
    assert poll(mailbox(server)).processed == 2
    assert [m for m, _, _ in rows()] == ["<um@mail.acme.example>", "<tres@mail.acme.example>"]


class Died(BaseException):
    """The poller's process dying (not an error it could catch)."""


def test_a_poller_dying_between_the_outcome_and_the_flag_leaves_it_unseen_then_once(
    cast: Cast, server: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.deliver(*three_emails())
    real = process.process_messages
    calls: list[str] = []

    def dies_after_the_second(batch: list[Incoming], *rest: object) -> object:
        result = real(batch, *rest)  # type: ignore[arg-type]
        calls.extend(str(item.source_id) for item in batch)
        if len(calls) == 2:
            raise Died  # committed, not flagged
        return result

    monkeypatch.setattr(imap, "BATCH", 1)  # one message a transaction, to die between two of them
    monkeypatch.setattr(process, "process_messages", dies_after_the_second)
    with pytest.raises(Died):
        poll(mailbox(server))
    assert {uid: "\\Seen" in flags for uid, flags in server.flags().items()} == {1: True, 2: False, 3: False}
    assert len(rows()) == 2

    monkeypatch.setattr(process, "process_messages", real)
    assert poll(mailbox(server)).processed == 2  # message 2 again (its first outcome, nothing new), then 3
    assert [m for m, _, _ in rows()] == ["<um@mail.acme.example>", "<dois@outro.example>", "<tres@mail.acme.example>"]
    assert all("\\Seen" in flags for flags in server.flags().values())


def test_when_nothing_can_be_stored_the_message_stays_unseen_for_the_next_round(
    cast: Cast, server: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.deliver(*three_emails())
    real = process.process_messages

    def database_away(*args: object, **kwargs: object) -> object:
        raise OSError("the database is away")

    monkeypatch.setattr(process, "process_messages", database_away)
    done = poll(mailbox(server))
    assert (done.processed, done.error) == (0, "OSError: the database is away")
    assert all("\\Seen" not in flags for flags in server.flags().values())
    monkeypatch.setattr(process, "process_messages", real)
    assert poll(mailbox(server)).processed == 3
    assert len(rows()) == 3


def test_a_server_that_does_not_answer_is_logged_and_nothing_is_lost(cast: Cast, server: Dovecot) -> None:
    server.deliver(*three_emails())
    wrong_password = Mailbox("127.0.0.1", server.port, USER, PASSWORD + "x")
    assert "AUTHENTICATIONFAILED" in poll(wrong_password).error
    closed = Mailbox("127.0.0.1", 1, USER, PASSWORD)
    assert poll(closed).error.startswith("ConnectionRefusedError")
    assert not InboundMail.objects.exists()
    assert poll(mailbox(server)).processed == 3


def test_the_worker_polls_the_mailbox_once_a_sweep(cast: Cast, server: Dovecot) -> None:
    server.deliver(*three_emails())
    result = run_sladesk("worker", "--once", env={**_subprocess_env(), "SLADESK_IMAP_URL": server.url()})
    assert result.returncode == 0, result.stderr.decode()
    assert "mail=3" in result.stdout.decode().split()
    assert len(rows()) == 3


def test_a_poller_killed_at_random_moments_processes_every_message_exactly_once(cast: Cast, server: Dovecot) -> None:
    """A real `sladesk imap-poll` SIGKILLed mid-round, then `--once`: one row per message."""
    total = 60
    server.deliver(*(email(sender=f"p{i}@fora.example", message_id=f"<m{i}@fora.example>") for i in range(total)))
    env = {**os.environ, **_subprocess_env(), "SLADESK_IMAP_URL": server.url()}
    for _ in range(3):
        poller = subprocess.Popen([*SLADESK, "imap-poll", "--interval", "0.1"], env=env, stdout=subprocess.DEVNULL)
        before = InboundMail.objects.count()
        deadline = time.monotonic() + 60
        while InboundMail.objects.count() < min(before + 8, total) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(random.uniform(0, 0.1))  # anywhere: fetching, processing, flagging
        os.kill(poller.pid, signal.SIGKILL)
        poller.wait(10)
    last = run_sladesk("imap-poll", "--once", env=env)
    assert last.returncode == 0, last.stderr.decode()
    assert sorted(InboundMail.objects.values_list("message_id", flat=True)) == sorted(
        f"<m{i}@fora.example>" for i in range(total)
    )
    assert all("\\Seen" in flags for flags in server.flags().values())


def test_a_backlog_is_read_ahead_batch_after_batch_and_each_message_flagged(
    cast: Cast, server: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seven unseen messages in batches of two: the coming batches are parsed (and triaged) by
    the reading-ahead helper, each batch is flagged once committed, and the helper is gone after."""
    emails = [email(subject=f"Relatório {n}", message_id=f"<fila-{n}@mail.acme.example>") for n in range(7)]
    server.deliver(*emails)
    monkeypatch.setattr(imap, "BATCH", 2)
    started: list[Ahead] = []
    real_start = Ahead.start

    def start(self: Ahead) -> None:
        started.append(self)
        real_start(self)

    monkeypatch.setattr(Ahead, "start", start)
    assert poll(mailbox(server)).processed == 7
    assert [m for m, _, _ in rows()] == [f"<fila-{n}@mail.acme.example>" for n in range(7)]
    assert all("\\Seen" in flags for flags in server.flags().values()) and len(server.flags()) == 7
    assert Ticket.objects.count() == 7
    assert started and started[0].parsed == 3 and not started[0].broken  # batches 2, 3 and 4: read ahead
    assert started[0]._proc is None  # closed with the round
