"""``process_message``: every outcome and reason of the issue's contract, with real emails."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from sladesk.intake.models import InboundMail, MailEvent
from sladesk.intake.process import process_message
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets.models import Attachment, Message, Ticket
from tests.intake.conftest import Cast, at, email

NOW = at("2026-11-24 10:00")  # a Tuesday, in business hours (and in the past: receipt is never later than now)


def acks() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(automatic=True).order_by("pk"))


def test_it_opens_a_ticket_for_an_entitled_gestora_and_acknowledges_it_in_the_thread(cast: Cast) -> None:
    raw = email(message_id="<pedido-1@mail.acme.example>")
    result = process_message(raw, NOW)
    assert result.as_json() == {"outcome": "ticket_created", "ticket": 1, "reason": None, "auto_reply": True}
    t = Ticket.objects.get(number=1)
    assert (t.requester, t.channel, t.received_at) == (cast.alice, "email", NOW)  # ours, not the Date header
    assert t.subject == "Relatório de vendas não abre"
    (ack,) = acks()
    assert (ack.to, ack.in_reply_to, ack.template) == (
        "alice@acme.example",
        "<pedido-1@mail.acme.example>",
        "acknowledgement",
    )
    assert "abrimos o chamado #1" in ack.body and "Prazos deste chamado" in ack.body
    mail = InboundMail.objects.get()
    assert (mail.outcome, mail.ticket, mail.message_id) == ("ticket_created", t, "<pedido-1@mail.acme.example>")
    assert mail.raw_bytes() == raw  # kept exactly as received
    assert MailEvent.objects.filter(mail=mail, action="received").count() == 1


def test_a_reply_in_the_thread_reaches_its_ticket_by_message_id_ours_or_theirs(cast: Cast) -> None:
    process_message(email(message_id="<pedido-2@mail.acme.example>"), NOW)
    (ack,) = acks()
    ours = email(subject="Re: sem tag", body="Segue o print.", headers={"In-Reply-To": ack.message_id})
    theirs = email(
        subject="Mais um detalhe", body="Também na loja Centro.", headers={"References": "<pedido-2@mail.acme.example>"}
    )
    assert process_message(ours, at("2026-11-24 10:30")).outcome == "ticket_updated"
    assert process_message(theirs, at("2026-11-24 10:40")).outcome == "ticket_updated"
    t = Ticket.objects.get()
    bodies = list(t.messages.filter(kind=Message.Kind.INBOUND).values_list("body", flat=True))
    assert bodies[1:] == ["Segue o print.", "Também na loja Centro."]


def test_a_message_id_threads_only_a_ticket_of_the_sender_s_customer_the_newest_first(cast: Cast) -> None:
    process_message(email(message_id="<acme-1@mail.acme.example>"), NOW)  # ACME's #1
    process_message(email("bea@beta.example", message_id="<beta-2@mail.beta.example>"), NOW)  # Beta's #2
    process_message(email(message_id="<acme-3@mail.acme.example>"), NOW)  # ACME's #3
    stranger = email("bea@beta.example", subject="Re: algo", headers={"In-Reply-To": "<acme-1@mail.acme.example>"})
    assert (process_message(stranger, NOW).outcome, Ticket.objects.get(number=4).customer) == (
        "ticket_created",
        cast.beta,
    )
    # References oldest first: the newest the sender's customer knows wins; Beta's #2 is not ACME's.
    refs = "<acme-1@mail.acme.example> <beta-2@mail.beta.example> <acme-3@mail.acme.example> <nunca@x.example>"
    reply = process_message(email(subject="Re: mais", headers={"References": refs}), NOW)
    assert (reply.outcome, reply.ticket) == ("ticket_updated", 3)


def test_a_ticket_tag_counts_only_from_a_person_of_that_ticket_s_customer(cast: Cast) -> None:
    process_message(email(), NOW)  # ACME's #1
    mine = process_message(email(subject="[#1] Ainda com erro", body="Continua."), at("2026-11-24 11:00"))
    assert (mine.outcome, mine.ticket) == ("ticket_updated", 1)
    other = process_message(email("bea@beta.example", subject="[#1] Outro assunto"), at("2026-11-24 11:05"))
    assert (other.outcome, other.ticket) == ("ticket_created", 2)  # a new ticket of Lojas Beta, not ACME's #1
    assert Ticket.objects.get(number=2).customer == cast.beta


def test_the_same_email_twice_is_a_duplicate_whatever_a_relay_added(cast: Cast) -> None:
    raw = email(message_id=None)  # no Message-ID: the bytes decide
    first = process_message(raw, NOW)
    relayed = b"Received: from relay.example by mx.example; Tue, 24 Nov 2026 10:01:00 -0300\r\n" + raw
    again = process_message(relayed, at("2026-11-24 10:01"))
    assert (first.outcome, again.outcome, again.ticket) == ("ticket_created", "duplicate", 1)
    assert Ticket.objects.count() == 1 and len(acks()) == 1
    with_id = email(message_id="<x-9@mail.acme.example>")
    process_message(with_id, NOW)
    assert process_message(with_id, NOW).outcome == "duplicate"


@pytest.mark.parametrize(
    ("who", "reason", "told"),
    [
        ("bob@acme.example", "role_not_entitled", "alice@acme.example"),  # a Vendedor: ask Alice, who holds the seat
        ("gil@acme.example", "role_not_entitled", "alice@acme.example"),  # a Gerente
        ("gina@acme.example", "no_support_seat", "cobre 1 usuário de suporte"),
    ],
)
def test_it_rejects_who_may_not_ask_and_says_why_and_what_to_do(cast: Cast, who: str, reason: str, told: str) -> None:
    result = process_message(email(who), NOW)
    assert result.as_json() == {"outcome": "rejected", "ticket": None, "reason": reason, "auto_reply": True}
    assert Ticket.objects.count() == 0
    (reply,) = acks()
    assert reply.to == who and told in reply.body and "+55 51 3393.8000" in reply.body
    assert InboundMail.objects.get().review == "open"  # kept for the supervisors to see


def test_an_unknown_sender_learns_nothing_about_any_customer(cast: Cast) -> None:
    result = process_message(email("estranho@gmail.example"), NOW)
    assert (result.outcome, result.reason) == ("rejected", "unknown_sender")
    (reply,) = acks()
    assert "ACME" not in reply.body and "alice" not in reply.body.lower()


def test_a_contract_that_ended_is_no_active_contract(cast: Cast) -> None:
    contract = cast.acme.contract
    contract.ends_on = at("2026-10-31 00:00").date()
    contract.save()
    assert process_message(email(), NOW).reason == "no_active_contract"


def test_automatic_replies_are_limited_per_sender_per_hour(cast: Cast) -> None:
    results = [process_message(email("estranho@gmail.example"), NOW) for _ in range(5)]
    assert [r.auto_reply for r in results] == [True] * settings.AUTO_REPLIES_PER_HOUR + [False] * (
        5 - settings.AUTO_REPLIES_PER_HOUR
    )


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto_submitted"),
        ({"Precedence": "bulk"}, "bulk"),
        ({"List-Id": "<novidades.lista.example>"}, "bulk"),
    ],
)
def test_automatic_mail_is_ignored_and_never_answered(cast: Cast, headers: dict[str, str], reason: str) -> None:
    result = process_message(email(headers=headers), NOW)
    assert result.as_json() == {"outcome": "ignored", "ticket": None, "reason": reason, "auto_reply": False}
    assert acks() == []


def test_our_own_mail_coming_back_is_a_loop_in_quarantine(cast: Cast) -> None:
    looped = process_message(email("suporte@sladesk.example"), NOW)
    marked = process_message(email(headers={"X-Sladesk-Loop": "1"}), NOW)
    assert [(r.outcome, r.reason, r.auto_reply) for r in (looped, marked)] == [("quarantined", "loop", False)] * 2


@override_settings(TRUSTED_AUTHSERV_ID="mx.vendor.example")
def test_only_the_trusted_server_s_authentication_results_count(cast: Cast) -> None:
    forged = {"Authentication-Results": "mx.forged.example; spf=pass smtp.mailfrom=acme.example; dkim=pass"}
    failed = {"Authentication-Results": "mx.vendor.example; spf=fail smtp.mailfrom=acme.example; dkim=none"}
    passed = {"Authentication-Results": "mx.vendor.example; spf=pass smtp.mailfrom=acme.example; dmarc=pass"}
    assert process_message(email(headers=forged), NOW).reason == "unauthenticated"
    assert process_message(email(headers=failed), NOW).reason == "unauthenticated"
    assert process_message(email(headers=passed), NOW).outcome == "ticket_created"


def test_too_large_and_malformed_mail_is_quarantined_whole(cast: Cast) -> None:
    with override_settings(MAX_MESSAGE_BYTES=2_000):
        big = email(body="x" * 5_000)
        result = process_message(big, NOW)
    assert (result.outcome, result.reason) == ("quarantined", "too_large")
    assert InboundMail.objects.get(pk=result.mail_id).raw_bytes() == big
    garbage = process_message(b"\x00\xff\xfe not an email at all \x00", NOW)
    assert (garbage.outcome, garbage.auto_reply) == ("quarantined", False)


def test_a_bounce_of_our_email_is_ignored_and_recorded_on_its_ticket(cast: Cast) -> None:
    process_message(email(), NOW)
    (ack,) = acks()
    OutboxMessage.objects.filter(pk=ack.pk).update(sent_at=NOW)
    dsn = (
        "From: MAILER-DAEMON@mx.acme.example\r\nTo: suporte@sladesk.example\r\nSubject: Undelivered Mail\r\n"
        "Return-Path: <>\r\nMessage-ID: <dsn-1@mx.acme.example>\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\nMIME-Version: 1.0\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nmailbox full\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.example\r\n\r\n"
        "Final-Recipient: rfc822; alice@acme.example\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ack.message_id}\r\nSubject: x\r\n\r\n--b--\r\n"
    ).encode()
    result = process_message(dsn, at("2026-11-24 10:05"))
    assert (result.outcome, result.reason, result.ticket) == ("ignored", "bounce", 1)
    ack.refresh_from_db()
    assert ack.failed_at is not None and "bounced" in ack.last_error


def test_attachments_are_kept_with_safe_names_and_sniffed_types(cast: Cast) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    raw = email(attachments=[("../../print da tela.png", "application/octet-stream", png)])
    process_message(raw, NOW)
    (item,) = Attachment.objects.all()
    assert (item.content_type, item.size) == ("image/png", len(png))
    assert "/" not in item.name and item.name.endswith(".png")
    assert (Path(settings.DATA_DIR) / "attachments" / item.path).read_bytes() == png
    assert item.message is not None and item.message.ticket_id == item.ticket_id


def test_an_unexpected_failure_quarantines_the_email_with_the_error(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("triage exploded")

    monkeypatch.setattr("sladesk.intake.process.triage", broken)
    result = process_message(email(), NOW)
    assert (result.outcome, result.reason) == ("quarantined", "processing_error")
    mail = InboundMail.objects.get()
    assert "triage exploded" in mail.detail and Ticket.objects.count() == 0  # nothing half done


@pytest.mark.django_db(transaction=True)
def test_two_copies_processed_at_the_same_moment_make_one_ticket(cast: Cast) -> None:
    raw = email(message_id="<copia@mail.acme.example>")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def deliver(source: str) -> None:
        try:
            barrier.wait()
            outcomes.append(process_message(raw, NOW, source=source).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(s,)) for s in ("smtp", "imap", "pipe", "smtp")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["duplicate", "duplicate", "duplicate", "ticket_created"]
    assert Ticket.objects.count() == 1


def test_a_database_that_is_away_is_not_the_message_s_fault_the_caller_retries(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    def locked(*_args: object, **_kwargs: object) -> object:
        raise OperationalError("database is locked")

    monkeypatch.setattr("sladesk.intake.process.triage", locked)
    with pytest.raises(OperationalError):
        process_message(email(message_id="<tente@mail.acme.example>"), NOW)
    assert InboundMail.objects.count() == 0  # nothing half recorded: the retry starts clean
    monkeypatch.undo()
    assert process_message(email(message_id="<tente@mail.acme.example>"), NOW).outcome == "ticket_created"
