"""Emails as the desk receives them, written as bytes, and the desk's personas
(tests/tickets/conftest.py: Alice is ACME's Gestora with the seat, Gina a Gestora without
one, Gil a Gerente, Bob a Vendedor; Bea is Lojas Beta's Gestora)."""

from __future__ import annotations

import itertools
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from tests.tickets.conftest import SP, Cast, at, cast

__all__ = ["SP", "Cast", "at", "cast", "email"]

_numbers = itertools.count(1)


def email(
    sender: str = "alice@acme.example",
    subject: str = "Relatório de vendas não abre",
    body: str = "O relatório de vendas dá erro 500 desde ontem às 14h.",
    *,
    to: str = "suporte@sladesk.example",
    message_id: str | None = "",
    headers: dict[str, str] | None = None,
    date: datetime | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """One email as its bytes. ``message_id=""`` makes a fresh one; ``None`` leaves it out."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = format_datetime(date or at("2026-11-20 08:00"))
    if message_id is not None:
        m["Message-ID"] = message_id or make_msgid(f"t{next(_numbers)}", domain="mail.acme.example")
    for name, value in (headers or {}).items():
        m[name] = value
    m.set_content(body)
    for name, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m.as_bytes()
