"""``sladesk notifications list [--json] [--ticket N]``: every SLA notification, who it is
for, by which channel, and whether it has left."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sladesk.notifications.queries import as_json, listing
from sladesk.tickets.models import Ticket


class Command(BaseCommand):
    help = "List the SLA notifications (warnings and breaches): to whom, by which channel, held, queued or sent."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True, metavar="ACTION")
        show = sub.add_parser("list", help="every notification, oldest first")
        show.add_argument("--json", action="store_true", help="a JSON list (ticket, metric, kind, to, channel, ...)")
        show.add_argument("--ticket", type=int, metavar="N", help="only the notifications of ticket #N")

    def handle(self, *args: Any, **options: Any) -> None:
        number = options["ticket"]
        if number is not None and not Ticket.objects.filter(number=number).exists():
            self.stderr.write(f"sladesk: no ticket #{number} (sladesk tickets list shows them)")
            sys.exit(1)
        rows = [as_json(n) for n in listing(number)]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write("no notifications")
            return
        for r in rows:
            sent = r["sent_at"] or r["status"]
            self.stdout.write(
                f"#{r['ticket']:<6} {r['kind']:<7} {r['metric']:<11} {r['priority']:<3} {r['channel']:<7} "
                f"{r['to']:<40} due {r['due_at']}  {sent}"
            )
