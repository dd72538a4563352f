"""What an email says, as values: the boundary between parsing (bytes -> ``InboundMessage``,
no database) and processing (``process.process_message``). Pure: no Django import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str  # a safe file name: no directory, no control characters, at most 150 characters
    content_type: str  # sniffed from the bytes when recognisable, else the declared type (or octet-stream)
    declared_type: str  # what the message said
    size: int
    data: bytes
    inline: bool = False  # Content-Disposition: inline (an embedded image, say)


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One email, decoded. Header values are one line each; addresses are lower-case."""

    message_id: str  # "<local@domain>" as sent (angle brackets included), "" when absent or unreadable
    in_reply_to: tuple[str, ...] = ()  # Message-IDs, "<...>" each
    references: tuple[str, ...] = ()  # Message-IDs, oldest first
    subject: str = ""
    from_address: str = ""  # the addr-spec, lower-case; "" when there is none
    from_name: str = ""
    reply_to: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    date: datetime | None = None  # the Date header: informational only, never the receipt time
    auto_submitted: str = ""  # the Auto-Submitted header, lower-case ("" or "no": a person wrote it)
    precedence: str = ""  # lower-case (bulk, list, junk, ...)
    list_id: str = ""
    is_bounce: bool = False  # a delivery status notification, or from a mailer daemon with an empty return path
    bounced_message_ids: tuple[str, ...] = ()  # the Message-IDs a bounce reports on
    authentication_results: tuple[str, ...] = ()  # the raw Authentication-Results values, top first
    text: str = ""  # the body as text: text/plain preferred, else the HTML turned into text
    html: str = ""  # the HTML body sanitised for display (nh3), "" when there is none
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = ()  # what was wrong but could still be read (a bad charset, ...)
    malformed: str = ""  # why the message cannot be read at all ("" when it can): it is quarantined
    digest: str = ""  # sha256 of the message without trace headers: the duplicate key without a Message-ID
    headers: dict[str, str] = field(default_factory=dict)  # other headers kept for agents (lower-case names)
