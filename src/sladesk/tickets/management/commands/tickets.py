"""``sladesk tickets create|act|show|list``: the ticket actions for operators and scripts,
with the same permission checks as the web pages."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NoReturn

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sladesk.directory.models import Person
from sladesk.staff.access import customer_filter, profile_of
from sladesk.staff.models import StaffProfile
from sladesk.tickets import actions, queries, search
from sladesk.tickets.actions import ActionError
from sladesk.tickets.models import Channel, Ticket

# ACTION -> (function, what ARG is, or "" when it takes none)
ACTIONS: dict[str, tuple[Callable[..., Ticket], str]] = {
    "set-priority": (actions.do_set_ticket_priority, "P1|P2|P3"),
    "reply": (actions.do_reply_ticket, "TEXT"),
    "start": (actions.do_start_ticket, ""),
    "wait": (actions.do_hold_ticket, "TEXT"),
    "customer-reply": (actions.do_add_customer_reply, "TEXT"),
    "resolve": (actions.do_resolve_ticket, "TEXT"),
    "reopen": (actions.do_reopen_ticket, ""),
    "close": (actions.do_close_ticket, ""),
    "note": (actions.do_add_note, "TEXT"),
    "assign": (actions.do_assign_ticket, "EMAIL"),
    "affected": (actions.do_set_ticket_affected, "EMAIL"),
    "out-of-scope": (actions.do_exclude_ticket, "CATEGORY"),
}
# A call logged late is logged days late, not decades: older instants are typing mistakes
# (and year 1 would overflow the SLA calendars).
EARLIEST_RECEIPT = datetime(2000, 1, 1, tzinfo=UTC)


class Command(BaseCommand):
    help = "Create tickets (logged calls), act on them, show and list them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True, metavar="ACTION")
        create = sub.add_parser("create", help='log a call as a ticket; prints {"number": N}')
        create.add_argument("--as", dest="as_", required=True, metavar="STAFF_EMAIL")
        create.add_argument("--channel", required=True, choices=[c.value for c in Channel])
        create.add_argument("--requester", required=True, metavar="EMAIL")
        create.add_argument("--subject", required=True)
        create.add_argument("--description", default="")
        create.add_argument("--priority")
        create.add_argument(
            "--received-at", metavar="ISO", help="when the call came in (default now; not in the future)"
        )
        act = sub.add_parser("act", help="act on a ticket: " + ", ".join(ACTIONS))
        act.add_argument("number", type=int, metavar="N")
        act.add_argument("--as", dest="as_", required=True, metavar="STAFF_EMAIL")
        act.add_argument("action", choices=list(ACTIONS), metavar="ACTION")
        act.add_argument("arg", nargs="?", metavar="ARG")
        show = sub.add_parser("show", help="one ticket")
        show.add_argument("number", type=int, metavar="N")
        show.add_argument("--as", dest="as_", metavar="STAFF_EMAIL", help="check that this staff member may see it")
        what = show.add_mutually_exclusive_group()
        what.add_argument("--json", action="store_true", help="the ticket with its metrics (sla replay format)")
        what.add_argument("--timeline", action="store_true", help="its timeline as sla replay input, now = now")
        listing = sub.add_parser("list", help="tickets, nearest deadline first")
        listing.add_argument("--json", action="store_true")
        listing.add_argument("--as", dest="as_", metavar="STAFF_EMAIL", help="only what this staff member may see")
        for flag in ("status", "customer", "partner", "priority", "assignee"):
            listing.add_argument(f"--{flag}")
        listing.add_argument("--open", action="store_true", help="only new, in progress or waiting")
        listing.add_argument("--breached", action="store_true", help="only tickets with a breached metric")
        listing.add_argument(
            "--search",
            metavar="TEXT",
            help="only tickets with these words (accents and case ignored), phone or #number",
        )
        listing.add_argument("--limit", type=int, default=100)

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, "_" + options["sub"])
        try:
            handler(options)
        except ActionError as exc:
            self._fail(f"{exc} [{exc.code}]")
        except PermissionDenied as exc:
            self._fail(f"{exc} [forbidden]")

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(f"sladesk: {message}")
        sys.exit(1)

    def _out(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def _staff(self, email: str) -> User:
        user = User.objects.filter(username=email.strip().lower()).select_related("staff").first()
        if user is None:
            self._fail(f"no staff account {email!r} (create it with: sladesk staff add EMAIL --name NAME --role ROLE)")
        profile_of(user)
        return user

    def _person(self, email: str, actor: User) -> Person:
        """A person of a customer ``actor`` serves; anyone else is not in the directory as far
        as ``actor`` may know (a partner's agent learns nothing of other customers)."""
        visible = customer_filter(profile_of(actor), "customer__")
        person = Person.objects.filter(visible, email__iexact=email.strip()).first()
        if person is None:
            self._fail(f"no person {email!r} in the directory (sladesk directory import adds people)")
        return person

    def _ticket(self, number: int, actor: User | None) -> Ticket:
        """The ticket, or one answer for "does not exist" and "may not see": the same words."""
        tickets = queries.visible_to(profile_of(actor) if actor is not None else None)
        ticket = tickets.select_related("customer", "requester", "policy_version").filter(number=number).first()
        if ticket is None:
            self._fail(f"no ticket #{number} (sladesk tickets list shows them)")
        return ticket

    def _create(self, options: dict[str, Any]) -> None:
        actor = self._staff(options["as_"])
        visible = customer_filter(profile_of(actor), "customer__")
        requester = Person.objects.filter(visible, email__iexact=options["requester"].strip()).first()
        if requester is None:
            self._fail(f"no person {options['requester']!r} in the directory; only entitled Gestores may ask")
        ticket = actions.do_create_ticket(
            actor=actor, channel=options["channel"], requester=requester, subject=options["subject"],
            description=options["description"], priority=options["priority"],
            received_at=self._instant(options["received_at"]),
        )  # fmt: skip
        self._out({"number": ticket.number})

    def _instant(self, text: str | None) -> datetime | None:
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo else timezone.make_aware(moment)
        except ValueError:
            self._fail(f"--received-at {text!r} is not an ISO 8601 instant (e.g. 2026-06-03T16:00:00-03:00)")
        if moment < EARLIEST_RECEIPT:
            self._fail(f"--received-at {text!r} is before {EARLIEST_RECEIPT.year}: too long ago for a call logged late")
        return moment

    def _act(self, options: dict[str, Any]) -> None:
        actor = self._staff(options["as_"])
        ticket = self._ticket(options["number"], actor)
        function, arg_name = ACTIONS[options["action"]]
        arg = options["arg"]
        if arg_name and not arg:
            self._fail(f"{options['action']} needs {arg_name}")
        if not arg_name and arg:
            self._fail(f"{options['action']} takes no argument (got {arg!r})")
        if options["action"] == "assign":
            arg = self._staff(arg)
        elif options["action"] == "affected":
            arg = self._person(arg, actor)
        result = function(ticket, actor, arg) if arg_name else function(ticket, actor)
        out = {"number": result.number, "status": result.status, "priority": result.priority or None}
        if result.pk != ticket.pk:
            out["related_to"] = ticket.number
        self._out(out)

    def _show(self, options: dict[str, Any]) -> None:
        actor = self._staff(options["as_"]) if options["as_"] else None
        ticket = self._ticket(options["number"], actor)
        profile = profile_of(actor) if actor is not None else None
        now = timezone.now()
        if options["timeline"]:
            self._out(queries.timeline_json(ticket, now))
        elif options["json"]:
            self._out(queries.ticket_json(ticket, now, profile))
        else:
            self.stdout.write(queries.ticket_text(ticket, now, profile))

    def _rows(self, options: dict[str, Any], profile: StaffProfile | None) -> list[dict[str, Any]]:
        """The list's rows; with ``--search``, only the tickets it finds (tickets/search.py)."""
        if options.get("search") is None:
            return queries.list_json(options, profile, timezone.now())
        found = search.narrow(queries.filtered(options, profile, timezone.now()), options["search"])
        limit = max(1, min(int(options.get("limit") or 100), 10_000))
        return [queries.summary(t) for t in found[:limit]]

    def _list(self, options: dict[str, Any]) -> None:
        actor = self._staff(options["as_"]) if options["as_"] else None
        try:
            rows = self._rows(options, profile_of(actor) if actor else None)
        except ValueError as exc:
            self._fail(str(exc))
        if options["json"]:
            self._out(rows)
            return
        for row in rows:
            due = row["next_due_at"] or "-"
            self.stdout.write(
                f"#{row['number']:<6} {row['status']:<20} {row['priority'] or '--':<3} {due:<26} "
                f"{row['customer']:<20} {row['subject']}"
            )
