"""An email's bytes as an ``InboundMessage``: headers decoded, the body as text (and sanitised
HTML), attachments with safe names and sniffed types, bounces and automatic mail recognised,
and a digest that the relays' trace headers do not change. Pure: no Django, no database.

``parse`` never raises. What cannot be read at all (no header fields: not an email) is said in
``malformed``; what is wrong but readable (a bad charset, broken base64, a missing boundary)
is listed in ``defects``. The MIME structure is split here, not by ``email.parser``, so that
depth (20 levels), the number of parts (500) and the time spent stay bounded whatever the bytes;
the ``email`` package still reads the parameters (RFC 2231 names) and the addresses."""

from __future__ import annotations

import binascii
import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime
from itertools import pairwise

import filetype  # type: ignore[import-untyped]

from sladesk.intake.content import (
    clean_text,
    decode_text,
    html_to_text,
    safe_name,
    sanitise_html,
    split_quoted,
    unflow,
)
from sladesk.intake.message import Attachment, InboundMessage

__all__ = ["parse", "split_quoted"]

MAX_DEPTH = 20  # MIME levels read (a forwarded message counts one)
MAX_PARTS = 500  # MIME parts read
MAX_VALUE = 20_000  # characters of one header value
MAX_PARAMS = 4_000  # characters of a Content-Type or Content-Disposition read for its parameters
MAX_HTML = 1_000_000  # characters of HTML read in one message (images inside it not counted)
MAX_IDS = 100  # Message-IDs kept from References (the first and the latest)
MAX_DEFECTS = 50

FORWARD_LINE = "---------- Mensagem encaminhada ----------"
KEPT = (
    *("x-mailer", "user-agent", "x-priority", "x-msmail-priority", "importance", "priority"),
    *("x-auto-response-suppress", "x-autoreply", "x-autorespond", "x-failed-recipients", "x-loop"),
    *("return-path", "sender"),
)
# Added by each hop: the digest leaves them out, so that a relayed copy is the same message.
_TRACE = {"received", "x-received", "received-spf", "return-path", "delivered-to", "x-original-to"}
_TRACE |= {"authentication-results"}
_TRACE_PREFIXES = ("arc-", "x-spam-", "x-virus-")
_EMAIL_FIELDS = {"from", "sender", "to", "cc", "subject", "date", "message-id", "mime-version", "content-type"}
_EMAIL_FIELDS |= {"received", "return-path", "reply-to", "in-reply-to", "references", "delivered-to"}
_BODY_TYPES = ("text/plain", "text/html")
_FORWARDS = ("message/rfc822", "message/global")
_STATUS = ("message/delivery-status", "message/global-delivery-status")
_RETURNED_HEADERS = ("text/rfc822-headers", "message/global-headers")
_DAEMONS = ("mailer-daemon", "postmaster")

