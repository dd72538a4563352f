"""Receiving an import's files: read once, kept exactly as read, recorded with their digests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from sladesk.directory.actions import do_import_directory
from sladesk.directory.audit import receive_files
from sladesk.directory.models import Person
from tests.directory.conftest import ALICE, AURORA, BOB, CAROL, DORA, contracts, people


def kept(folder: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted(folder.iterdir())]


def test_it_keeps_exactly_the_bytes_it_read_in_a_folder_of_the_data_directory(settings) -> None:  # type: ignore[no-untyped-def]
    received = receive_files([contracts(AURORA), people(ALICE, DORA)])
    assert received.folder.parent == Path(settings.DATA_DIR) / "imports"
    assert [p.name for p in sorted(received.folder.iterdir())] == ["00-contracts.csv", "01-people.csv"]
    assert kept(received.folder) == [f.data for f in received.files]
    assert received.files[1].data == Path("people.csv").read_bytes()


@pytest.mark.django_db
def test_it_imports_and_keeps_what_it_read_even_when_the_file_changes_on_disk_after() -> None:
    received = receive_files([contracts(AURORA), people(ALICE, DORA, CAROL, BOB)])
    as_read = received.files[1].data
    people(ALICE)  # someone saves the file again, between reading and importing
    outcome = do_import_directory(received)
    assert Person.objects.count() == 4  # what was read, not what the file holds now
    assert kept(received.folder)[1] == as_read != Path("people.csv").read_bytes()
    assert outcome.run.files[1] == {
        "name": "people.csv",
        "sha256": hashlib.sha256(as_read or b"").hexdigest(),
        "bytes": len(as_read or b""),
    }


@pytest.mark.django_db
def test_it_records_a_file_it_cannot_read_and_keeps_the_others() -> None:
    received = receive_files([contracts(AURORA), "nowhere.csv"])
    outcome = do_import_directory(received)
    assert outcome.problems == ["nowhere.csv: cannot read the file (No such file or directory)"]
    assert outcome.run.files[1] == {"name": "nowhere.csv", "missing": True, "error": "No such file or directory"}
    assert [p.name for p in received.folder.iterdir()] == ["00-contracts.csv"]


def test_it_gives_each_import_its_own_folder_even_in_the_same_instant() -> None:
    with time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False):
        first = receive_files([people(ALICE)])
        second = receive_files([people(DORA)])
    assert (first.folder.name, second.folder.name) == ("20260302T120000000000", "20260302T120000000000-2")
    assert kept(first.folder) != kept(second.folder)
