"""The English catalogue is complete and its compiled .mo is up to date (committed)."""

from __future__ import annotations

from django.core.management import call_command


def test_it_has_every_message_translated_and_compiled() -> None:
    call_command("compilemessages_py", "--check")