_FIELD = re.compile(rb"([\x21-\x39\x3b-\x7e]{1,200})[ \t]*:[^\n]*\n?(?:[ \t][^\n]*\n?)*")  # with its folded lines
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_WORD = re.compile(r"=\?([^?\s]{1,60})\?([bBqQ])\?([^?]*)\?=")
_ID = re.compile(r"<([^<>]*)>")
_ADDRESS = re.compile(r'[^\s@<>()\[\],;:"]+@[^\s@<>()\[\],;:"]+|[a-z0-9._+-]+')  # or a bare name: MAILER-DAEMON
_NOT_IN_IDS = re.compile(r"[\s\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_PLAIN_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(sorted(set(range(256)) - set(_BASE64_ALPHABET)))
_DATA_URI = re.compile(r"""data:[^"'\s>]{200,}""")  # an image inside the HTML
_ORIGINAL_ID = re.compile(rb"^(?:x-)?original-message-id[ \t]*:(.*)$", re.I | re.M)
_QUOTED_ID = re.compile(r"^[ \t>]*message-id[ \t]*:[ \t]*(<[^<>\s]+>)", re.I | re.M)


def parse(raw: bytes) -> InboundMessage:
    """The message in ``raw``, as far as it can be read. Never raises."""
    try:
        return _Reader().read(bytes(raw))
    except Exception as exc:  # the contract: whatever the bytes, a value (and the reason)
        digest = hashlib.sha256(raw).hexdigest() if isinstance(raw, bytes) else ""
        return InboundMessage(message_id="", malformed=f"unreadable ({type(exc).__name__})", digest=digest)


def parse_within(raw: bytes, limit: int) -> InboundMessage:
    """``parse``, or for a message over ``limit`` bytes its header section only (who sent it,
    what it is about: enough to quarantine it as too large and say so)."""
    if len(raw) > limit:
        end = raw.find(b"\r\n\r\n")
        end = raw.find(b"\n\n") if end < 0 else end
        head = raw[: end if 0 <= end < 1_000_000 else 65_536]
        return parse(head + b"\r\n\r\n")
    return parse(raw)


# ---- the header section -----------------------------------------------------------------------
@dataclass
class _Head:
    """A header section as read: its fields (lower-case name, the raw field with its folded
    lines), and where the body after it lies in the message's bytes (a nested part is a span
    of the same bytes, never a copy, however deep it lies)."""

    fields: list[tuple[str, bytes]]
    raw: bytes
    start: int  # of the body
    end: int
    separated: bool = True  # a blank line ended the header section
    index: dict[str, list[bytes]] = field(default_factory=dict)

    @property
    def body(self) -> bytes:
        return self.raw[self.start : self.end]

    def get(self, name: str) -> list[bytes]:
        if not self.index:
            for key, value in self.fields:
                self.index.setdefault(key, []).append(value)
        return self.index.get(name, [])


def _split(raw: bytes, start: int = 0, end: int | None = None, top: bool = False) -> _Head:
    """The header fields from ``start`` on, and the body after them up to ``end``."""
    fields: list[tuple[str, bytes]] = []
    pos, end = start, len(raw) if end is None else end
    if top and raw.startswith(b"From ", pos, end):  # an mbox envelope line
        pos = _line_end(raw, pos, end)
    while pos < end:
        if found := _FIELD.match(raw, pos, end):
            fields.append((found.group(1).decode("ascii").lower(), found.group(0)))
            pos = found.end()
        elif raw.startswith((b"\n", b"\r\n"), pos, end):  # the blank line
            return _Head(fields, raw, _line_end(raw, pos, end), end)
        elif raw.startswith((b" ", b"\t"), pos, end):  # a folded line with no field above it
            pos = _line_end(raw, pos, end)
        else:
            return _Head(fields, raw, pos, end, separated=False)
    return _Head(fields, raw, end, end)


def _line_end(raw: bytes, pos: int, end: int) -> int:
    found = raw.find(b"\n", pos, end)
    return end if found < 0 else found + 1


def _text_of(data: bytes) -> str:
    try:
        return data.decode("utf-8")  # RFC 6532
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# ---- header values ----------------------------------------------------------------------------
def one_line(text: str) -> str:
    """Control, format and separator characters become one space each run; trimmed."""
    if not text.isprintable():  # else none to replace (the common case, checked at C speed)
        text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return _SPACES.sub(" ", text).strip()


def decode_words(value: str, defects: list[str] | None = None) -> str:
    """RFC 2047 encoded-words decoded, tolerantly: adjacent words of one charset are joined
    before decoding (a character split between two words survives), bad base64 and unknown
    charsets give what can be read, never an error."""
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []
    pos = 0
    for word in _WORD.finditer(value):
        gap = value[pos : word.start()]
        if gap.strip() or not pending:
            _flush(pending, out, defects)
            out.append(gap)
        charset = word.group(1).split("*", 1)[0].lower()
        data = word.group(3).encode("utf-8", errors="replace")
        data = _base64(data)[0] if word.group(2) in "bB" else binascii.a2b_qp(data, header=True)
        if pending and pending[-1][0] == charset:
            pending[-1] = (charset, pending[-1][1] + data)
        else:
            _flush(pending, out, defects)
            pending.append((charset, data))
        pos = word.end()
    _flush(pending, out, defects)
    out.append(value[pos:])
    return "".join(out)


def _flush(pending: list[tuple[str, bytes]], out: list[str], defects: list[str] | None) -> None:
    for charset, data in pending:
        text, defect = decode_text(data, charset)
        out.append(text)
        if defect and defects is not None:
            defects.append(f"header: {defect}")
    pending.clear()


def _ids(value: str) -> list[str]:
    """Every "<...>" token, without whitespace; bare tokens with an "@" when there is no "<"."""
    found = [_NOT_IN_IDS.sub("", token) for token in _ID.findall(value)]
    if not found and "<" not in value:
        found = [token for token in value.split() if "@" in token]
    return list(dict.fromkeys(f"<{token}>" for token in found if token and len(token) <= 500))


# The usual From line, read without the stdlib's general parser: "addr@host" or "Plain Name <addr@host>"
# (ASCII, no quotes, comments, groups, encoded words or second address). It gives what the
# general parser gives for these (tests/intake/test_parse.py compares the two on random values).
_PLAIN_ADDRESS = re.compile(
    r"[ \t]*(?:([A-Za-z0-9][A-Za-z0-9 _-]*?)[ \t]*<([A-Za-z0-9._+-]+@[A-Za-z0-9.-]+)>"
    r"|([A-Za-z0-9._+-]+@[A-Za-z0-9.-]+))[ \t]*"
)


def _addresses(value: str) -> list[tuple[str, str]]:
    plain = _PLAIN_ADDRESS.fullmatch(value)
    if plain is not None:
        name, address = (" ".join(plain[1].split()), plain[2]) if plain[2] else ("", plain[3])
        return [(name, address.lower())] if _ADDRESS.fullmatch(address.lower()) else []
    return _addresses_parsed(value)


def _addresses_parsed(value: str) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses([value])
    except Exception:  # the stdlib's address parser on hostile input
        return []
    found = [(name, one_line(address).lower()) for name, address in pairs]
    return [
        (one_line(decode_words(name)).strip("\"' "), address) for name, address in found if _ADDRESS.fullmatch(address)
    ]


def _date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except Exception:  # TypeError, ValueError, OverflowError: an unreadable date is no date
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _base64(data: bytes) -> tuple[bytes, bool]:
    """Decoded, whatever the padding, line lengths or stray characters; and whether it was valid."""
    compact = data.translate(None, b" \t\r\n")
    clean = compact.translate(None, _NOT_BASE64)
    valid = len(compact) % 4 == 0 and len(compact) - len(clean) <= 2 and compact.rstrip(b"=") == clean
    if len(clean) % 4 == 1:
        clean = clean[:-1]
    return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4)), valid


