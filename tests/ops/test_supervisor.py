"""The supervisor of `sladesk up` with real, tiny children: restarts, giving up, stopping on a signal.

Each child is `python -c CODE LOG`: it appends its pid to LOG, so the test counts its starts and
knows its processes; `starts` is that count as the child sees it, after its own line.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from sladesk.ops.supervisor import Child, Limits, Supervisor, after_death, describe_exit, duration, supervise

FAST = Limits(backoff_first=0.05, backoff_max=0.2, healthy_after=60, quick_death=10, poll=0.02, grace=2)

PREAMBLE = (
    "import os, sys, time\n"
    "with open(sys.argv[1], 'a') as f: f.write(f'{os.getpid()}\\n')\n"
    "starts = len(open(sys.argv[1]).read().split())\n"
)
SLEEPS = "time.sleep(60)"
EXITS_ONCE = "sys.exit(3) if starts == 1 else time.sleep(60)"
ALWAYS_EXITS = "sys.exit(4)"


def child(name: str, body: str, tmp_path: Path) -> Child:
    return Child(name, [sys.executable, "-c", PREAMBLE + body, str(tmp_path / f"{name}.pids")])


def pids(tmp_path: Path, name: str) -> list[int]:
    path = tmp_path / f"{name}.pids"
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def stop_when(desk: Supervisor, condition: Callable[[], bool]) -> threading.Thread:
    """Ask ``desk`` to stop once ``condition`` holds, as SIGTERM would (a real signal is tested below)."""

    def watch() -> None:
        wait_for(condition)
        desk.ask_to_stop()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("ran", "pause"),
    [
        # five deaths at once in a row: the pause doubles up to the cap, the fifth gives up
        ([0.1], 1),
        ([0.1, 0.1], 2),
        ([0.1, 0.1, 0.1, 0.1], 8),
        ([0.1, 0.1, 0.1, 0.1, 0.1], None),
        # a death after a while is not "at once", but the pause keeps doubling below a minute
        ([0.1, 0.1, 0.1, 0.1, 20, 0.1], 30),
        ([0.1, 0.1, 0.1, 0.1, 20, 0.1, 0.1, 0.1, 0.1], 30),
        # a child that ran for a minute starts its backoff over
        ([0.1, 0.1, 0.1, 60], 1),
        ([0.1, 0.1, 0.1, 60, 0.1], 2),
    ],
)
def test_it_pauses_longer_after_each_death_in_a_row(ran: list[float], pause: float | None) -> None:
    dying = Child("worker", [])
    pauses = [after_death(dying, seconds, Limits()) for seconds in ran]
    assert pauses[-1] == pause
    assert None not in pauses[:-1]


def test_it_restarts_a_child_that_dies_and_leaves_the_others_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    web, worker = child("web", SLEEPS, tmp_path), child("worker", EXITS_ONCE, tmp_path)
    desk = Supervisor([web, worker], FAST)
    desk.start()
    stop_when(desk, lambda: len(pids(tmp_path, "worker")) == 2)
    assert desk.run() == 0
    assert (web.starts, worker.starts) == (1, 2)
    assert len(pids(tmp_path, "web")) == 1
    assert all(gone(pid) for pid in pids(tmp_path, "web") + pids(tmp_path, "worker"))
    log = capsys.readouterr().err
    assert "sladesk: worker exited with code 3 after 0." in log
    assert "; restarting it in 0.05 s" in log
    assert f"sladesk: worker restarted (pid {pids(tmp_path, 'worker')[1]})" in log


def test_it_stops_the_desk_when_a_child_keeps_dying_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    web, worker = child("web", SLEEPS, tmp_path), child("worker", ALWAYS_EXITS, tmp_path)
    started = time.monotonic()
    assert supervise([web, worker], replace(FAST, quick_deaths_max=3)) == 4
    assert time.monotonic() - started < 5
    assert (web.starts, worker.starts) == (1, 3)
    assert all(gone(pid) for pid in pids(tmp_path, "web"))
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("sladesk: worker exited with code 4 after 0.")
    assert last.endswith(
        "; it died 3 times in a row, each within 10 s of its start: "
        "stopping the desk (the worker output above says why)"
    )


def test_it_starts_nothing_once_a_stop_is_asked_during_a_pause(tmp_path: Path) -> None:
    worker = child("worker", ALWAYS_EXITS, tmp_path)
    desk = Supervisor([worker], replace(FAST, backoff_first=30))
    desk.start()
    stop_when(desk, lambda: worker.restart_at is not None)
    started = time.monotonic()
    assert desk.run() == 0
    assert time.monotonic() - started < 2
    assert worker.starts == 1


SUPERVISOR = """
import sys
from sladesk.ops.supervisor import Child, Limits, supervise
specs = [sys.argv[i : i + 3] for i in range(1, len(sys.argv), 3)]
children = [Child(name, [sys.executable, "-c", code, log]) for name, code, log in specs]
sys.exit(supervise(children, Limits(backoff_first=30, poll=0.02, grace=2)))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_every_child_and_starts_none(tmp_path: Path, signum: signal.Signals) -> None:
    """The worker died and waits 30 s for its restart; the signal ends the wait and the web server."""
    specs = [child("web", SLEEPS, tmp_path), child("worker", ALWAYS_EXITS, tmp_path)]
    argv = [arg for c in specs for arg in (c.name, c.argv[2], c.argv[3])]
    desk = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, *argv], stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    assert desk.stderr is not None
    try:
        assert "worker exited with code 4" in desk.stderr.readline()
        wait_for(lambda: len(pids(tmp_path, "web")) == 1)
        desk.send_signal(signum)
        assert desk.wait(timeout=5) == 0
    finally:
        desk.kill()
    assert f"sladesk: {signum.name} received; stopping the desk" in desk.stderr.read()
    assert len(pids(tmp_path, "worker")) == 1
    assert all(gone(pid) for pid in pids(tmp_path, "web") + pids(tmp_path, "worker"))


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (0, "exited with code 0"),
        (1, "exited with code 1"),
        (-9, "was killed by SIGKILL"),
        (-15, "was killed by SIGTERM"),
    ],
)
def test_it_says_how_a_child_ended(code: int, words: str) -> None:
    assert describe_exit(code) == words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.04, "0.0 s"), (2.26, "2.3 s"), (42.4, "42 s"), (75, "1 min 15 s"), (3599.6, "1 h 0 min"), (7330, "2 h 2 min")],
)
def test_it_says_how_long_a_child_ran(seconds: float, words: str) -> None:
    assert duration(seconds) == words
