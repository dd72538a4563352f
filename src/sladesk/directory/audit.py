"""Keeping what an import received, and recording what happened to it."""

from __future__ import annotations

import getpass
import hashlib
import shutil
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from sladesk.directory.models import ImportRun


def keep_files(paths: list[str]) -> tuple[Path, list[dict[str, object]]]:
    """Copy the files as received into the data directory; returns where, and their digests."""
    folder = Path(settings.DATA_DIR) / "imports" / timezone.now().strftime("%Y%m%dT%H%M%S%f")
    folder.mkdir(parents=True, exist_ok=True)
    described: list[dict[str, object]] = []
    for i, name in enumerate(paths):
        source = Path(name)
        if not source.is_file():
            described.append({"name": name, "missing": True})
            continue
        data = source.read_bytes()
        shutil.copyfile(source, folder / f"{i:02d}-{source.name}")
        described.append({"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
    return folder, described


def do_record_import(
    folder: Path, files: list[dict[str, object]], outcome: str, problems: list[str], report: list[str]
) -> ImportRun:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    return ImportRun.objects.create(
        outcome=outcome, files=files, kept_in=str(folder), problems=problems, report=report, run_by=user
    )
