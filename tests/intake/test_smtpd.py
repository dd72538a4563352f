"""The SMTP listener with smtplib: the real aiosmtpd server (in a thread, then as real
`sladesk smtpd` processes), the real spool on disk and the real ``process_messages``.

The kill test (issue 9, section 6): 1,000 messages streamed into `sladesk smtpd` while it is
killed with SIGKILL at random moments and started again; every message that got a 250 ends
with exactly one outcome, and no ticket is made twice."""

from __future__ import annotations

import os
import random
import signal
import smtplib
import socket
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sladesk.intake import process, smtpd
from sladesk.intake.models import InboundMail
from sladesk.intake.process import Incoming
from sladesk.intake.smtpd import Listener, support_addresses
from sladesk.intake.spool import Spool
from sladesk.policies.service import current_policy
from sladesk.tickets.models import Ticket
from tests.conftest import SLADESK
from tests.intake.conftest import Cast, email
from tests.ops.test_up_process import desk_env, start
from tests.tickets.test_concurrency import _subprocess_env

__all__ = ["desk_env"]  # a fixture

pytestmark = pytest.mark.django_db(transaction=True)
SUPPORT = "suporte@sladesk.example"


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    return Spool(tmp_path / "spool")


@contextmanager
def listening(spool: Spool, max_bytes: int = 25_000_000) -> Iterator[Listener]:
    listener = Listener(spool, "127.0.0.1", 0, [SUPPORT], max_bytes)
    listener.start()
    try:
        yield listener
    finally:
        listener.stop()


def send(port: int, raw: bytes, sender: str = "alice@acme.example", to: str = SUPPORT) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail(sender, [to], raw)


