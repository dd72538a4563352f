"""The data directory is the desk's alone: sessions, password hashes, people's data, mail.

New files are private from the start (``env.keep_files_private``: umask 077); this makes
private what an older version, a copy or a restore left readable by others.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

SHOWN = 8  # how many of the fixed paths a message names


def make_private(root: Path, extra: Iterable[Path] = ()) -> tuple[list[str], list[str]]:
    """Take group and other permissions away under ``root`` (and from ``extra`` files);
    returns the paths fixed and the problems met (a path that is not ours to change)."""
    fixed: list[str] = []
    problems: list[str] = []
    paths = [Path(top, name) for top, dirs, files in os.walk(root) for name in [*dirs, *files]]  # no links followed
    for path in [root, *sorted(paths), *extra]:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(mode) or not mode & 0o077:
            continue
        try:
            path.chmod(stat.S_IMODE(mode) & 0o700)
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror}")
        else:
            fixed.append(_name(root, path))
    return fixed, problems


def _name(root: Path, path: Path) -> str:
    if path == root:
        return "the directory itself"
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def describe(root: Path, fixed: list[str]) -> str:
    """One line naming what was made private: the first few paths and how many more."""
    names = ", ".join(fixed[:SHOWN]) + (f" and {len(fixed) - SHOWN} more" if len(fixed) > SHOWN else "")
    return f"{root}: made private to its owner (directories 0700, files 0600): {names}"
