"""Receiving the files of an import, keeping them as read, and recording what happened.

Each file is read once: the bytes kept under ``SLADESK_DATA_DIR/imports/`` are the very
bytes the importer parses and whose digest the run records, so a file that changes on
disk after it was read cannot make the kept copy differ from what was imported.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from sladesk.directory.models import ImportRun


@dataclass(frozen=True)
class ReceivedFile:
    """One file as it was read: its bytes, or why it could not be read."""

    name: str  # as the operator gave it
    data: bytes | None  # None: it could not be read
    error: str = ""  # why not, in the system's words

    def describe(self) -> dict[str, object]:
        if self.data is None:
            return {"name": self.name, "missing": True, "error": self.error}
        return {"name": self.name, "sha256": hashlib.sha256(self.data).hexdigest(), "bytes": len(self.data)}


@dataclass(frozen=True)
class Received:
    """The files of one import and the folder that keeps them."""

    folder: Path
    files: tuple[ReceivedFile, ...]


def receive_files(paths: Sequence[str | Path]) -> Received:
    """Read each file once and keep exactly the bytes read (synced to disk) in a new folder."""
    folder = _new_folder(Path(settings.DATA_DIR) / "imports")
    files = tuple(_read(str(path)) for path in paths)
    for i, received in enumerate(files):
        if received.data is not None:
            _write_synced(folder / f"{i:02d}-{Path(received.name).name}", received.data)
    _sync_directory(folder)
    return Received(folder, files)


def _read(name: str) -> ReceivedFile:
    try:
        return ReceivedFile(name, Path(name).read_bytes())
    except OSError as exc:
        return ReceivedFile(name, None, exc.strerror or str(exc))


def _new_folder(parent: Path) -> Path:
    """A folder of its own for each import, named by when it arrived (two at once do not share one)."""
    parent.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    for n in range(1, 100):
        folder = parent / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        _sync_directory(parent)
        return folder
    raise FileExistsError(f"{parent / stamp}: already taken")


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _sync_directory(path: Path) -> None:
    """Make the names in a directory durable (its new entries survive a power cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def record_import(received: Received, outcome: str, problems: list[str], report: list[str]) -> ImportRun:
    """The audit row of one import; ``actions.do_import_directory`` writes it in its transaction."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    return ImportRun.objects.create(
        outcome=outcome,
        files=[f.describe() for f in received.files],
        kept_in=str(received.folder),
        problems=[_storable(line) for line in problems],
        report=[_storable(line) for line in report],
        run_by=user,
    )


def _storable(line: str) -> str:
    """A line as a JSON column keeps it on every database (PostgreSQL refuses U+0000)."""
    return line.replace("\x00", "\\x00")
