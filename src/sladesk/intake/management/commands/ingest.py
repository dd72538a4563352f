"""``sladesk ingest [--received-at ISO] FILE|-``: one email from a file or standard input
(an MTA's pipe transport, or back-filling). Prints one JSON object:
``{"outcome": ..., "ticket": N|null, "reason": ...|null, "auto_reply": true|false}``.

Exit 0 whenever the message was stored with an outcome (rejected and quarantined too);
75 (EX_TEMPFAIL: the MTA keeps it and retries) only when nothing could be stored."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sladesk.intake.process import process_message

TEMPFAIL = 75


class Command(BaseCommand):
    help = "Process one email (a file, or - for standard input) and print its outcome as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE|-")
        parser.add_argument(
            "--received-at", metavar="ISO", help="when the desk received it (back-filling; default now, never later)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        received_at = self._instant(options["received_at"])
        raw = self._read(options["file"])
        try:
            result = process_message(raw, received_at, source="pipe")
        except Exception as exc:  # nothing stored: the MTA must keep the message and retry
            self._fail(f"the message could not be stored ({type(exc).__name__}: {exc}); try again", TEMPFAIL)
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))

    def _read(self, name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read()
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            self._fail(f"{name}: cannot read the file ({exc.strerror})", 2)

    def _instant(self, text: str | None) -> datetime:
        now = timezone.now()
        if not text:
            return now
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self._fail(f"--received-at {text!r} is not an ISO 8601 instant (e.g. 2026-06-03T16:00:00-03:00)", 2)
        if moment.tzinfo is None:
            self._fail(f"--received-at {text!r} has no UTC offset (write it like 2026-06-03T16:00:00-03:00)", 2)
        if moment > now:
            self._fail(f"--received-at {text!r} is in the future", 2)
        return moment

    def _fail(self, message: str, code: int) -> NoReturn:
        self.stderr.write(f"sladesk ingest: {message}")
        sys.exit(code)