def _mime(head: _Head, default_type: str) -> Message:
    """The part's Content-* fields in a ``Message``, for the ``email`` package's parameter reading."""
    mime = Message()
    mime.set_default_type(default_type)
    for name in ("content-type", "content-disposition"):
        values = head.get(name)
        if values:
            mime.set_raw(name, _FOLD.sub("", _text_of(values[0].split(b":", 1)[1]))[:MAX_PARAMS].strip())
    return mime


def _content_type(mime: Message) -> str:
    try:
        return _SPACES.sub("", mime.get_content_type())[:255]
    except Exception:
        return "application/octet-stream"


def _param(mime: Message, name: str, header: str = "content-type") -> str:
    try:
        value = mime.get_param(name, header=header)
        return str(collapse_rfc2231_value(value) if value is not None else "").strip()
    except Exception:  # RFC 2231 in a codec that raises, and the like
        return ""


@dataclass
class _Body:
    """The text of an entity two ways: ``text`` prefers text/plain, ``html`` prefers text/html."""

    text: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    plain: bool = False  # some of ``text`` was written as text/plain
    rich: bool = False  # some of ``html`` was written as HTML

    def add(self, other: _Body) -> None:
        self.text += other.text
        self.html += other.html
        self.plain |= other.plain
        self.rich |= other.rich


def _alternative(bodies: list[_Body]) -> _Body:
    """multipart/alternative: the last text/plain rendering for text, the last HTML for html."""
    if not bodies:
        return _Body()
    text = next((b for b in reversed(bodies) if b.plain and b.text), None)
    text = text or next((b for b in reversed(bodies) if b.text), bodies[-1])
    rich = next((b for b in reversed(bodies) if b.rich), text)
    return _Body(text.text, rich.html, text.plain, rich.rich)


