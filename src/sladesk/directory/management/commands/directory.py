"""``sladesk directory import [--dry-run] FILE...`` and ``sladesk directory export DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sladesk.directory.actions import ImportFailed, do_import_directory
from sladesk.directory.audit import receive_files
from sladesk.directory.exporter import export_directory
from sladesk.directory.fields import HEADERS

IMPORT_HELP = (
    "Import CSV files (UTF-8, comma-separated, one header row), recognised by their header: "
    + "; ".join(f"{kind}.csv: {','.join(columns)}" for kind, columns in HEADERS.items())
    + ". All or nothing: any problem stops the whole import, and every problem is listed. "
    "Customers are matched by code, people by email. When people files are given, they list all the "
    "people of every customer the call names: whoever is missing is deactivated (never deleted). "
    "A person whose row names another customer moves there, and the output lists each move. "
    "Cells a spreadsheet would run (=, +, -, @ first) may start with a ' that is not read, as the export writes them."
)


class Command(BaseCommand):
    help = "Import or export customers, contracts and people as CSV files."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        load = actions.add_parser(
            "import", help="import contracts and people files, all or nothing", description=IMPORT_HELP
        )
        load.add_argument("files", nargs="+", metavar="FILE")
        load.add_argument("--dry-run", action="store_true", help="check and say what would change; write nothing")
        dump = actions.add_parser("export", help="write contracts.csv and people.csv (active people) into DIR")
        dump.add_argument("directory", metavar="DIR")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options["files"], options["dry_run"])
        else:
            self._export(Path(options["directory"]))

    def _import(self, files: list[str], dry_run: bool) -> None:
        received = receive_files(files)  # read once; what is kept is what is imported
        try:
            outcome = do_import_directory(received, dry_run=dry_run)
        except ImportFailed as exc:
            self.stderr.write(f"the files as received are kept in {received.folder}")
            raise CommandError(str(exc), returncode=1) from exc
        if outcome.report is None:
            for problem in outcome.problems:
                self.stderr.write(problem)
            self.stderr.write(f"the files as received are kept in {received.folder}")
            raise CommandError(f"{len(outcome.problems)} problem(s) found; nothing was imported", returncode=1)
        if dry_run:
            self.stdout.write("dry run: nothing was written; the import would make these changes")
        for path, kind, rows in outcome.batch.files:
            self.stdout.write(f"{path}: {rows} {'contract' if kind == 'contracts' else 'person'} row(s)")
        for line in outcome.report.lines():
            self.stdout.write(line)

    def _export(self, directory: Path) -> None:
        try:
            summary = export_directory(directory)
        except OSError as exc:
            raise CommandError(f"{directory}: cannot write the files ({exc.strerror})", returncode=1) from exc
        for code in summary.skipped:
            self.stderr.write(f"customer '{code}' has no contract: not exported, nor are its people")
        self.stdout.write(
            f"{directory / 'contracts.csv'}: {summary.customers} customer(s); "
            f"{directory / 'people.csv'}: {summary.people} active people"
        )
