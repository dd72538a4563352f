"""`sladesk up` as `make run` starts it: a real web server and worker, stopped cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def desk_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "SLADESK_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite in the data directory
    return env


def start(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], list[str]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sladesk.cli", "up", "--no-demo", "--port", str(port), "--web-workers", "1", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    deadline = time.monotonic() + 90
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "sladesk is listening on" in line:
            return proc, lines
    proc.kill()
    pytest.fail("sladesk up did not say where it listens:\n" + "".join(lines))


def test_it_starts_the_desk_prints_the_url_and_stops_on_sigterm(desk_env: dict[str, str], tmp_path: Path) -> None:
    proc, lines = start(desk_env)
    url = lines[-1].split("listening on ")[1].strip()
    try:
        with urllib.request.urlopen(url + "healthz", timeout=10) as response:
            assert response.status == 200
        assert (tmp_path / "sladesk.sqlite3").exists()
        workers = subprocess.run(
            ["pgrep", "-f", "sladesk.cli worker", "-s", str(proc.pid)], capture_output=True, text=True, check=False
        )
        assert workers.stdout.strip(), "the worker is running beside the web server"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_nothing_starts_on_an_invalid_policy(desk_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text('version = "x"\n')
    result = subprocess.run(
        [sys.executable, "-m", "sladesk.cli", "up", "--no-demo", "--port", str(free_port())],
        env={**desk_env, "SLADESK_POLICY": str(bad)}, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "nothing started" in result.stderr
    assert "priorities = (missing): expected a table of priorities" in result.stderr
