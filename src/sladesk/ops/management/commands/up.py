"""``sladesk up``: everything the embedded default needs, in one command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sladesk.core.policy import PolicyError
from sladesk.directory.models import Customer
from sladesk.ops import datadir, demo, supervisor
from sladesk.policies.service import configured_policy, is_published, record_configured, sha256_of, version_in_force
from sladesk.tickets import recompute


def port_number(text: str) -> int:
    """--port: a TCP port, 1 to 65535."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a port number from 1 to 65535")
    return int(text)


class Command(BaseCommand):
    help = (
        "Check the policy, migrate, load the demo on an empty database, then run the web server, "
        "the worker and the SMTP listener."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.LISTEN_HOST)
        parser.add_argument("--port", type=port_number, default=settings.LISTEN_PORT)
        parser.add_argument("--smtp-port", type=int, default=settings.SMTP_PORT, help="the SMTP listener's port")
        parser.add_argument("--web-workers", type=int, default=settings.WEB_WORKERS)
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo data on an empty database")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            policy = configured_policy()
        except PolicyError as exc:
            raise CommandError(f"nothing started: {exc}") from exc
        self._make_private()
        taken = supervisor.port_taken(options["host"], options["port"])
        if taken:
            raise CommandError(f"nothing started: {taken}; stop it, or choose another port (--port N or SLADESK_PORT)")
        call_command("migrate", interactive=False, verbosity=0)
        self._policy_in_force(policy)
        extra = self._prepare(options)
        url = f"http://{options['host']}:{options['port']}/"
        desk = supervisor.Supervisor(self._children(options))
        desk.start()
        if desk.wait_http(url + "healthz", 60):
            self._announce(url, f"smtp://{options['host']}:{options['smtp_port']}", extra)
        elif not desk.done:
            desk.stop()
            raise CommandError(f"the web server did not answer at {url}healthz")
        sys.exit(desk.run())

    def _announce(self, url: str, smtp: str, extra: list[str]) -> None:
        self.stdout.write(self.style.SUCCESS(f"sladesk is listening on {url}"))
        self.stdout.write(f"email: {smtp}")
        self.stdout.write(f"database: {settings.DATABASES['default']['NAME']}  data: {settings.DATA_DIR}")
        for line in extra:
            self.stdout.write(line)
        self.stdout.write("Ctrl-C stops the desk; the web server, the worker or the listener is restarted if it dies.")

    def _policy_in_force(self, policy: Any) -> None:
        """Until a version is published, SLADESK_POLICY is the policy in force (recorded here);
        after that the database decides, and a file that differs is said, never put in force."""
        if not is_published():
            version = record_configured()
            self.stdout.write(f"policy {policy.version} ({version.sha256[:8]}) in force")
            return
        row = version_in_force()
        assert row is not None
        self.stdout.write(f"policy {row.version} ({row.sha256[:8]}) in force (published)")
        if sha256_of(policy.source) != row.sha256:
            self.stdout.write(
                f"SLADESK_POLICY ({policy.version}) is not the version in force and is not put in force: "
                "the published versions decide; to put the file in force, `sladesk policy publish FILE`"
            )
        if recompute.pending():  # a version that took effect while the desk was down
            result = recompute.recompute()
            self.stdout.write(
                f"calendars of {result.facts} applied to the open tickets: {len(result.moves)} deadlines moved"
            )

    def _make_private(self) -> None:
        """Files an older desk, a copy or a restore left readable by others become the owner's alone."""
        root = Path(settings.DATA_DIR)
        database = settings.DATABASES["default"]
        extra = []
        if database["ENGINE"].endswith("sqlite3"):
            extra = [Path(f"{database['NAME']}{suffix}") for suffix in ("", "-wal", "-shm")]
        fixed, problems = datadir.make_private(root, extra)
        if fixed:
            self.stdout.write(datadir.describe(root, fixed))
        for problem in problems:
            self.stderr.write(f"sladesk: cannot make private: {problem}")

    def _prepare(self, options: dict[str, Any]) -> list[str]:
        """On the first run (no customer, no user yet) load the demo; returns lines to print after the URL.

        A database where someone already created a staff account is not empty: the demo's
        accounts have public passwords and never appear beside real ones."""
        if options["no_demo"] or Customer.objects.exists() or User.objects.exists():
            return []
        result = demo.load_demo()
        lines = ["first run on an empty database: demo data loaded (`sladesk up --no-demo` skips it)"]
        return [*lines, *demo.summary_lines(result), *demo.login_lines()]

    def _children(self, options: dict[str, Any]) -> list[supervisor.Child]:
        bind = f"{options['host']}:{options['port']}"
        web = [
            sys.executable, "-m", "gunicorn", "sladesk.config.wsgi:application",
            "--bind", bind, "--workers", str(options["web_workers"]), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", "5",
            # its own control socket, so two desks side by side never share ~/.gunicorn/gunicorn.ctl
            "--control-socket", str(settings.DATA_DIR / "gunicorn.ctl"),
        ]  # fmt: skip
        worker = [sys.executable, "-m", "sladesk.cli", "worker"]
        smtpd = [sys.executable, "-m", "sladesk.cli", "smtpd", "--host", options["host"]]
        smtpd += ["--port", str(options["smtp_port"])]
        return [supervisor.Child("web", web), supervisor.Child("worker", worker), supervisor.Child("smtpd", smtpd)]
