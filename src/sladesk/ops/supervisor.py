"""Starting the desk's processes and keeping them together: if one dies, all stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


def start(children: Sequence[Child]) -> None:
    for child in children:
        child.process = subprocess.Popen(child.argv, env=os.environ.copy())


def wait_http(url: str, seconds: float, children: Sequence[Child]) -> bool:
    """True once ``url`` answers 200; False if time runs out or a child dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(c.process is not None and c.process.poll() is not None for c in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (our own loopback URL)
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def supervise(children: Sequence[Child]) -> int:
    """Block until a signal or a child's exit; then stop the others. Returns an exit code."""
    stopping = {"signal": 0}

    def on_signal(signum: int, _frame: object) -> None:
        stopping["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    while not stopping["signal"]:
        dead = [c for c in children if c.process is not None and c.process.poll() is not None]
        if dead:
            code = dead[0].process.returncode or 1  # type: ignore[union-attr]
            print(f"sladesk: {dead[0].name} stopped (exit {code}); stopping the desk", file=sys.stderr)
            break
        time.sleep(0.3)
    stop(children)
    return code


def stop(children: Sequence[Child], grace: float = 10) -> None:
    for child in children:
        if child.process is not None and child.process.poll() is None:
            child.process.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        if child.process is None:
            continue
        try:
            child.process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.process.kill()
