"""The SMTP listener's spool: every message it accepts is on disk, synced, before its 250.

Maildir-like, under ``SLADESK_DATA_DIR/spool/``: a message is written into ``tmp/``, synced,
renamed into ``new/`` and the folder synced; only then is it accepted. It leaves ``new/``
once ``process_message`` has returned its outcome. A crash leaves either nothing in ``new/``
(the sender got no 250 and sends again) or a whole file there (processed at the next start).

The bytes are kept exactly as received. The name carries the receipt instant in
microseconds since the epoch and a random id (``01780000000000000.9f3c2a7b1d4e5f60``): names
sort in the order of receipt, and each is the message's ``source_id`` (``spool:<name>``), so
a message processed but not yet removed when the process died is not processed twice.
No Django import: the listener passes the folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

STALE_TMP = 3600  # seconds: a file this old in tmp/ was being written by a process that died
NAME = re.compile(r"^\d{17}\.[0-9a-f]{16}$")


@dataclass(frozen=True)
class Item:
    """One spooled message."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def received_at(self) -> datetime:
        micros = int(self.name.split(".", 1)[0])
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)

    def read(self) -> bytes:
        return self.path.read_bytes()

    def remove(self) -> None:
        """Gone once processed (another process may have removed it already)."""
        self.path.unlink(missing_ok=True)


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp, self.new = root / "tmp", root / "new"
        for folder in (root, self.tmp, self.new):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def put(self, raw: bytes) -> Item:
        """Keep ``raw`` durably; returns once it is synced into ``new/``."""
        name = f"{time.time_ns() // 1000:017d}.{secrets.token_hex(8)}"
        tmp = self.tmp / name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        item = Item(self.new / name)
        tmp.rename(item.path)
        _sync_folder(self.new)
        return item

    def pending(self) -> list[Item]:
        """What waits to be processed, oldest first."""
        return [Item(path) for path in sorted(self.new.iterdir()) if NAME.match(path.name)]

    def clean_tmp(self) -> int:
        """Remove what a dead process left half written in tmp/ (never acknowledged)."""
        removed = 0
        cutoff = time.time() - STALE_TMP
        for path in self.tmp.iterdir():
            with contextlib.suppress(FileNotFoundError):  # renamed by its writer meanwhile
                if NAME.match(path.name) and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
