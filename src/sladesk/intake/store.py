"""Bytes on disk under the data directory, written whole and synced before anything that
depends on them commits: raw messages (``mail/``) and attachments (``attachments/``), each
named by its sha256, so storing the same bytes twice is harmless.

A batch of messages is written with one sync of each folder it touched (``keep_raws``): every
file is written and synced under a temporary name, renamed, and then each folder synced once."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings

_made: set[Path] = set()  # folders known to exist (mkdir once per process, not once per file)


def write_durably(path: Path, data: bytes) -> None:
    """Write to a temporary name, fsync, rename, fsync the folder: all of it or nothing."""
    if _write(path, data):
        _sync_folder(path.parent)


def _write(path: Path, data: bytes) -> bool:
    """The file whole under its name (synced); the folder not yet. False when it was there."""
    try:
        if path.stat().st_size == len(data):
            return False
    except FileNotFoundError:
        pass
    if path.parent not in _made:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _made.add(path.parent)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # writers at once never share one
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileNotFoundError:  # the folder was removed behind our back (a test's cleanup)
        _made.discard(path.parent)
        return _write(path, data)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    tmp.replace(path)
    return True


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _relative(data: bytes, suffix: str = "") -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest}{suffix}", digest


def _by_digest(area: str, data: bytes, suffix: str = "") -> tuple[str, str]:
    relative, digest = _relative(data, suffix)
    write_durably(Path(settings.DATA_DIR) / area / relative, data)
    return relative, digest


def keep_raw(raw: bytes) -> tuple[str, str]:
    """The message as received: (path under mail/, sha256)."""
    return _by_digest("mail", raw, ".eml")


def keep_raws(raws: Sequence[bytes]) -> list[tuple[str, str]]:
    """Several messages as received, each (path under mail/, sha256): all synced on return."""
    root = Path(settings.DATA_DIR) / "mail"
    kept, touched = [], set()
    for raw in raws:
        relative, digest = _relative(raw, ".eml")
        path = root / relative
        if _write(path, raw):
            touched.add(path.parent)
        kept.append((relative, digest))
    for folder in touched:
        _sync_folder(folder)
    return kept


def read_raw(relative: str) -> bytes:
    return (Path(settings.DATA_DIR) / "mail" / relative).read_bytes()


def keep_attachment(data: bytes) -> tuple[str, str]:
    """An attachment's bytes: (path under attachments/, sha256)."""
    return _by_digest("attachments", data)


def attachment_path(relative: str) -> Path:
    return Path(settings.DATA_DIR) / "attachments" / relative
