"""``sladesk staff add EMAIL --name NAME --role ROLE [--partner NAME] [--password-stdin]``."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from sladesk.staff.actions import StaffError, do_save_staff, staff_rows
from sladesk.staff.models import StaffProfile


class Command(BaseCommand):
    help = "Create, update or list the support staff's accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True, metavar="ACTION")
        add = sub.add_parser("add", help="create or update a staff account")
        add.add_argument("email")
        add.add_argument("--name", required=True)
        add.add_argument("--role", required=True, choices=[r.value for r in StaffProfile.Role])
        add.add_argument("--partner", help="the partner company (required for partner_agent)")
        add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        add.add_argument("--inactive", action="store_true", help="disable the account (it can no longer log in)")
        listing = sub.add_parser("list", help="list the staff accounts")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sub"] == "list":
            rows = staff_rows()
            if options["json"]:
                self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            for row in [] if options["json"] else rows:
                self.stdout.write(f"{row['email']:<40} {row['role']:<14} {row['partner'] or '':<20} {row['name']}")
            return
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        try:
            with transaction.atomic():
                profile, created = do_save_staff(
                    email=options["email"], name=options["name"], role=options["role"],
                    partner=options["partner"], password=password, active=not options["inactive"],
                )  # fmt: skip
        except StaffError as exc:
            self.stderr.write(f"sladesk: {exc}")
            sys.exit(1)
        verb = "created" if created else "updated"
        partner = f" of {profile.partner}" if profile.partner else ""
        self.stdout.write(f"{verb} {profile.user.email} ({profile.role}{partner})")
        if password is None and not profile.user.has_usable_password():
            self.stdout.write("no password yet: set one with --password-stdin or on the web (admin)")