def wait_until(condition: Callable[[], object], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still not true after {seconds} s: {condition}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mail(message_id: str) -> InboundMail | None:
    return InboundMail.objects.filter(message_id=message_id).first()


# ---- the spool ---------------------------------------------------------------------------------
def test_the_spool_keeps_the_bytes_exactly_with_the_instant_of_receipt_in_the_name(spool: Spool) -> None:
    raw = b"From: a@b\r\n\r\n.a line with a dot\r\n\xe7\xe3o\r\n"
    before = datetime.now(UTC)
    item = spool.put(raw)
    assert item.read() == raw
    assert before <= item.received_at <= datetime.now(UTC)
    assert item.path.parent == spool.new and list(spool.tmp.iterdir()) == []
    assert [i.name for i in spool.pending()] == [item.name]
    item.remove()
    item.remove()  # another process removed it first: fine
    assert spool.pending() == []


def test_the_spool_gives_its_messages_oldest_first(spool: Spool) -> None:
    items = [spool.put(f"Subject: {i}\r\n\r\n".encode()) for i in range(20)]
    assert spool.pending() == items


def test_the_spool_forgets_only_what_a_dead_writer_left_in_tmp_long_ago(spool: Spool) -> None:
    old, fresh = spool.tmp / f"{0:017d}.{'a' * 16}", spool.tmp / f"{1:017d}.{'b' * 16}"
    old.write_bytes(b"half a message")
    fresh.write_bytes(b"being written")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert spool.clean_tmp() == 1
    assert not old.exists() and fresh.exists()


# ---- the listener ------------------------------------------------------------------------------
def test_the_support_addresses_are_the_policys_channels_with_an_address() -> None:
    assert support_addresses(current_policy()) == {SUPPORT}


def test_it_accepts_a_gestoras_request_and_it_ends_as_a_ticket(cast: Cast, spool: Spool) -> None:
    raw = email(message_id="<pedido@mail.acme.example>").replace(b"\n", b"\r\n")
    with listening(spool) as listener:
        send(listener.port, raw, to="Suporte@SLADESK.example")  # recipients compare case-insensitively
        wait_until(lambda: mail("<pedido@mail.acme.example>") is not None and not spool.pending())
    row = mail("<pedido@mail.acme.example>")
    assert row is not None
    assert (row.source, row.outcome, row.ticket.requester) == ("smtp", "ticket_created", cast.alice)  # type: ignore[union-attr]
    assert row.source_id is not None and row.source_id.startswith("spool:")
    assert row.raw_bytes() == raw  # exactly as sent, nothing prepended


def test_it_keeps_the_bytes_as_sent_dots_eight_bits_and_overlong_lines_included(cast: Cast, spool: Spool) -> None:
    raw = (
        b"From: alice@acme.example\r\nTo: suporte@sladesk.example\r\nSubject: ponto\r\n"
        b"Message-ID: <ponto@mail.acme.example>\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n.linha que come\xc3\xa7a com ponto\r\n..e duas\r\n"
        + b"<p>" * 2000  # 6,000 bytes on one line: RFC 5321 says 1,000, mailers do otherwise
        + b"\r\n"
    )
    with listening(spool) as listener:
        send(listener.port, raw)
        wait_until(lambda: mail("<ponto@mail.acme.example>") is not None)
    row = mail("<ponto@mail.acme.example>")
    assert row is not None and row.raw_bytes() == raw


def test_another_recipient_gets_550_and_nothing_is_kept(spool: Spool) -> None:
    with listening(spool) as listener, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(listener.port, email(), to="vendas@sladesk.example")
    assert refused.value.recipients == {
        "vendas@sladesk.example": (550, b"5.1.1 <vendas@sladesk.example>: not a support address of this desk")
    }
    assert spool.pending() == [] and not InboundMail.objects.exists()


def test_a_message_over_the_limit_gets_552_whether_it_declares_its_size_or_not(spool: Spool) -> None:
    big = email(body=("x" * 70 + "\n") * 80)
    with listening(spool, max_bytes=2000) as listener:
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
            client.ehlo()
            assert client.esmtp_features["size"] == "2000"  # advertised
            with pytest.raises(smtplib.SMTPSenderRefused) as declared:
                client.sendmail("alice@acme.example", [SUPPORT], big)  # smtplib sends SIZE=
        assert (declared.value.smtp_code, declared.value.smtp_error) == (552, b"5.3.4 message too large")
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
            client.ehlo()
            assert client.mail("alice@acme.example")[0] == 250  # no SIZE=
            assert client.rcpt(SUPPORT)[0] == 250
            assert client.data(big) == (552, b"5.3.4 message too large")
    assert spool.pending() == [] and not InboundMail.objects.exists()


def test_it_answers_250_while_processing_is_stuck_and_processes_all_after(
    cast: Cast, spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conversation never waits on the database: the 250 comes once the spool has it."""
    release = threading.Event()
    real = process.process_messages

    def stuck(*args: object, **kwargs: object) -> object:
        release.wait(30)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(process, "process_messages", stuck)
    with listening(spool) as listener:
        started = time.monotonic()
        for i in range(3):
            send(listener.port, email(message_id=f"<stuck-{i}@mail.acme.example>"))
        assert time.monotonic() - started < 5
        assert len(spool.pending()) == 3 and not InboundMail.objects.exists()
        release.set()
        wait_until(lambda: not spool.pending())
    assert InboundMail.objects.filter(message_id__startswith="<stuck-").count() == 3


def test_what_could_not_be_stored_stays_in_the_spool_and_is_processed_when_it_can(
    cast: Cast, spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = process.process_messages

    def down_once(batch: list[Incoming], *rest: object) -> object:
        calls.append(",".join(str(item.source_id) for item in batch))
        if len(calls) == 1:
            raise OSError("the database is away")
        return real(batch, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(process, "process_messages", down_once)
    monkeypatch.setattr(smtpd, "RETRY_FIRST", 0.1)
    with listening(spool) as listener:
        send(listener.port, email(message_id="<retry@mail.acme.example>"))
        wait_until(lambda: not spool.pending())
    assert calls[0] == calls[1]  # the same spool item, tried again
    assert InboundMail.objects.filter(message_id="<retry@mail.acme.example>").count() == 1


def test_what_a_previous_run_left_in_the_spool_is_processed_at_start_received_when_it_came(
    cast: Cast, spool: Spool
) -> None:
    item = spool.put(email(message_id="<deixada@mail.acme.example>"))
    with listening(spool):
        wait_until(lambda: not spool.pending())
    row = mail("<deixada@mail.acme.example>")
    assert row is not None
    assert (row.outcome, row.received_at, row.source_id) == ("ticket_created", item.received_at, f"spool:{item.name}")


def test_sladesk_up_runs_the_listener_and_says_where(desk_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    proc, _url, lines = start(desk_env, "--smtp-port", str(port))
    try:
        wait_until(lambda: f"email: smtp://127.0.0.1:{port}\n" in lines, 10)
        wait_until(lambda: _can_connect(port), 30)
        send(port, email(sender="ninguem@fora.example"))  # in spool/new/ once it is answered 250
        wait_until(lambda: not any((tmp_path / "spool/new").iterdir()))  # gone once its outcome is committed
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def _can_connect(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


# ---- the kill test ------------------------------------------------------------------------------
MESSAGES = 1000
KILLS = 5
FROM_ALICE = 10  # one message in ten is a Gestora's request (a ticket); the rest are from strangers


class Desk:
    """`sladesk smtpd` as a real process, killed and started again on request."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, **_subprocess_env(), "SLADESK_DATA_DIR": str(tmp_path)}
        self.log = tmp_path / "smtpd.log"
        self.spool = tmp_path / "spool" / "new"
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            return subprocess.Popen([*SLADESK, "smtpd", "--port", str(self.port)], env=self.env, stdout=out, stderr=out)

    def kill_and_restart(self) -> None:
        self.process.kill()
        self.process.wait(10)
        self.process = self._start()

    def stop(self) -> int:
        self.process.terminate()
        return self.process.wait(30)


class Sender:
    """Sends each message until it gets its 250, over one connection, reconnecting when the
    listener died under it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.client: smtplib.SMTP | None = None
        self.accepted = 0
        self.failed_tries = 0

    def send(self, sender: str, raw: bytes) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.client is None:
                    self.client = smtplib.SMTP("127.0.0.1", self.port, timeout=10)
                self.client.sendmail(sender, [SUPPORT], raw)
                self.accepted += 1
                return
            except (OSError, smtplib.SMTPException):  # killed mid-conversation, or not listening yet
                self.failed_tries += 1
                self.client = None
                time.sleep(0.02)
        pytest.fail(f"no 250 for 60 s; see {self.port}")


def kill_test_messages() -> list[tuple[str, str, bytes]]:
    """(Message-ID, sender, bytes) of each message: distinct Message-IDs, one in ten from Alice.
    Written out rather than built with ``email()``: a thousand of those take seconds."""
    found = []
    for i in range(MESSAGES):
        sender = "alice@acme.example" if i % FROM_ALICE == 0 else f"pessoa{i}@desconhecida.example"
        message_id = f"<kill-{i}@mail.test.example>"
        raw = (
            f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: Pedido {i}\r\nDate: Fri, 20 Nov 2026 08:00:00 -0300\r\n"
            f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\nO relatório {i} dá erro 500 desde ontem às 14h.\r\n"
        ).encode()
        found.append((message_id, sender, raw))
    return found


def test_kill_the_listener_at_random_moments_every_250_ends_with_one_outcome_and_no_ticket_twice(
    cast: Cast, tmp_path: Path
) -> None:
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    messages = kill_test_messages()
    desk = Desk(tmp_path)
    sender = Sender(desk.port)
    kill_at = sorted(rng.sample(range(50, MESSAGES - 50), KILLS))  # after so many 250s, plus a random delay

    def killer() -> None:
        for count in kill_at:
            while sender.accepted < count:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.05))
            desk.kill_and_restart()

    started = time.monotonic()
    thread = threading.Thread(target=killer)
    thread.start()
    try:
        for _message_id, from_address, raw in messages:
            sender.send(from_address, raw)
        thread.join(60)
        wait_until(lambda: not any(desk.spool.iterdir()), 240)
    finally:
        thread.join(60)
        code = desk.stop()
    elapsed = time.monotonic() - started
    print(f"seed {seed}: {MESSAGES} messages, {KILLS} kills, {sender.failed_tries} failed tries, {elapsed:.1f} s")

    assert code == 0, desk.log.read_text()
    assert sender.accepted == MESSAGES
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for message_id, outcome in InboundMail.objects.values_list("message_id", "outcome"):
        outcomes[message_id][outcome] += 1
    assert outcomes.keys() == {message_id for message_id, _, _ in messages}
    not_duplicates = {mid: sum(n for o, n in c.items() if o != "duplicate") for mid, c in outcomes.items()}
    assert set(not_duplicates.values()) == {1}, {mid: c for mid, c in outcomes.items() if not_duplicates[mid] != 1}
    expected = {mid: ("ticket_created" if who == "alice@acme.example" else "rejected") for mid, who, _ in messages}
    assert {mid: next(o for o in c if o != "duplicate") for mid, c in outcomes.items()} == expected
    assert Ticket.objects.count() == MESSAGES // FROM_ALICE
    subjects = Counter(Ticket.objects.values_list("subject", flat=True))
    assert subjects.most_common(1)[0][1] == 1  # no ticket made twice
    assert not InboundMail.objects.exclude(source="smtp").exists()
