"""``sladesk worker``: the background sweeps (SLA breaches, auto-close, outbox, and one
round of the IMAP mailbox when ``SLADESK_IMAP_URL`` is set)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from sladesk.config.env import ConfigError
from sladesk.intake import imap
from sladesk.notifications.delivery import dispatch_due
from sladesk.outbound.actions import deliver_due
from sladesk.tickets import recompute
from sladesk.tickets.search_later import flush_later
from sladesk.tickets.sweeps import sweep_auto_close, sweep_deadlines

IMAP_BATCH = 200  # messages per sweep at most: the other sweeps do not wait behind a full mailbox


class Command(BaseCommand):
    help = (
        "Run the background worker: record SLA warnings and breaches and notify them, close resolved tickets, "
        "deliver the outbox (emails and webhooks), "
        "poll the IMAP mailbox (SLADESK_IMAP_URL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every sweep once and exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between sweeps (default 5)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            mailbox = imap.configured()
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        stop = {"now": False}

        def on_signal(_signum: int, _frame: object) -> None:
            stop["now"] = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while True:
            counts = self.sweep(mailbox)
            if options["once"]:
                self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
                return
            if any(counts.values()):
                self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items() if v))
            deadline = time.monotonic() + options["interval"]
            while not stop["now"] and time.monotonic() < deadline:
                time.sleep(0.2)
            if stop["now"]:
                return

    @staticmethod
    def sweep(mailbox: imap.Mailbox | None = None) -> dict[str, int]:
        close_old_connections()
        breaches, warnings = sweep_deadlines()
        counts = {"breaches": breaches, "warnings": warnings, "closed": sweep_auto_close()}
        counts["notified"] = dispatch_due()  # into the outbox, which the next line empties
        if recompute.pending():  # a published version took effect: its calendars reach open tickets
            counts["recomputed"] = recompute.recompute().tickets
        counts["sent"] = deliver_due()
        counts["searchable"] = flush_later()  # search documents the intake left for after its commit
        if mailbox is not None:  # an error is logged and the rest waits for the next sweep
            counts["mail"] = imap.poll(mailbox, IMAP_BATCH).processed
        return counts
