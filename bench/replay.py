"""``sladesk sla replay --batch``, end to end: timelines per second through the real
console script, process start, policy load, JSON in and out included; beside it, in the
same run and on the same file, a bare JSON round trip of its lines (a process doing only
``json.loads`` and ``json.dumps`` per line): the engine's speed against that of reading and
writing its input, the target being at least a third of it."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import FIRST, SEED, SPAN_S, Check

BRT = timezone(timedelta(hours=-3))  # how a client in Porto Alegre writes its instants


def sladesk_script() -> Path:
    """The console script installed beside this interpreter (.venv/bin/sladesk)."""
    script = Path(sys.executable).with_name("sladesk")
    if not script.exists():
        raise FileNotFoundError(f"{script}: sladesk is not installed in this environment (make install)")
    return script


def _iso(moment: datetime, rng: random.Random) -> str:
    # Mostly the local offset, some UTC with Z, as different clients send them.
    if rng.random() < 0.7:
        return moment.astimezone(BRT).isoformat()
    return moment.isoformat().replace("+00:00", "Z")


# What tends to happen next on a ticket, and after how long (minutes, at most).
_NEXT = {
    None: [("public_reply", 240), ("handling_started", 300), ("waiting_on_customer", 600), ("resolved", 2000)],
    "public_reply": [("handling_started", 240), ("waiting_on_customer", 600), ("resolved", 3000)],
    "handling_started": [("waiting_on_customer", 600), ("public_reply", 300), ("resolved", 3000)],
    "waiting_on_customer": [("customer_replied", 4000), ("resolved", 6000)],
    "customer_replied": [("public_reply", 300), ("resolved", 3000), ("waiting_on_customer", 1000)],
    "resolved": [("reopened", 8000), ("closed", 10080)],
    "reopened": [("public_reply", 300), ("resolved", 3000)],
    "priority_set": [("handling_started", 120), ("public_reply", 240), ("resolved", 3000)],
}


def timeline(rng: random.Random) -> dict[str, object]:
    """A plausible ticket: channel, priority, 0-6 events in order, and a ``now`` after them."""
    channel = rng.choices(("email", "portal", "phone"), weights=(60, 25, 15))[0]
    if channel == "phone":
        priority: str | None = "P1"
    else:
        priority = rng.choices((None, "P1", "P2", "P3"), weights=(40, 8, 32, 20))[0]
    received = FIRST + timedelta(seconds=rng.randrange(SPAN_S))
    events: list[dict[str, object]] = []
    at, last = received, None
    for _ in range(rng.choices(range(7), weights=(15, 20, 20, 15, 12, 10, 8))[0]):
        if rng.random() < 0.04:
            kind, limit = "out_of_scope", 120
        elif rng.random() < 0.08:
            kind, limit = "priority_set", 180
        else:
            kind, limit = rng.choice(_NEXT[last])
        at += timedelta(minutes=rng.randint(1, limit), seconds=rng.randrange(60))
        event: dict[str, object] = {"at": _iso(at, rng), "type": kind}
        if kind == "priority_set":
            event["priority"] = rng.choice(("P1", "P2", "P3"))
        events.append(event)
        last = kind if kind in _NEXT else last
        if kind in ("closed", "out_of_scope"):
            break
    now = at + timedelta(minutes=rng.randint(0, 6000))
    return {
        "ticket": rng.randrange(1, 10**7),
        "received_at": _iso(received, rng),
        "channel": channel,
        "priority": priority,
        "events": events,
        "now": _iso(now, rng),
    }


def write_timelines(path: Path, n: int, seed: int = SEED + 4) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for _ in range(n):
            f.write(json.dumps(timeline(rng), separators=(",", ":")) + "\n")


@dataclass
class Run:
    seconds: float  # wall clock
    cpu: float  # user + system time of the command
    proc: subprocess.CompletedProcess[bytes]


def replay_file(path: Path, out: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run ``sladesk sla replay --batch FILE`` (stdout to ``out`` or /dev/null)."""
    return _timed([str(sladesk_script()), "sla", "replay", "--batch", str(path)], None, out, env)


# The peer: what any program that reads and writes these lines must do at least.
ROUND_TRIP = """\
import json, sys
out = sys.stdout
for line in sys.stdin:
    out.write(json.dumps(json.loads(line)))
"""


def round_trip_file(path: Path) -> Run:
    """A child of this same Python doing only ``json.loads`` and ``json.dumps`` per line of FILE."""
    return _timed([sys.executable, "-c", ROUND_TRIP], path, None, None)


def _timed(command: list[str], stdin: Path | None, out: Path | None, env: dict[str, str] | None) -> Run:
    target = out or Path("/dev/null")
    with target.open("wb") as sink, (stdin or Path("/dev/null")).open("rb") as source:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(
            command, stdin=source, stdout=sink, stderr=subprocess.PIPE, env=env, check=False, timeout=600
        )
        seconds = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Run(seconds, cpu, proc)


