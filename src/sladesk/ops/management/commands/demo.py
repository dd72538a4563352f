"""``sladesk demo``: load the demo data; ``--tickets N`` adds bulk tickets for the benchmark."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sladesk.ops.demo import LOGINS, load_demo, login_lines, real_accounts, summary_lines
from sladesk.ops.demo.bulk import fill_tickets


class Command(BaseCommand):
    help = "Load the demo (marked [DEMO]; loading twice adds nothing) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets", type=int, default=0, metavar="N",
            help="also make the bulk demo customers hold N tickets, for the queue benchmark (fast: bulk inserts)",
        )  # fmt: skip
        parser.add_argument("--seed", type=int, default=20260301, help="random seed of the bulk tickets")
        parser.add_argument(
            "--force", action="store_true",
            help="load it even where real accounts exist (its logins have public passwords: a desk for trying only)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["force"]:
            self._refuse_a_desk_in_use()
        result = load_demo()
        for line in summary_lines(result):
            self.stdout.write(line)
        n = options["tickets"]
        if n > 0:
            d = result.directory
            fill = fill_tickets(n, d.partner, d.staff, seed=options["seed"], progress=self._progress)
            states = ", ".join(f"{k} {v}" for k, v in sorted(fill.states.items()))
            self.stdout.write(
                f"bulk tickets: {fill.added} added in {fill.seconds:.1f} s, {fill.total} in "
                f"{fill.customers} bulk demo customers" + (f" ({states})" if states else "")
            )
        for line in login_lines():
            self.stdout.write(line)

    def _refuse_a_desk_in_use(self) -> None:
        """The demo's staff logins have public passwords (in the README, and printed): on a
        desk with real accounts they would be a way in for anyone, as a superuser."""
        real = list(real_accounts().values_list("username", flat=True)[:3])
        if not real:
            return
        count = real_accounts().count()
        shown = ", ".join(real) + (", ..." if count > len(real) else "")
        admin = next(login for login in LOGINS if login.key == "admin")
        self.stderr.write(
            f"sladesk: refused: this database has {count} real account(s) ({shown}). The demo adds staff "
            f"logins whose passwords are public ({admin.email} / {admin.password} is a superuser), so anyone "
            "could log in to this desk. Load the demo into a desk of its own (SLADESK_DATA_DIR, DATABASE_URL), "
            "or add --force if this desk is only for trying things out."
        )
        sys.exit(1)

    def _progress(self, done: int, total: int) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r  {done}/{total} tickets")
            if done == total:
                sys.stderr.write("\n")