# ---- reading a message ------------------------------------------------------------------------
class _Reader:
    def __init__(self) -> None:
        self.defects: list[str] = []
        self.parts = 0
        self.attachments: list[Attachment] = []
        self.returned_ids: list[str] = []  # Message-IDs of returned messages (a bounce's)
        self.status = False  # a delivery-status part outside any forwarded message
        self.html_left = MAX_HTML  # characters of HTML still to read in this message

    def defect(self, text: str) -> None:
        if len(self.defects) < MAX_DEFECTS * 4:
            self.defects.append(text)

    def values(self, head: _Head, name: str) -> list[str]:
        """The field's values, unfolded and cut to ``MAX_VALUE`` (encoded-words not yet decoded)."""
        found = []
        for raw in head.get(name):
            value = _text_of(raw.split(b":", 1)[1][: MAX_VALUE * 4])
            value = _FOLD.sub("", value).strip()
            if len(value) > MAX_VALUE:
                self.defect(f"header {name} longer than {MAX_VALUE} characters: cut")
            found.append(value[:MAX_VALUE])
        return found

    def first(self, head: _Head, name: str) -> str:
        values = self.values(head, name)
        return values[0] if values else ""

    def text(self, head: _Head, name: str) -> str:
        """The first value decoded, on one line."""
        return one_line(decode_words(self.first(head, name), self.defects))

    def read(self, raw: bytes) -> InboundMessage:
        head = _split(raw, top=True)
        if not head.separated and head.fields:
            self.defect("no blank line after the header section")
        body = self.entity(head, 0, 0)
        text = "\n\n".join(t.strip("\n") for t in body.text if t.strip())
        shown = "\n".join(body.html) if body.rich else ""
        if len(shown) > 2 * MAX_HTML:
            self.defect(f"HTML to show longer than {2 * MAX_HTML} characters: cut")
        return self.message(raw, head, text, sanitise_html(shown[: 2 * MAX_HTML]) if shown else "")

    def message(self, raw: bytes, head: _Head, text: str, html_body: str) -> InboundMessage:
        sender = _addresses(self.first(head, "from"))
        from_name, from_address = sender[0] if sender else ("", "")
        if not from_address:
            self.defect("no From address")
        message_id = self.message_id(head)
        bounce = self.is_bounce(head, from_address)
        return InboundMessage(
            message_id=message_id,
            in_reply_to=tuple(_ids(" ".join(self.values(head, "in-reply-to"))))[:20],
            references=self.references(head),
            subject=self.text(head, "subject"),
            from_address=from_address,
            from_name=from_name,
            reply_to=next((a for _, a in _addresses(self.first(head, "reply-to"))), ""),
            to=tuple(a for value in self.values(head, "to") for _, a in _addresses(value)),
            cc=tuple(a for value in self.values(head, "cc") for _, a in _addresses(value)),
            date=self.date(head),
            auto_submitted=re.sub(r"\(.*?\)", "", self.text(head, "auto-submitted")).split(";")[0].strip().lower(),
            precedence=self.text(head, "precedence").lower(),
            list_id=self.text(head, "list-id"),
            is_bounce=bounce,
            bounced_message_ids=self.bounced_ids(head, text) if bounce else (),
            authentication_results=tuple(one_line(v) for v in self.values(head, "authentication-results")),
            text=text,
            html=html_body,
            attachments=tuple(self.attachments),
            malformed=_malformed(raw, head),
            digest=_digest(head),
            headers=self.kept(head),
            defects=tuple(dict.fromkeys(self.defects))[:MAX_DEFECTS],
        )

    def kept(self, head: _Head) -> dict[str, str]:
        found = {name: ", ".join(one_line(decode_words(v)) for v in self.values(head, name)) for name in KEPT}
        return {name: value for name, value in found.items() if value}

    def message_id(self, head: _Head) -> str:
        value = self.first(head, "message-id")
        found = _ids(value) or _ids(f"<{value.strip('<> ')}>")
        if not found:
            self.defect("no Message-ID" if not value else "unreadable Message-ID")
        return found[0] if found else ""

    def references(self, head: _Head) -> tuple[str, ...]:
        found = _ids(" ".join(self.values(head, "references")))
        if len(found) > MAX_IDS:
            self.defect(f"more than {MAX_IDS} References: the first and the latest kept")
            found = [found[0], *found[1 - MAX_IDS :]]
        return tuple(found)

    def date(self, head: _Head) -> datetime | None:
        value = self.first(head, "date")
        when = _date(value) if value else None
        if value and when is None:
            self.defect("unreadable Date")
        return when

    def is_bounce(self, head: _Head, from_address: str) -> bool:
        mime = _mime(head, "text/plain")
        if _content_type(mime) == "multipart/report" and _param(mime, "report-type").lower() == "delivery-status":
            return True
        empty_return = any(not v.strip("<> \t") for v in self.values(head, "return-path"))
        return self.status or (empty_return and from_address.split("@", 1)[0] in _DAEMONS)

    def bounced_ids(self, head: _Head, text: str) -> tuple[str, ...]:
        found = list(self.returned_ids)
        for name in ("original-message-id", "x-original-message-id"):
            found += [i for v in self.values(head, name) for i in _ids(v)]
        if not found:  # a bounce that quotes the returned message in its text
            found = [i for token in _QUOTED_ID.findall(text) for i in _ids(token)]
        return tuple(dict.fromkeys(found))

    # ---- the MIME tree ------------------------------------------------------------------------
    def entity(self, head: _Head, depth: int, forwarded: int, parent: str = "") -> _Body:
        """What one MIME entity contributes; its attachments are collected on the way."""
        self.parts += 1
        try:
            return self.content(head, depth, forwarded, parent)
        except Exception as exc:  # a bug or a limit of the email package: one part lost, not the email
            self.defect(f"unreadable MIME part ({type(exc).__name__})")
            return _Body()

    def content(self, head: _Head, depth: int, forwarded: int, parent: str) -> _Body:
        mime = _mime(head, "message/rfc822" if parent == "multipart/digest" else "text/plain")
        kind = _content_type(mime)
        if kind.startswith("multipart/"):
            return self.multipart(head, mime, kind, depth, forwarded)
        if kind in _FORWARDS:
            inner = self.inner(head, kind)
            if forwarded == 0 and parent == "multipart/report":  # the returned message of a bounce
                self.returned_ids += _ids(self.first(inner, "message-id"))
                return _Body()
            return self.forwarded(inner, depth, forwarded)
        data = self.decoded(head, kind)
        if forwarded == 0 and kind in _RETURNED_HEADERS:
            self.returned_ids += _ids(self.first(_split(data), "message-id"))
        if forwarded == 0 and kind in _STATUS:
            self.status = True
            self.returned_ids += [i for v in _ORIGINAL_ID.findall(data) for i in _ids(_text_of(v))]
        disposition = (mime.get_content_disposition() or "").lower()
        name = self.filename(mime)
        if kind in _BODY_TYPES and disposition != "attachment" and not name:
            return self.body_text(data, mime, kind)
        self.attachment(data, kind, name, disposition == "inline")
        return _Body()

    def multipart(self, head: _Head, mime: Message, kind: str, depth: int, forwarded: int) -> _Body:
        boundary = _param(mime, "boundary")
        if depth >= MAX_DEPTH:
            self.defect(f"MIME parts nested deeper than {MAX_DEPTH} levels: not read")
            return _Body()
        found = _parts(head, boundary.encode("utf-8", errors="replace")) if 0 < len(boundary) <= 200 else None
        if found is None:
            self.defect(f"{kind} without its boundary: read as text")
            return self.body_text(head.body, Message(), "text/plain")
        spans, closed = found
        if not closed:
            self.defect(f"{kind} without its closing boundary")
        bodies = []
        for start, end in spans:
            if self.parts >= MAX_PARTS:
                self.defect(f"more than {MAX_PARTS} MIME parts: the rest not read")
                break
            bodies.append(self.entity(_split(head.raw, start, end), depth + 1, forwarded, kind))
        if kind == "multipart/alternative":
            return _alternative(bodies)
        whole = _Body()
        for body in bodies:
            whole.add(body)
        return whole

    def forwarded(self, head: _Head, depth: int, forwarded: int) -> _Body:
        """A message/rfc822 part (a forwarded email): its text under a separator, its attachments."""
        if depth >= MAX_DEPTH:
            self.defect(f"MIME parts nested deeper than {MAX_DEPTH} levels: not read")
            return _Body()
        inner = self.entity(head, depth + 1, forwarded + 1)
        said = [FORWARD_LINE]
        for label, name in (("De", "from"), ("Data", "date"), ("Assunto", "subject"), ("Para", "to")):
            if value := self.text(head, name):
                said.append(f"{label}: {value}")
        heading = "\n".join(said)
        text = [heading + "\n\n" + "\n\n".join(t.strip("\n") for t in inner.text if t.strip())]
        lines = "<br>\n".join(html.escape(line) for line in said)
        return _Body(text, [f"<hr>\n<p>{lines}</p>", *inner.html], inner.plain, inner.rich)

    def inner(self, head: _Head, kind: str) -> _Head:
        """The message inside a message/rfc822 part: the same bytes, unless it was (wrongly) encoded."""
        if self.first(head, "content-transfer-encoding").strip().lower() in ("base64", "quoted-printable"):
            return _split(self.decoded(head, kind))
        return _split(head.raw, head.start, head.end)

    def decoded(self, head: _Head, kind: str) -> bytes:
        encoding = self.first(head, "content-transfer-encoding").strip().lower()
        if encoding == "base64":
            data, valid = _base64(head.body)
            if not valid:
                self.defect(f"broken base64 in a {kind} part")
            return data
        if encoding == "quoted-printable":
            return binascii.a2b_qp(head.body)
        if encoding not in ("", "7bit", "8bit", "binary"):
            self.defect(f"unknown transfer encoding {encoding[:40]!r}: read as is")
        return head.body

    def body_text(self, data: bytes, mime: Message, kind: str) -> _Body:
        text, defect = decode_text(data, _param(mime, "charset") or None)
        if defect:
            self.defect(f"{kind}: {defect}")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if kind == "text/plain":
            if _param(mime, "format").lower() == "flowed":
                text = unflow(text, _param(mime, "delsp").lower() == "yes")
            shown = "<p>" + html.escape(text).replace("\n", "<br>\n") + "</p>"
            return _Body([text], [shown], plain=True)
        text = _DATA_URI.sub("", text)  # images inside the HTML: megabytes that are not text
        if len(text) > self.html_left:
            self.defect(f"HTML longer than {MAX_HTML} characters: cut")
            text = text[: self.html_left]
        self.html_left -= len(text)
        return _Body([html_to_text(text)], [text], rich=True)

    def filename(self, mime: Message) -> str:
        try:
            name = mime.get_filename() or ""
        except Exception:
            self.defect("unreadable attachment name")
            return ""
        return decode_words(clean_text(name), self.defects)

    def attachment(self, data: bytes, kind: str, name: str, inline: bool) -> None:
        sniffed = _sniff(data)
        declared = kind if _PLAIN_TYPE.fullmatch(kind) else "application/octet-stream"
        self.attachments.append(
            Attachment(
                name=safe_name(name, len(self.attachments) + 1),
                content_type=sniffed or declared,
                declared_type=kind,
                size=len(data),
                data=data,
                inline=inline,
            )
        )