def bytecode_uncached() -> bool:
    """True when every Python start here compiles its imports again: writing .pyc files is
    off (PYTHONDONTWRITEBYTECODE) and the environment was installed without them."""
    import holidays

    return sys.dont_write_bytecode and not Path(importlib.util.cache_from_source(holidays.__file__)).exists()


@dataclass
class ReplayResult:
    n: int
    seconds: float
    cpu: float
    empty_seconds: float
    lines_out: int
    returncode: int
    stderr: str
    round_trip_seconds: float = float("inf")  # the bare JSON round trip of the same file, best run
    round_trip_cpu: float = float("inf")
    cached_seconds: float | None = None  # the same run with compiled bytecode kept (when uncached)
    core: str = ""  # which core the command ran: "compiled", or why the plain Python

    @property
    def rate(self) -> float:
        return self.n / self.seconds

    @property
    def round_trip_rate(self) -> float:
        return self.n / self.round_trip_seconds

    def checks(self) -> list[Check]:
        text = f"sladesk sla replay --batch: {self.rate:,.0f} timelines/s ({self.n:,} in {self.seconds:.2f} s)"
        ratio = self.rate / self.round_trip_rate
        versus = (
            f"  that is {ratio:.2f} of a bare JSON round trip of the same lines"
            f" ({self.round_trip_rate:,.0f} lines/s, json.loads + json.dumps)"
        )
        return [Check(text, self.rate, 20_000, "/s"), Check(versus, ratio, round(1 / 3, 3))]

    def report(self) -> list[str]:
        lines = [c.line() for c in self.checks()]
        lines.append(
            f"        of which starting the command (empty file): {self.empty_seconds:.2f} s;"
            f" {self.lines_out:,} lines out, exit {self.returncode}"
        )
        lines.append(
            f"        CPU time of the command (user + system): {self.cpu:.2f} s = {self.n / self.cpu:,.0f} timelines"
            " per CPU second (steadier than wall clock when the machine is busy)"
        )
        lines.append(
            f"        the round trip: {self.round_trip_seconds:.2f} s, CPU {self.round_trip_cpu:.2f} s;"
            f" replay / round trip: {self.seconds / self.round_trip_seconds:.2f}x the time,"
            f" {self.cpu / self.round_trip_cpu:.2f}x the CPU time"
        )
        if self.core:
            lines.append(f"        the core: {self.core} (sladesk.core.compiled; SLADESK_CORE chooses)")
        if self.cached_seconds is not None:
            lines.append(
                "        PYTHONDONTWRITEBYTECODE is set and .venv has no .pyc files, so each start compiles"
                " every module it imports;"
            )
            rate = self.n / self.cached_seconds
            lines.append(
                f"        with the bytecode kept (in a temporary PYTHONPYCACHEPREFIX): {rate:,.0f} timelines/s"
                f" ({self.cached_seconds:.2f} s); `uv pip sync --compile-bytecode` at install would give that"
            )
        if self.returncode:
            lines.append(f"        stderr: {self.stderr[:500]}")
        return lines


def run_replay(n: int = 50_000, repeats: int = 5, empty_repeats: int = 2, cached: bool = False) -> ReplayResult:
    with tempfile.TemporaryDirectory(prefix="sladesk-bench-") as tmp:
        src, out, empty = Path(tmp) / "timelines.jsonl", Path(tmp) / "out.jsonl", Path(tmp) / "empty.jsonl"
        write_timelines(src, n)
        empty.write_bytes(b"")
        runs = [replay_file(src, out)]  # once with the output kept, to count its lines
        lines_out = len(out.read_bytes().splitlines())
        trips = []
        for _ in range(max(repeats - 1, 1)):  # taking turns, so that both see the same load
            trips.append(round_trip_file(src))
            runs.append(replay_file(src))
        failed_trips = [t.proc for t in trips if t.proc.returncode]
        if failed_trips:
            raise RuntimeError(f"the JSON round trip failed: {failed_trips[0].stderr.decode(errors='replace')}")
        failed = [r.proc for r in runs if r.proc.returncode]
        proc = failed[0] if failed else runs[0].proc
        empty_seconds = min(replay_file(empty).seconds for _ in range(max(empty_repeats, 1)))
        cached_seconds = None
        if cached and bytecode_uncached():
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
            replay_file(empty, env=env)  # compiles and keeps the bytecode
            cached_seconds = min(replay_file(src, env=env).seconds for _ in range(max(repeats - 1, 1)))
    return ReplayResult(
        n,
        min(r.seconds for r in runs),
        min(r.cpu for r in runs),
        empty_seconds,
        lines_out,
        proc.returncode,
        proc.stderr.decode(errors="replace"),
        min(t.seconds for t in trips),
        min(t.cpu for t in trips),
        cached_seconds,
        core_in_use(),
    )


def core_in_use() -> str:
    """What the command's process decides, decided here the same way (same environment, same build)."""
    from sladesk.core import compiled

    return compiled.state
