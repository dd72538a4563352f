"""Shared fixtures. A PostgreSQL run (DATABASE_URL=postgres://...) fails loudly and
early when the server is not there, rather than skipping anything."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SLADESK = [sys.executable, "-m", "sladesk.cli"]


def pytest_configure(config: pytest.Config) -> None:
    # The holidays cache of this run (and its subprocesses) in a directory of its own, not the user's.
    if "XDG_CACHE_HOME" not in os.environ:
        cache = tempfile.mkdtemp(prefix="sladesk-test-cache-")
        os.environ["XDG_CACHE_HOME"] = cache
        atexit.register(shutil.rmtree, cache, True)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        try:
            psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5).close()
        except psycopg.OperationalError as exc:
            raise pytest.UsageError(f"DATABASE_URL asks for PostgreSQL but it does not answer: {exc}") from exc


def run_sladesk(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run the real `sladesk` command line as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*SLADESK, *args], input=stdin, capture_output=True, env=full_env, timeout=120, check=False)
