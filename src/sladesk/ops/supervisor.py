"""Starting the desk's processes and keeping them running.

A child that dies is restarted after a pause that doubles with each death in a row (1 s,
2 s, 4 s ... at most 30 s) and starts over once the child has run for a minute, so a worker
that met a passing database error comes back without taking the web server with it. The
desk stops when asked (SIGINT, SIGTERM) or when a child keeps dying at once: five deaths in
a row, each within 10 s of its start, will not mend by themselves (a wrong setting, a port
in use), and the desk says so instead of restarting forever.

Everything happens on the main thread. A signal only sets a flag, which is read just before
each start, and a stop terminates every child that was ever started: no child starts after
a stop was asked, and none outlives it.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

BACKOFF_FIRST = 1.0  # seconds before the first restart of a child
BACKOFF_MAX = 30.0  # the pause doubles with each death in a row, up to this
HEALTHY_AFTER = 60.0  # a child that ran this long before dying starts its backoff over
QUICK_DEATH = 10.0  # a death this soon after the child's start is a death "at once"
QUICK_DEATHS_MAX = 5  # this many deaths at once in a row stop the desk
POLL = 0.2  # seconds between looks at the children
GRACE = 10.0  # seconds the children have to stop after SIGTERM before SIGKILL


@dataclass(frozen=True)
class Limits:
    backoff_first: float = BACKOFF_FIRST
    backoff_max: float = BACKOFF_MAX
    healthy_after: float = HEALTHY_AFTER
    quick_death: float = QUICK_DEATH
    quick_deaths_max: int = QUICK_DEATHS_MAX
    poll: float = POLL
    grace: float = GRACE


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0  # time.monotonic() of the last start
    starts: int = 0
    backoff: float = 0.0  # the last pause before a restart; 0 until the first death
    quick_deaths: int = 0  # deaths at once in a row
    restart_at: float | None = None  # set while a dead child waits for its restart


def after_death(child: Child, ran: float, limits: Limits) -> float | None:
    """Count the death of ``child`` after ``ran`` seconds: the pause before its restart, or None to give up."""
    if ran >= limits.healthy_after:
        child.backoff = 0.0
    child.quick_deaths = child.quick_deaths + 1 if ran < limits.quick_death else 0
    if child.quick_deaths >= limits.quick_deaths_max:
        return None
    child.backoff = min(child.backoff * 2 or limits.backoff_first, limits.backoff_max)
    return child.backoff


class Supervisor:
    """The desk's children, restarted when they die, all stopped together."""

    def __init__(self, children: Sequence[Child], limits: Limits | None = None) -> None:
        self.children = list(children)
        self.limits = limits or Limits()
        self.stop_signal = 0  # the signal that asked the desk to stop
        self.gave_up: int | None = None  # the exit code once a child keeps dying at once
        self._handlers: dict[int, Callable[[int, FrameType | None], Any] | int | None] = {}

    @property
    def done(self) -> bool:
        return bool(self.stop_signal) or self.gave_up is not None

    def ask_to_stop(self, signum: int = signal.SIGTERM, _frame: object = None) -> None:
        """What SIGINT and SIGTERM do: only set a flag, which the main loop reads."""
        self.stop_signal = signum

    def start(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._handlers[signum] = signal.signal(signum, self.ask_to_stop)
        for child in self.children:
            self._launch(child)

    def wait_http(self, url: str, seconds: float) -> bool:
        """True once ``url`` answers 200, tending the children meanwhile; False on a stop or when time runs out."""
        deadline = time.monotonic() + seconds
        while not self.done and time.monotonic() < deadline:
            self.tend()
            try:
                with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (our own loopback URL)
                    if response.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(self.limits.poll)
        return False

    def run(self) -> int:
        """Keep the children running until a stop is asked or a child keeps dying; stop them all; the exit code."""
        while not self.done:
            self.tend()
            time.sleep(self.limits.poll)
        self.stop()
        return self.gave_up or 0

    def tend(self) -> None:
        """One look at the children: count the deaths, restart those whose pause is over."""
        for child in self.children:
            if self.done:
                return
            if child.process is None:
                continue
            if child.restart_at is not None:
                if time.monotonic() >= child.restart_at:
                    self._launch(child)
            elif child.process.poll() is not None:
                self._record_death(child, child.process.returncode)

    def stop(self) -> None:
        """Terminate the children, wait up to the grace period, kill those still running."""
        if self.stop_signal:
            log(f"{signal.Signals(self.stop_signal).name} received; stopping the desk")
        running = [c.process for c in self.children if c.process is not None and c.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + self.limits.grace
        for process in running:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for signum, handler in self._handlers.items():
            signal.signal(signum, handler)
        self._handlers.clear()

    def _launch(self, child: Child) -> None:
        if self.stop_signal:  # read just before the start: none begins after a stop was asked
            return
        child.process = subprocess.Popen(child.argv, env=os.environ.copy())
        child.started_at = time.monotonic()
        child.starts += 1
        if child.restart_at is not None:
            log(f"{child.name} restarted (pid {child.process.pid})")
            child.restart_at = None

    def _record_death(self, child: Child, code: int) -> None:
        ran = time.monotonic() - child.started_at
        pause = after_death(child, ran, self.limits)
        what = f"{child.name} {describe_exit(code)} after {duration(ran)}"
        if pause is None:
            log(
                f"{what}; it died {child.quick_deaths} times in a row, each within "
                f"{self.limits.quick_death:g} s of its start: stopping the desk "
                f"(the {child.name} output above says why)"
            )
            self.gave_up = code if code > 0 else 1
            return
        log(f"{what}; restarting it in {pause:g} s")
        child.restart_at = time.monotonic() + pause


def supervise(children: Sequence[Child], limits: Limits | None = None) -> int:
    """Start the children and keep them running until a stop is asked or one keeps dying; the exit code."""
    desk = Supervisor(children, limits)
    desk.start()
    return desk.run()


def describe_exit(code: int) -> str:
    """A Popen return code in words: negative is the signal that killed the process."""
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 1:
        return f"{secs} s"
    if minutes < 60:
        return f"{minutes} min {secs} s"
    return f"{minutes // 60} h {minutes % 60} min"


def log(message: str) -> None:
    print(f"sladesk: {message}", file=sys.stderr, flush=True)


def port_taken(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (another desk or program holds it), or None.

    Tried as gunicorn will bind it (SO_REUSEADDR: connections of a desk that just stopped
    do not count), so a free port is never reported taken."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        return f"{host} is not an address of this machine ({exc.strerror})"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use (another desk or program listens there)"
            return f"cannot listen on {host}:{port} ({exc.strerror})"
    return None
