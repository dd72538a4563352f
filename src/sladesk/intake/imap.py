"""The IMAP poller (``sladesk imap-poll``, and the worker when ``SLADESK_IMAP_URL`` is set):
each unseen message of one folder through ``process_stream`` (up to ``BATCH`` at a time, one
transaction each, the coming batches read ahead by ``ahead.py`` when there are several), then
flagged ``\\Seen`` (or moved to the ``?done=`` folder) only once its outcome is
committed.

Nothing is lost and nothing is done twice: an error talking to the server (or the database
away) ends the round and leaves the rest unseen for the next one; a message processed but
not flagged (the process died in between) is fetched again, and its ``source_id`` (server,
folder, UIDVALIDITY, UID) makes the second processing return the first outcome and do
nothing. Messages are read with ``BODY.PEEK[]``, which leaves them unseen.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings
from django.utils import timezone

from sladesk.config.env import ConfigError
from sladesk.intake.ahead import Ahead
from sladesk.intake.process import Incoming
from sladesk.intake.stream import process_stream
from sladesk.tickets.search_later import Flusher

logger = logging.getLogger(__name__)

VARIABLE = "SLADESK_IMAP_URL"
EXPECTED = (
    "expected imap://user:password@host[:143]/FOLDER or imaps://user:password@host[:993]/FOLDER "
    "(user and password percent-encoded; options ?starttls=true, ?done=FOLDER)"
)
TIMEOUT = 60.0  # seconds for the server to answer one command
TRUE = ("1", "true", "yes", "on")
BATCH = 20  # messages fetched, then processed in one transaction, then flagged


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    tls: bool = False  # imaps: TLS from the start
    starttls: bool = False
    done: str = ""  # processed messages are moved here; "" flags them \Seen where they are

    @property
    def label(self) -> str:
        """Where, without the password: for the log."""
        return f"{'imaps' if self.tls else 'imap'}://{self.user}@{self.host}:{self.port}/{self.folder}"


def configured() -> Mailbox | None:
    """The mailbox of ``SLADESK_IMAP_URL``, None when it is not set; ConfigError when it is wrong."""
    return parse_url(settings.IMAP_URL) if settings.IMAP_URL else None


def parse_url(url: str) -> Mailbox:
    parts = urlsplit(url)
    shown = url.replace(f":{parts.password}@", ":***@") if parts.password else url

    def wrong(why: str) -> ConfigError:
        return ConfigError(f"{VARIABLE}={shown!r}: {why}; {EXPECTED}")

    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise wrong("not an imap:// or imaps:// URL with a host")
    if not parts.username or parts.password is None:
        raise wrong("no user and password")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError:
        raise wrong("the port is not a number") from None
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - {"starttls", "done"})
    if unknown:
        raise wrong(f"unknown option {unknown[0]!r}")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    done = options.get("done", "")
    if not (folder + done).isascii():
        raise wrong("folder names must be ASCII")
    starttls = options.get("starttls", "").lower() in TRUE
    if starttls and parts.scheme == "imaps":
        raise wrong("starttls with imaps: TLS is already on")
    return Mailbox(
        host=parts.hostname, port=port, user=unquote(parts.username), password=unquote(parts.password),
        folder=folder, tls=parts.scheme == "imaps", starttls=starttls, done=done,
    )  # fmt: skip


@dataclass
class Round:
    """What one poll did."""

    processed: int = 0
    left: int = 0  # unseen messages beyond this round's limit
    error: str = ""  # why the round ended early ("" when it did not)


def poll(box: Mailbox, limit: int | None = None) -> Round:
    """One round: the folder's unseen messages (at most ``limit``), each processed then flagged."""
    done = Round()
    try:
        with _connect(box) as imap:
            uidvalidity, uids = _unseen(imap, box)
            done.left = max(len(uids) - (limit if limit is not None else len(uids)), 0)
            prefix = f"imap:{box.host}:{box.folder}:{uidvalidity}"
            done.processed += _take(imap, box, prefix, uids[:limit])
    except (OSError, imaplib.IMAP4.error) as exc:
        done.error = f"{type(exc).__name__}: {exc}"
        logger.warning("imap %s: %s; what is unseen waits for the next round", box.label, done.error)
    except Exception as exc:  # process_message could store nothing (the database away)
        done.error = f"{type(exc).__name__}: {exc}"
        logger.exception("imap %s: processing failed; what is unseen waits for the next round", box.label)
    return done


