"""``sladesk worker``: the background sweeps (SLA breaches, auto-close, outbox)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from sladesk.outbound.actions import deliver_due
from sladesk.tickets.sweeps import sweep_auto_close, sweep_breaches


class Command(BaseCommand):
    help = "Run the background worker: record SLA breaches, close resolved tickets, deliver the outbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run every sweep once and exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between sweeps (default 5)")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = {"now": False}

        def on_signal(_signum: int, _frame: object) -> None:
            stop["now"] = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while True:
            counts = self.sweep()
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
    def sweep() -> dict[str, int]:
        close_old_connections()
        return {"breaches": sweep_breaches(), "closed": sweep_auto_close(), "sent": deliver_due()}
