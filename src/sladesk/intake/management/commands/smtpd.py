"""``sladesk smtpd [--host H] [--port N]``: receive email by SMTP for the policy's support
addresses; each message is synced into the spool before its 250, then processed."""

from __future__ import annotations

import errno
import os
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sladesk.intake.smtpd import Listener, support_addresses
from sladesk.intake.spool import Spool
from sladesk.policies.service import current_policy


class Command(BaseCommand):
    help = "Receive email by SMTP for the policy's support addresses (SLADESK_SMTP_PORT, default 8025)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("SLADESK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.SMTP_PORT)

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        addresses = support_addresses(current_policy())
        if not addresses:
            raise CommandError("the policy names no support address (channels.<name>.address): nothing to receive")
        spool = Spool(settings.DATA_DIR / "spool")
        try:
            listener = Listener(spool, host, port, addresses, settings.MAX_MESSAGE_BYTES)
        except OSError as exc:
            why = "another desk or program listens there" if exc.errno == errno.EADDRINUSE else exc.strerror or exc
            raise CommandError(
                f"cannot listen on {host}:{port} ({why}): choose another port (SLADESK_SMTP_PORT or --port)"
            ) from exc
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda _signum, _frame: stop.set())
        listener.start()
        self.stdout.write(
            f"sladesk smtpd: listening on smtp://{host}:{listener.port} for {', '.join(sorted(addresses))}"
        )
        self.stdout.write(f"spool: {spool.root}")
        self.stdout.flush()
        while not stop.wait(1):
            pass
        listener.stop()
