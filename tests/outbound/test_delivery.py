"""The outbox: claimed, committed, sent with no transaction open, recorded; retried with
backoff; failed for good after the last attempt, and then shown where people look."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from sladesk.outbound import actions as outbox
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets import queries
from tests.tickets.conftest import Cast

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
SEEN: list[bool] = []  # whether a transaction was open while each message was handed to the relay


class WatchingBackend(LocmemBackend):
    """Django's in-memory backend that also notes whether a transaction was open."""

    def send_messages(self, messages: Any) -> int:
        SEEN.append(connection.in_atomic_block)
        return super().send_messages(messages)


class RefusingBackend(BaseEmailBackend):
    """A relay that refuses every message, as a relay that is down does."""

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture(autouse=True)
def _locmem() -> Any:
    with override_settings(EMAIL_BACKEND=LOCMEM):
        yield


def later(minutes: float) -> Any:
    return timezone.now() + timedelta(minutes=minutes)


def test_it_delivers_the_outbox_once(cast: Cast) -> None:
    cast.ticket("2027-03-01 09:00")
    assert outbox.deliver_due() == 1
    assert outbox.deliver_due() == 0
    assert [m.to for m in mail.outbox] == [["alice@acme.example"]]
    assert "Recebemos a sua solicitação e abrimos o chamado #1" in mail.outbox[0].body
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts) == ("sent", 1)


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_relay_is_talked_to(cast: Cast) -> None:
    SEEN.clear()
    cast.ticket("2027-03-01 09:00")
    cast.ticket("2027-03-01 09:05")
    with override_settings(EMAIL_BACKEND="tests.outbound.test_delivery.WatchingBackend"):
        assert outbox.deliver_due() == 2
    assert SEEN == [False, False]


@override_settings(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend")
def test_a_failed_delivery_is_kept_and_retried_later(cast: Cast, tmp_path: Path) -> None:
    cast.ticket("2027-03-01 09:00")
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    with override_settings(EMAIL_FILE_PATH=str(blocked / "x")):
        assert outbox.deliver_due() == 0
    row = OutboxMessage.objects.get()
    assert (row.attempts, row.sent_at, row.state) == (1, None, "retrying")
    assert row.last_error
    assert row.send_after > row.created_at


def test_after_the_last_attempt_it_is_failed_and_shown_on_its_ticket(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00")
    with override_settings(EMAIL_BACKEND="tests.outbound.test_delivery.RefusingBackend"):
        for attempt in range(outbox.MAX_ATTEMPTS):
            outbox.deliver_due(now=later(2 ** (attempt + 1) + 1))
    row = OutboxMessage.objects.get()
    assert (row.state, row.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert "Connection refused" in row.last_error
    assert outbox.deliver_due(now=later(10_000)) == 0  # nothing more is tried
    (failed,) = queries.ticket_json(t, timezone.now())["failed_emails"]
    assert (failed["to"], failed["attempts"]) == ("alice@acme.example", outbox.MAX_ATTEMPTS)
    client = Client()
    client.force_login(cast.ana)
    page = client.get(f"/t/{t.code}/").content.decode()
    assert "E-mails não entregues" in page and "Connection refused" in page
    cast.sam.is_superuser = cast.sam.is_staff = True
    cast.sam.save()
    client.force_login(cast.sam)
    admin = client.get("/admin/outbound/outboxmessage/?state=failed").content.decode()
    assert "alice@acme.example" in admin


def test_a_message_claimed_by_a_worker_that_died_is_sent_after_its_lease(cast: Cast) -> None:
    cast.ticket("2027-03-01 09:00")
    now = timezone.now()
    assert len(outbox._claim(now, 10)) == 1  # claimed and committed; then the worker died
    assert outbox.deliver_due(now=now + timedelta(seconds=30)) == 0  # still leased
    assert outbox.deliver_due(now=now + outbox.LEASE + timedelta(seconds=1)) == 1
    assert len(mail.outbox) == 1


def test_a_subject_with_line_breaks_is_cleaned_when_the_ticket_is_created(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", subject="Erro ao salvar\r\nBcc: todos@example.com\x00")
    assert t.subject == "Erro ao salvar Bcc: todos@example.com"
    assert outbox.deliver_due() == 1
    assert mail.outbox[0].subject == "[#1] Recebemos o seu chamado: Erro ao salvar Bcc: todos@example.com"
    assert mail.outbox[0].bcc == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_each_message_once(cast: Cast) -> None:
    for i in range(30):
        cast.ticket("2027-03-01 09:00", subject=f"Chamado {i}")
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def deliver() -> None:
        try:
            barrier.wait()
            counts.append(sum(outbox.deliver_due(limit=5) for _ in range(10)))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(counts) == 30
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == len(set(subjects)) == 30
