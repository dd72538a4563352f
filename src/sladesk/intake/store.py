"""Bytes on disk under the data directory, written whole and synced before anything that
depends on them commits: raw messages (``mail/``) and attachments (``attachments/``), each
named by its sha256, so storing the same bytes twice is harmless."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings


def write_durably(path: Path, data: bytes) -> None:
    """Write to a temporary name, fsync, rename, fsync the folder: all of it or nothing."""
    if path.exists() and path.stat().st_size == len(data):
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # writers at once never share one
    with tmp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    tmp.chmod(0o600)
    tmp.replace(path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _by_digest(area: str, data: bytes, suffix: str = "") -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    relative = f"{digest[:2]}/{digest}{suffix}"
    write_durably(Path(settings.DATA_DIR) / area / relative, data)
    return relative, digest


def keep_raw(raw: bytes) -> tuple[str, str]:
    """The message as received: (path under mail/, sha256)."""
    return _by_digest("mail", raw, ".eml")


def read_raw(relative: str) -> bytes:
    return (Path(settings.DATA_DIR) / "mail" / relative).read_bytes()


def keep_attachment(data: bytes) -> tuple[str, str]:
    """An attachment's bytes: (path under attachments/, sha256)."""
    return _by_digest("attachments", data)


def attachment_path(relative: str) -> Path:
    return Path(settings.DATA_DIR) / "attachments" / relative
