"""Delivery through a real SMTP relay (aiosmtpd on loopback, configured the way an operator
does: SLADESK_SMTP_URL): the customer's thread, the ticket tag, automatic replies marked."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from sladesk.config.env import ConfigError, smtp_relay
from sladesk.intake.process import process_message
from sladesk.outbound.actions import deliver_due
from tests.intake.conftest import Cast, at, email


class Collect:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[Collect, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port, auth_require_tls=False)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_the_acknowledgement_goes_through_the_relay_in_the_customer_s_thread(
    cast: Cast, relay: tuple[Collect, int]
) -> None:
    handler, port = relay
    process_message(email(message_id="<pedido@mail.acme.example>"), at("2026-11-24 10:00"))
    with override_settings(**smtp_relay(f"smtp://127.0.0.1:{port}")):
        assert deliver_due() == 1
    ((mail_from, rcpt, msg),) = handler.received
    assert (mail_from, rcpt) == ("suporte@sladesk.example", ["alice@acme.example"])
    assert str(msg["Subject"]).strip().startswith("[#1] Recebemos o seu chamado")  # folded by the relay: trimmed
    assert (msg["In-Reply-To"], msg["References"]) == ("<pedido@mail.acme.example>", "<pedido@mail.acme.example>")
    assert msg["Auto-Submitted"] == "auto-replied" and msg["Message-ID"].endswith("@sladesk.example>")
    # The customer's answer to it threads back to the ticket.
    answer = email(subject="Re: " + msg["Subject"], body="Segue o print.", headers={"In-Reply-To": msg["Message-ID"]})
    assert process_message(answer, at("2026-11-24 11:00")).as_json()["outcome"] == "ticket_updated"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtps://desk%40vendor.example:s3cr%C3%AAt@smtp.vendor.example",
            ("smtp.vendor.example", 465, "desk@vendor.example", "s3crêt", True, False),
        ),
        ("smtp://mx.vendor.example:587?starttls=true", ("mx.vendor.example", 587, "", "", False, True)),
        ("smtp://mx.vendor.example", ("mx.vendor.example", 25, "", "", False, False)),
    ],
)
def test_the_relay_url_gives_host_port_user_password_and_tls(url: str, expected: tuple[object, ...]) -> None:
    s = smtp_relay(url)
    got = (
        s["EMAIL_HOST"],
        s["EMAIL_PORT"],
        s["EMAIL_HOST_USER"],
        s["EMAIL_HOST_PASSWORD"],
        s["EMAIL_USE_SSL"],
        s["EMAIL_USE_TLS"],
    )
    assert got == expected


@pytest.mark.parametrize("url", ["http://mx.example", "smtp://", "smtp://mx.example:abc"])
def test_a_wrong_relay_url_says_what_is_expected(url: str) -> None:
    with pytest.raises(ConfigError, match="SLADESK_SMTP_URL"):
        smtp_relay(url)