def _take(imap: imaplib.IMAP4, box: Mailbox, prefix: str, uids: list[str]) -> int:
    """Fetch these messages a batch at a time, process each batch together, then flag (or move)
    each of its messages; with more than one batch, the coming ones are read ahead (``ahead.py``)."""
    ahead = Ahead()  # its process started only if a second batch waits
    taken = 0
    try:
        with Flusher() as flusher:  # the search documents of each batch, after its commit
            for batch, results in process_stream(_batches(imap, prefix, uids), ahead, flusher):
                for item, result in zip(batch, results, strict=True):
                    uid = str(item.source_id).rsplit(":", 1)[1]
                    if box.done:
                        _ok(imap.uid("MOVE", uid, _quoted(box.done)), "MOVE")
                    else:
                        _ok(imap.uid("STORE", uid, "+FLAGS.SILENT", "(\\Seen)"), "STORE")
                    logger.info("imap %s:%s: %s %s", prefix, uid, result.outcome, result.reason or result.ticket or "")
                taken += len(batch)
    finally:
        ahead.close()
    return taken


def _batches(imap: imaplib.IMAP4, prefix: str, uids: list[str]) -> Iterator[list[Incoming]]:
    for start in range(0, len(uids), BATCH):
        fetched = [(uid, raw) for uid in uids[start : start + BATCH] if (raw := _fetch(imap, uid)) is not None]
        if fetched:  # None: expunged meanwhile
            now = timezone.now()
            yield [Incoming(raw, now, "imap", f"{prefix}:{uid}") for uid, raw in fetched]


def _connect(box: Mailbox) -> imaplib.IMAP4:
    if box.tls:
        imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            box.host, box.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
        )
    else:
        imap = imaplib.IMAP4(box.host, box.port, timeout=TIMEOUT)
    try:
        if box.starttls:
            imap.starttls(ssl.create_default_context())
        imap.login(box.user, box.password)
        if box.done:
            _prepare_done(imap, box)
    except BaseException:
        imap.shutdown()
        raise
    return imap


def _prepare_done(imap: imaplib.IMAP4, box: Mailbox) -> None:
    capabilities = _ok(imap.capability(), "CAPABILITY")[0].upper().split()
    if b"MOVE" not in capabilities:
        raise imaplib.IMAP4.error(f"the server cannot MOVE (RFC 6851), which ?done={box.done} needs")
    imap.create(_quoted(box.done))  # NO when it exists already: fine


def _unseen(imap: imaplib.IMAP4, box: Mailbox) -> tuple[str, list[str]]:
    """The folder's UIDVALIDITY and the UIDs of its unseen messages, oldest first."""
    _ok(imap.select(_quoted(box.folder)), f"SELECT {box.folder}")
    _, codes = imap.response("UIDVALIDITY")
    if not codes or codes[0] is None:
        raise imaplib.IMAP4.error(f"the server gave no UIDVALIDITY for {box.folder}")
    found = _ok(imap.uid("SEARCH", "UNSEEN"), "SEARCH")
    return codes[0].decode(), [uid.decode() for uid in (found[0] or b"").split()]


def _fetch(imap: imaplib.IMAP4, uid: str) -> bytes | None:
    for part in _ok(imap.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH"):
        if isinstance(part, tuple) and b"BODY[]" in part[0]:
            return bytes(part[1])
    return None


def _ok(answer: tuple[str, list[Any]], command: str) -> list[Any]:
    typ, data = answer
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{command}: {typ} {data!r}")
    return data


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
