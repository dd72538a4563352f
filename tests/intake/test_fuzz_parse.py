"""parse() never raises and always gives a well-typed InboundMessage, whatever the bytes
(issue 9, section 6): random bytes, truncated and mutated samples, 100-deep multiparts, huge
headers, invalid charsets.

``MESSAGES`` (a Hypothesis strategy of raw emails) is for the process-level fuzz to reuse:
``from tests.intake.test_fuzz_parse import MESSAGES``."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.intake.message import Attachment, InboundMessage
from sladesk.intake.parse import parse

SAMPLES = tuple(path.read_bytes() for path in sorted((Path(__file__).resolve().parent / "mail").glob("*.eml")))
CHARSETS: tuple[str, ...] = (
    "x-unknown",
    "base64",
    "rot13",
    "zlib",
    "undefined",
    "unicode_escape",
    "idna",
    "utf-7",
    "utf-16",
    "",
)
CHARSETS += ('"', "utf-8'pt'", "a" * 300, "gb18030", "../../etc", "latin1\x00", "iso-8859-1*pt", "ks_c_5601-1987")
PARTS: tuple[str, ...] = (
    "multipart/mixed",
    "multipart/alternative",
    "multipart/related",
    "multipart/report",
    "multipart/digest",
)
PARTS += ("message/rfc822",)


def nested(kinds: list[str], leaf: bytes = b"Content-Type: text/plain\r\n\r\nno fundo") -> bytes:
    """A message whose parts nest as ``kinds`` say, outermost first."""
    body = leaf
    for depth, kind in reversed(list(enumerate(kinds))):
        if kind == "message/rfc822":
            body = b"Content-Type: message/rfc822\r\n\r\nFrom: f%d@x.example\r\n" % depth + body
        else:
            mark = b"n%d" % depth
            body = b'Content-Type: %s; boundary="%s"\r\n\r\n--%s\r\n%s\r\n--%s--' % (
                kind.encode(),
                mark,
                mark,
                body,
                mark,
            )
    return b"From: a@b.example\r\nSubject: fundo\r\n" + body + b"\r\n"


@st.composite
def mutations(draw: st.DrawFn) -> bytes:
    """A sample with bytes flipped, deleted or inserted, lines repeated, boundary lines deleted."""
    raw = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        change = draw(st.sampled_from(["flip", "delete", "insert", "boundary", "repeat"]))
        if change == "flip" and raw:
            raw[at] ^= draw(st.integers(1, 255))
        elif change == "delete":
            del raw[at : at + draw(st.integers(1, 64))]
        elif change == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif change == "boundary" and (lines := list(re.finditer(rb"(?m)^--[^\r\n]*\r?\n?", raw))):
            line = draw(st.sampled_from(lines))
            del raw[line.start() : line.end()]
        elif change == "repeat":
            end = raw.find(b"\n", at) + 1 or len(raw)
            raw[at:at] = raw[at:end] * draw(st.integers(2, 50))
    return bytes(raw)


RANDOM = st.binary(max_size=2048)
TRUNCATED = st.tuples(st.sampled_from(SAMPLES), st.floats(0, 1)).map(lambda s: s[0][: int(len(s[0]) * s[1])])
MUTATED = mutations()
NESTED = st.lists(st.sampled_from(PARTS), min_size=1, max_size=110).map(nested)
DEEP = st.integers(90, 130).map(lambda n: nested(["multipart/mixed"] * n))
HUGE_HEADERS = st.one_of(
    st.integers(1, 1_000_000).map(lambda n: b"From: a@b.example\r\nSubject: " + b"x" * n + b"\r\n\r\noi"),
    st.integers(1, 50_000).map(lambda n: b"From: a@b.example\r\n" + b"X-F: y\r\n" * n + b"\r\noi"),
    st.integers(1, 50_000).map(lambda n: b"From: a@b.example\r\nTo: " + b'"a, (b <' * n + b"\r\n\r\noi"),
    st.integers(1, 20_000).map(lambda n: b"From: a@b.example\r\nSubject: " + b"=?utf-8?B?w6c=?=" * n + b"\r\n\r\n"),
    st.integers(1, 20_000).map(lambda n: b"From: a@b.example\r\nReferences:" + b" <r@x>" * n + b"\r\n\r\n"),
)
INVALID_CHARSETS = st.tuples(
    st.sampled_from(CHARSETS) | st.text(max_size=30),
    st.sampled_from(["text/plain", "text/html"]),
    st.binary(max_size=300),
).map(
    lambda c: (
        b'From: a@b.example\r\nSubject: =?%s?Q?ol=E1?=\r\nContent-Type: %s; charset="%s"\r\n\r\n%s'
        % (c[0].encode("utf-8", "replace"), c[1].encode(), c[0].encode("utf-8", "replace"), c[2])
    )
)
MESSAGES = st.one_of(RANDOM, TRUNCATED, MUTATED, NESTED, DEEP, INVALID_CHARSETS)
"""Raw emails of every kind of breakage (the huge ones apart: ``HUGE_HEADERS``)."""


def assert_well_typed(msg: InboundMessage) -> None:
    assert isinstance(msg, InboundMessage)
    assert not msg.malformed.startswith("unreadable"), msg.malformed  # parse's own last resort: a bug
    assert not [d for d in msg.defects if d.startswith("unreadable MIME part")], msg.defects
    for name in ("message_id", "subject", "from_address", "from_name", "reply_to", "auto_submitted", "precedence"):
        value = getattr(msg, name)
        assert isinstance(value, str) and "\n" not in value and "\r" not in value, (name, value)
    assert isinstance(msg.list_id, str) and "\n" not in msg.list_id
    for name in ("in_reply_to", "references", "bounced_message_ids", "to", "cc", "authentication_results", "defects"):
        value = getattr(msg, name)
        assert isinstance(value, tuple) and all(isinstance(v, str) for v in value), (name, value)
    for mid in (msg.message_id, *msg.in_reply_to, *msg.references, *msg.bounced_message_ids):
        assert mid == "" or (mid.startswith("<") and mid.endswith(">") and " " not in mid), mid
    assert msg.date is None or (isinstance(msg.date, datetime) and msg.date.tzinfo is not None)
    assert isinstance(msg.is_bounce, bool)
    assert isinstance(msg.text, str) and isinstance(msg.html, str) and "\x00" not in msg.text + msg.html
    assert isinstance(msg.digest, str) and len(msg.digest) == 64
    assert isinstance(msg.headers, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in msg.headers.items()
    )
    for attachment in msg.attachments:
        assert_safe(attachment)


def assert_safe(attachment: Attachment) -> None:
    for item in fields(Attachment):
        assert isinstance(
            getattr(attachment, item.name), {"size": int, "data": bytes, "inline": bool}.get(item.name, str)
        )
    name = attachment.name
    assert name and len(name) <= 150 and not name.startswith(".") and "/" not in name and "\\" not in name
    assert name.isprintable(), name
    assert attachment.size == len(attachment.data)


FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(MESSAGES)
def test_it_never_raises_and_always_gives_a_message(raw: bytes) -> None:
    assert_well_typed(parse(raw))


@settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(HUGE_HEADERS)
def test_it_survives_huge_headers(raw: bytes) -> None:
    assert_well_typed(parse(raw))


@settings(max_examples=150, deadline=None, database=None)
@given(st.sampled_from(SAMPLES), st.floats(0, 1))
def test_it_reads_the_headers_of_a_message_cut_in_its_body(raw: bytes, where: float) -> None:
    body = raw.index(b"\r\n\r\n") + 4
    whole, cut = parse(raw), parse(raw[: body + int((len(raw) - body) * where)])
    assert_well_typed(cut)
    assert (cut.from_address, cut.message_id, cut.subject) == (whole.from_address, whole.message_id, whole.subject)
