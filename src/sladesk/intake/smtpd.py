"""The SMTP listener (``sladesk smtpd``): aiosmtpd in front of the spool, and the spool's
processing. No business logic here: ``process_message`` decides what an email does.

The conversation never waits on the database: a recipient is checked against the policy's
support addresses (read once at start), the size against ``SLADESK_MAX_MESSAGE_BYTES``
(advertised with SIZE), and the 250 is answered only once the message is synced into the
spool. A thread beside the server processes the spool, oldest first, up to ``BATCH`` messages
at a time (``process_messages``: one transaction, one commit), and removes each file only after
their outcomes are committed; at start it processes what a previous run left there. A message
processed but not yet removed when the process died is not processed twice: its spool name is
its ``source_id``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import AnyStr

from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections, connection

from sladesk.core.policy import Policy
from sladesk.intake.ahead import Ahead
from sladesk.intake.process import Incoming
from sladesk.intake.spool import Item, Spool
from sladesk.intake.stream import process_stream
from sladesk.tickets.search_later import Flusher

logger = logging.getLogger(__name__)

TOO_LARGE = "552 5.3.4 message too large"
NOT_OURS = "550 5.1.1 <{}>: not a support address of this desk"
NOT_STORED = "451 4.3.0 the message could not be stored; try again later"
LOOK_EVERY = 5.0  # seconds between looks at the spool when no message arrived
RETRY_FIRST, RETRY_MAX = 1.0, 30.0  # the pause after a failure (the database away), doubling
# At most this many spooled messages (and bytes) in one transaction: one commit for all of them
# when mail arrives faster than it is processed, and a short hold of the database's write lock.
BATCH, BATCH_BYTES = 50, 32 << 20


def support_addresses(policy: Policy) -> frozenset[str]:
    """The policy's support addresses (every channel with an ``address``), lower-case."""
    return frozenset(c.address.lower() for c in policy.channels.values() if c.address)


class Handler:
    """aiosmtpd's hooks: who may receive, and keeping what was received."""

    def __init__(self, spool: Spool, addresses: Iterable[str], spooled: Callable[[], None]) -> None:
        self.spool = spool
        self.addresses = frozenset(a.lower() for a in addresses)
        self.spooled = spooled

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() not in self.addresses:
            return NOT_OURS.format(address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            item = await asyncio.get_running_loop().run_in_executor(None, self.spool.put, raw)
        except OSError as exc:
            logger.error("smtpd: a message from <%s> could not be spooled: %s", envelope.mail_from, exc)
            return NOT_STORED
        self.spooled()
        return f"250 2.0.0 OK queued as {item.name}"


class _SMTP(SMTP):
    """aiosmtpd's server, refusing a message over the limit in the desk's words."""

    # RFC 5321 allows 1,000 bytes a line, but mailers send longer (HTML on one line): such a
    # message is kept whole rather than refused (aiosmtpd's 500) and lost to the sender.
    line_length_limit = 1 << 16

    async def push(self, status: AnyStr) -> None:
        if isinstance(status, str) and status.startswith("552 "):  # SIZE= too big, or too much DATA
            await super().push(TOO_LARGE)
            return
        await super().push(status)


class Drain:
    """A thread processing the spool, oldest first, a batch at a time."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self.ahead = Ahead()  # started at the first drain with two batches in hand
        self.flusher = Flusher()  # the search documents of each batch, written after its commit
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="spool", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, seconds: float) -> None:
        """Ask it to stop after the batch in hand; wait for that."""
        self._stop.set()
        self._wake.set()
        self._thread.join(seconds)

    def drain(self) -> int:
        """Process every spooled message; how many. With more than a batch in hand, the next
        batch is parsed by the reading-ahead helper while this one is written (``ahead.py``)."""
        close_old_connections()
        done = 0
        pending = self.spool.pending()
        read: dict[int, list[tuple[Item, bytes]]] = {}

        def batches() -> Iterator[list[Incoming]]:
            while pending and not self._stop.is_set():
                batch = self._read(pending)
                if batch:
                    incoming = [Incoming(raw, item.received_at, "smtp", f"spool:{item.name}") for item, raw in batch]
                    read[id(incoming)] = batch
                    yield incoming

        for incoming, results in process_stream(batches(), self.ahead, self.flusher):
            for (item, _raw), result in zip(read.pop(id(incoming)), results, strict=True):
                item.remove()
                logger.info("smtpd: %s: %s %s", item.name, result.outcome, result.reason or result.ticket or "")
            done += len(results)
            if self._stop.is_set():  # what was read ahead stays in the spool, for the next start
                break
        return done

    @staticmethod
    def _read(pending: list[Item]) -> list[tuple[Item, bytes]]:
        """The next batch, taken from the front of ``pending``."""
        batch: list[tuple[Item, bytes]] = []
        size = 0
        while pending and len(batch) < BATCH and (not batch or size < BATCH_BYTES):
            item = pending.pop(0)
            try:
                raw = item.read()
            except FileNotFoundError:  # another listener on this spool took it
                continue
            batch.append((item, raw))
            size += len(raw)
        return batch

    def _run(self) -> None:
        pause = 0.0
        self.flusher.start()
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    self.drain()
                    pause = 0.0
                except Exception:  # nothing could be stored (the database away): the spool keeps it
                    pause = min(pause * 2 or RETRY_FIRST, RETRY_MAX)
                    logger.exception("smtpd: processing the spool failed; trying again in %g s", pause)
                    connection.close()
                    self._stop.wait(pause)
                    continue
                self._wake.wait(LOOK_EVERY)
        finally:
            self.ahead.close()
            self.flusher.close()
            connection.close()


class Listener:
    """The SMTP server (its own thread and event loop) and the spool's drain."""

    def __init__(self, spool: Spool, host: str, port: int, addresses: Iterable[str], max_bytes: int) -> None:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        self.drain = Drain(spool)
        handler = Handler(spool, addresses, self.drain.wake)
        hostname = socket.getfqdn()  # once: aiosmtpd would look it up for each connection

        def factory() -> SMTP:
            return _SMTP(handler, hostname=hostname, data_size_limit=max_bytes, enable_SMTPUTF8=True, ident="sladesk")

        self.loop = asyncio.new_event_loop()
        try:  # binds now: an OSError here when the port is taken
            self.server = self.loop.run_until_complete(self.loop.create_server(factory, host, port))
        except BaseException:
            self.loop.close()
            raise
        self.port: int = self.server.sockets[0].getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="smtp", daemon=True)

    def start(self) -> None:
        spool = self.drain.spool
        spool.clean_tmp()
        self.drain.start()
        self._thread.start()

    def stop(self, seconds: float = 10.0) -> None:
        """Close the port and the connections in progress (none got its 250), then let the
        drain finish the message in hand."""
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(seconds)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(seconds)
        self.drain.stop(seconds)

    async def _close(self) -> None:
        self.server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()
