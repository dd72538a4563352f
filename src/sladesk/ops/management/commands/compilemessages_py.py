"""``sladesk compilemessages_py [--check]``: every .po under src/sladesk/locale to its .mo, in pure Python.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``; this needs only ``polib``
(a development dependency: the .mo files are committed, so running the desk needs neither).
``--check`` changes nothing and fails when a .mo is missing or does not hold its .po's
translations, or when a message is untranslated or fuzzy; the test suite runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def catalogues() -> list[Path]:
    return sorted(p for root in settings.LOCALE_PATHS for p in Path(root).rglob("*.po"))


def problems(po_path: Path) -> list[str]:
    """What keeps this catalogue from being complete and compiled."""
    import polib  # type: ignore[import-untyped]

    po = polib.pofile(str(po_path))
    out = [f"{po_path}: untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    out += [f"{po_path}: fuzzy: {e.msgid!r}" for e in po.fuzzy_entries() if not e.obsolete]
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return [*out, f"{mo_path}: missing (run `sladesk compilemessages_py`)"]
    if _messages(po.translated_entries()) != _messages(polib.mofile(str(mo_path))):
        out.append(f"{mo_path}: out of date with its .po (run `sladesk compilemessages_py`)")
    return out


def _messages(entries: Any) -> dict[tuple[str, str], Any]:
    """The translations of a catalogue (.po or .mo), header left out: what gettext will see."""
    return {(e.msgctxt or "", e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in entries if e.msgid}


class Command(BaseCommand):
    help = "Compile the .po catalogues under LOCALE_PATHS to .mo with polib (no GNU gettext needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="fail if a .mo is missing or stale; change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        import polib

        paths = catalogues()
        if not paths:
            raise CommandError(f"no .po files under {', '.join(map(str, settings.LOCALE_PATHS))}")
        if options["check"]:
            found = [p for path in paths for p in problems(path)]
            if found:
                raise CommandError("\n".join(found))
            self.stdout.write(f"{len(paths)} catalogue(s) complete and compiled")
            return
        for path in paths:
            po = polib.pofile(str(path))
            po.save_as_mofile(str(path.with_suffix(".mo")))
            self.stdout.write(f"{path.with_suffix('.mo')}: {len(po.translated_entries())} messages")
