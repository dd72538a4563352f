"""``sladesk imap-poll [--once]``: the unseen messages of the ``SLADESK_IMAP_URL`` folder,
each processed, then flagged ``\\Seen`` (or moved to ``?done=``). ``--once``: one round of
everything unseen, exit 1 when the server could not be read to the end."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from sladesk.config.env import ConfigError
from sladesk.intake import imap

BATCH = 200  # messages per round when looping: a full mailbox is taken a slice at a time


class Command(BaseCommand):
    help = "Process the unseen messages of the IMAP folder of SLADESK_IMAP_URL, then flag (or move) each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one round of every unseen message, then exit")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between rounds (default 30)")

    def handle(self, *args: Any, **options: Any) -> None:
        box = mailbox()
        if options["once"]:
            done = imap.poll(box)
            self.stdout.write(f"processed={done.processed}")
            if done.error:
                raise CommandError(f"{box.label}: {done.error}")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda _signum, _frame: stop.set())
        self.stdout.write(f"sladesk imap-poll: {box.label} every {options['interval']:g} s")
        self.stdout.flush()
        while not stop.is_set():
            close_old_connections()
            done = imap.poll(box, BATCH)
            if done.processed:
                self.stdout.write(f"processed={done.processed}")
                self.stdout.flush()
            stop.wait(0 if done.left and not done.error else options["interval"])


def mailbox() -> imap.Mailbox:
    """The configured mailbox, or a one-line error naming the variable."""
    try:
        box = imap.configured()
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    if box is None:
        raise CommandError(f"{imap.VARIABLE} is not set; {imap.EXPECTED}")
    return box