def _parts(head: _Head, boundary: bytes) -> tuple[list[tuple[int, int]], bool] | None:
    """Where the parts of a multipart body lie, between its boundary's delimiter lines, and
    whether the closing delimiter was seen; None when there is no delimiter line at all."""
    raw, end = head.raw, head.end
    marker = b"\n--" + boundary
    lines: list[tuple[int, int]] = []  # each delimiter line: where it starts, where the next line starts
    closed = False
    at = head.start if raw.startswith(marker[1:], head.start, end) else _after(raw.find(marker, head.start, end))
    while at >= 0 and not closed and len(lines) <= MAX_PARTS:
        pos = at + len(marker) - 1
        after = _line_end(raw, pos, end)
        rest = raw[pos : min(after, pos + 1000)].rstrip(b"\r\n")
        closing = rest.startswith(b"--")
        if not rest[2 if closing else 0 :].strip(b" \t"):  # else a line that only starts like one
            lines.append((at, after))
            closed = closing
        at = _after(raw.find(marker, pos, end))
    if not lines:
        return None
    spans = [(start, _before_newline(raw, start, stop)) for (_, start), (stop, _) in pairwise(lines)]
    return (spans if closed else [*spans, (lines[-1][1], end)]), closed


def _before_newline(raw: bytes, start: int, stop: int) -> int:
    """The line break before a delimiter line belongs to the delimiter (RFC 2046)."""
    if stop > start and raw[stop - 1] == 0x0A:
        stop -= 1
    if stop > start and raw[stop - 1] == 0x0D:
        stop -= 1
    return stop


def _after(found: int) -> int:
    return found + 1 if found >= 0 else -1


def _sniff(data: bytes) -> str:
    try:
        kind = filetype.guess(data[:8192])
    except Exception:
        return ""
    return str(kind.mime) if kind is not None else ""


def _malformed(raw: bytes, head: _Head) -> str:
    if not raw.strip():
        return "empty message"
    if not head.fields:
        return "no header fields: not an email"
    if not {name for name, _ in head.fields} & _EMAIL_FIELDS:
        return "none of an email's header fields (From, To, Subject, Date, Message-ID...)"
    return ""


def _digest(head: _Head) -> str:
    """sha256 of the header fields that are not trace fields and of the body, line ends
    normalised: the same message relayed by another hop (or piped) has the same digest."""
    digest = hashlib.sha256()
    kept = b"".join(raw for name, raw in head.fields if name not in _TRACE and not name.startswith(_TRACE_PREFIXES))
    digest.update(kept.replace(b"\r\n", b"\n") + b"\n")
    digest.update(head.body.replace(b"\r\n", b"\n").rstrip(b"\r\n"))
    return digest.hexdigest()
