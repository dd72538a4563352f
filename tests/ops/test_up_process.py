"""`sladesk up` as `make run` starts it: a real web server and worker, stopped cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
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


def start(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    """Start `sladesk up`; once it says where it listens, its URL, and its output so far, kept growing."""
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
            threading.Thread(target=lines.extend, args=(proc.stdout,), daemon=True).start()
            return proc, line.split("listening on ")[1].strip(), lines
    proc.kill()
    pytest.fail("sladesk up did not say where it listens:\n" + "".join(lines))


def children(proc: subprocess.Popen[str]) -> dict[str, int]:
    """The desk's child processes that are alive: "web" or "worker" -> pid."""
    ps = subprocess.run(
        ["ps", "--ppid", str(proc.pid), "-o", "pid=,args="], capture_output=True, text=True, check=False
    )
    found = {}
    for pid, args in (line.split(maxsplit=1) for line in ps.stdout.splitlines()):
        if "-m gunicorn " in args:
            found["web"] = int(pid)
        elif "-m sladesk.cli worker" in args:
            found["worker"] = int(pid)
    return found


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def healthz(url: str) -> int:
    with urllib.request.urlopen(url + "healthz", timeout=10) as response:
        return int(response.status)


def wait_for(condition: Callable[[], object], what: str, lines: list[str], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}; the desk said:\n" + "".join(lines))
        time.sleep(0.1)


def test_it_keeps_serving_when_the_worker_is_killed_and_stops_on_sigterm(
    desk_env: dict[str, str], tmp_path: Path
) -> None:
    """One desk's life: started, its worker killed and replaced while the web server serves on, stopped."""
    proc, url, lines = start(desk_env)
    try:
        assert healthz(url) == 200
        assert (tmp_path / "sladesk.sqlite3").exists()
        before = children(proc)
        assert before.keys() == {"web", "worker"}, "the worker is running beside the web server"

        os.kill(before["worker"], signal.SIGKILL)
        wait_for(lambda: children(proc).get("worker", before["worker"]) != before["worker"], "no new worker", lines)
        after = children(proc)
        assert after["web"] == before["web"]
        assert healthz(url) == 200
        wait_for(lambda: f"sladesk: worker restarted (pid {after['worker']})\n" in lines, "no restart logged", lines)
        killed = next(line for line in lines if line.startswith("sladesk: worker was killed by SIGKILL after "))
        assert killed.endswith("; restarting it in 1 s\n")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    assert all(gone(pid) for pid in after.values())
    wait_for(lambda: "sladesk: SIGTERM received; stopping the desk\n" in lines, "no stop logged", lines, 5)


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
