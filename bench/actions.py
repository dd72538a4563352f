"""Web actions per second with 8 concurrent clients, on SQLite and on PostgreSQL.

For each database, a fresh one (SQLite in a temporary SLADESK_DATA_DIR; PostgreSQL as
``sladesk_bench_actions``, created and dropped here, skipped, saying so, when the server
does not answer), filled as an operator would: ``sladesk migrate``, ``sladesk directory
import`` of docs/examples/*.csv beside ``sladesk staff add`` of the first agent, then the
other agents and the tickets in one process (this module with ``--fill``) through the
actions ``sladesk staff add`` and ``sladesk tickets create`` call. Then the real desk as a user
runs it: ``sladesk up --no-demo --port P`` (gunicorn and the worker, in their own process
group), until /healthz answers.

Each client is a thread with its own session, logged in through the login form (CSRF
token and all), acting through the ticket page's forms as a browser does: POST an
internal note or a public reply to ``/t/<code>/<action>/`` with the form's CSRF token,
expect the 302 back to the ticket, then GET that page (the next form's token comes from
it). Three actions in four go to the client's own tickets, one to a ticket every client
shares (its row lock and its growing history are the contended part). First one client
alone (the baseline), then all of them for a fixed time. An action's latency is its
POST's, until the 302; a failure is anything else (a 409 too: a note or a reply is never
refused on an open ticket), or a ticket page that does not answer 200.

``python -m bench.actions [--clients 8] [--seconds 15] [--baseline-seconds 5] [--tickets 40]
[--databases sqlite,postgresql] [--postgres-url URL]``
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Check, NoServer, environment, fresh_postgres, percentile, section
from bench.replay import sladesk_script

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/sladesk_bench_actions"
EXAMPLES = (ROOT / "docs/examples/contracts.csv", ROOT / "docs/examples/people.csv")
REQUESTER = "alice@aurora.example"  # a Gestor with a support seat in docs/examples (no end date)
CLIENTS, SECONDS, BASELINE_SECONDS, TICKETS = 8, 15.0, 5.0, 40
P95_TARGET_MS = 1000.0
SHARED_EVERY = 4  # every 4th action of a client goes to the shared ticket
TIMEOUT_S = 60.0  # one request; a slower answer is a failure
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# In the desk's output: the supervisor's notices, errors, and access-log lines of a 5xx answer
# ('"POST /t/x/note/ HTTP/1.1" 500 ').
NOT_ROUTINE = re.compile(r'^sladesk: |ERROR|CRITICAL|WORKER TIMEOUT|Internal Server Error|" 5\d\d ')
ALERT = re.compile(rb'class="alert[^"]*"[^>]*>(.*?)</', re.S)


def agent(i: int) -> tuple[str, str]:
    """The login (email, password) of client ``i``."""
    return f"bench-agent-{i}@sladesk.example", f"bench-actions-pw-{i}"


# ---- one client: a browser session -------------------------------------------------------------
class _Passthrough(urllib.request.HTTPErrorProcessor):
    """Every response as it is: redirects are not followed, errors do not raise."""

    def http_response(self, request: Any, response: Any) -> Any:
        return response

    https_response = http_response


class BrowserError(Exception):
    pass


class Browser:
    """One session (its own cookie jar) against the desk at ``base``."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _Passthrough())
        self.token = ""  # the CSRF token of the last page's forms

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, bytes]:
        """(status, Location, body) of one GET (or POST when ``data``)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        with self.opener.open(req, timeout=TIMEOUT_S) as response:
            return response.status, response.headers.get("Location", ""), response.read()

    def page(self, path: str) -> bytes:
        status, _, body = self.request(path)
        if status != 200:
            raise BrowserError(f"GET {path}: HTTP {status} {alert(body)}")
        found = CSRF.search(body)
        self.token = found.group(1).decode() if found else self.token
        return body

    def login(self, email: str, password: str) -> None:
        self.page("/login/")
        form = {"csrfmiddlewaretoken": self.token, "username": email, "password": password, "next": ""}
        status, location, body = self.request("/login/", form)
        if status != 302 or "/login/" in location:
            raise BrowserError(f"login of {email}: HTTP {status} to {location!r} {alert(body)}")


def alert(body: bytes) -> str:
    """The page's first alert message (what a refused action says), or the start of the body."""
    found = ALERT.search(body)
    text = found.group(1) if found else body[:300]
    return " ".join(text.decode(errors="replace").split())


@dataclass
class Run:
    """One timed run: how many clients, how long, what they did."""

    clients: int
    seconds: float = 0.0
    actions: int = 0
    post_ms: list[float] = field(default_factory=list)  # each completed action's POST, until its 302
    page_ms: list[float] = field(default_factory=list)  # the ticket page that follows
    shared_ms: list[float] = field(default_factory=list)  # the POSTs to the shared ticket
    per_client: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.actions / self.seconds if self.seconds else 0.0

    def p(self, pct: float, values: Sequence[float] | None = None) -> float:
        return percentile(self.post_ms if values is None else values, pct)


def act(browser: Browser, code: str, action: str, text: str, run: Run, lock: threading.Lock, shared: bool) -> bool:
    """One action as a browser does it; False when it failed (the failure is recorded)."""
    path = f"/t/{code}/"
    t0 = time.perf_counter()
    try:
        status, location, body = browser.request(
            f"{path}{action}/", {"csrfmiddlewaretoken": browser.token, "text": text}
        )
        post = (time.perf_counter() - t0) * 1000
        if status != 302 or urllib.parse.urlsplit(location).path != path:
            raise BrowserError(f"POST {path}{action}/: HTTP {status} to {location!r} {alert(body)}")
        t1 = time.perf_counter()
        browser.page(path)
        page = (time.perf_counter() - t1) * 1000
    except (OSError, BrowserError) as exc:
        with lock:
            run.failures.append(f"{exc} (after {(time.perf_counter() - t0) * 1000:.0f} ms)")
        return False
    with lock:
        run.actions += 1
        run.post_ms.append(post)
        run.page_ms.append(page)
        if shared:
            run.shared_ms.append(post)
    return True


def drive(browsers: Sequence[Browser], mine: Sequence[Sequence[str]], shared: str, seconds: float) -> Run:
    """Every browser acting at once for ``seconds``; browser i on its tickets ``mine[i]`` and ``shared``."""
    run = Run(len(browsers), per_client=[0] * len(browsers))
    lock = threading.Lock()
    start = threading.Barrier(len(browsers) + 1)
    ends: list[float] = []

    def client(i: int) -> None:
        start.wait()
        deadline = t0 + seconds
        k = 0
        while time.perf_counter() < deadline:
            to_shared = k % SHARED_EVERY == SHARED_EVERY - 1
            code = shared if to_shared else mine[i][k % len(mine[i])]
            action = "reply" if k % 3 == 0 else "note"
            if act(browsers[i], code, action, f"bench {action} {i}-{k}", run, lock, to_shared):
                run.per_client[i] += 1
            else:
                time.sleep(0.2)  # a failing desk is not hammered; its page is asked for again
                try:
                    browsers[i].page(f"/t/{code}/")
                except (OSError, BrowserError) as exc:
                    with lock:
                        run.failures.append(str(exc))
            k += 1
        with lock:
            ends.append(time.perf_counter())

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(len(browsers))]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    start.wait()
    for t in threads:
        t.join(seconds + 10 * TIMEOUT_S)
    run.seconds = (max(ends) if ends else time.perf_counter()) - t0
    return run


# ---- one database: filled, served by `sladesk up`, driven --------------------------------------
@dataclass
class DatabaseResult:
    name: str
    clients: int = CLIENTS
    tickets: int = 0
    fill_s: float = 0.0
    start_s: float = 0.0
    total_s: float = 0.0  # filled, started, driven, stopped
    baseline: Run | None = None
    load: Run | None = None
    skipped: str = ""  # why this database was not measured
    error: str = ""  # why the measurement stopped: a broken desk
    server_log: list[list[str]] = field(default_factory=list)  # the tracebacks and errors the desk printed
    loadavg: list[float] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        return [f for r in (self.baseline, self.load) if r is not None for f in r.failures]

    def checks(self) -> list[Check]:
        if self.skipped:
            return []
        if self.error or self.load is None or self.baseline is None:
            why = self.error.splitlines()[0][:60] if self.error else "no result"
            return [Check(f"web actions, {self.name}: did not run ({why})", 1, 0, at_least=False)]
        n, load = self.clients, self.load
        failures = len(self.failures)
        return [
            Check(
                f"web actions, {self.name}: failures with 1 and {n} clients: {failures} "
                f"(of {self.baseline.actions + load.actions:,} actions)",
                failures, 0, at_least=False,
            ),
            Check(
                f"one action's p95 with {n} clients, {self.name}: {load.p(95):.0f} ms "
                f"(p50 {load.p(50):.0f} ms, {load.rate:.1f} actions/s)",
                load.p(95), P95_TARGET_MS, " ms", at_least=False,
            ),
        ]  # fmt: skip

    def desk_log(self) -> list[str]:
        """The first traceback or error the desk printed in full, then how often each other one ended."""
        if not self.server_log:
            return []
        first, *others = self.server_log
        lines = [f"    the desk printed {len(self.server_log)} traceback(s) or error line(s); the first:"]
        shown = first if len(first) <= 60 else [*first[:10], "...", *first[-50:]]
        lines += [f"    | {line}" for line in shown]
        for last, n in Counter(block[-1] for block in others).most_common(10):
            lines.append(f"    and {n}x: {last[:200]}")
        return lines

    def report(self) -> list[str]:
        if self.skipped:
            return [f"  {self.name}: skipped ({self.skipped})"]
        done = [f"filled in {self.fill_s:.0f} s ({self.clients} agents, {self.tickets} tickets)"] if self.fill_s else []
        done += [f"`sladesk up` answered in {self.start_s:.1f} s"] if self.start_s else []
        lines = [f"  {self.name}: {', '.join([*done, f'{self.total_s:.0f} s in all'])}"]
        if self.error:
            lines.append(f"    STOPPED: {self.error}")
        for run in (self.baseline, self.load):
            if run is None:
                continue
            who = "1 client " if run.clients == 1 else f"{run.clients} clients"
            lines.append(
                f"    {who}: {run.rate:6.1f} actions/s ({run.actions:,} in {run.seconds:.1f} s)   "
                f"action p50 {run.p(50):5.0f} ms  p95 {run.p(95):5.0f} ms   "
                f"page after p95 {run.p(95, run.page_ms):4.0f} ms   failures {len(run.failures)}"
            )
        if self.baseline is not None and self.load is not None and self.baseline.rate:
            base, load = self.baseline, self.load
            per_client = load.per_client[0] / load.seconds if load.seconds else 0.0
            lines.append(
                f"    {load.clients} clients / 1 client: {load.rate / base.rate:.2f}x the actions/s; client 0 alone "
                f"{base.rate:.1f}/s, among {load.clients} {per_client:.1f}/s; shared ticket p95 "
                f"{load.p(95, load.shared_ms):.0f} ms ({len(load.shared_ms)} actions)"
            )
        if self.loadavg:
            lines.append(
                f"    load average {self.loadavg[0]:.1f} before, {self.loadavg[1]:.1f} after ({os.cpu_count()} CPUs; "
                "the clients, gunicorn, the worker and the database share them)"
            )
        for failure in self.failures[:5]:
            lines.append(f"    failure: {failure[:300]}")
        if len(self.failures) > 5:
            lines.append(f"    ... {len(self.failures) - 5} more failures")
        lines += self.desk_log()
        lines += [check.line() for check in self.checks()]
        return lines


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sladesk(env: dict[str, str], *args: str, stdin: str = "", timeout: float = 300) -> str:
    """Run ``sladesk ARGS`` (the console script) as an operator does; its output, or an error."""
    proc = subprocess.run(
        [str(sladesk_script()), *args], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"sladesk {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def fill(env: dict[str, str], clients: int, tickets: int) -> list[str]:
    """Directory, staff and tickets as an operator fills a desk; the tickets' codes, the shared one first."""
    sladesk(env, "migrate", "-v", "0")
    # The import and the first account side by side: two writers at once wait for each other.
    email, password = agent(0)
    commands = [
        (["directory", "import", *map(str, EXAMPLES)], ""),
        (["staff", "add", email, "--name", "Bench Agent 0", "--role", "agent", "--password-stdin"], password + "\n"),
    ]
    procs = [
        (args, stdin, subprocess.Popen(
            [str(sladesk_script()), *args], env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        ))
        for args, stdin in commands
    ]  # fmt: skip
    problems = []
    for args, stdin, proc in procs:
        _, err = proc.communicate(stdin, timeout=300)
        if proc.returncode != 0:
            problems.append(f"sladesk {' '.join(args[:3])} failed ({proc.returncode}):\n{err[-2000:]}")
    if problems:
        raise RuntimeError("\n".join(problems))
    # The other accounts and the tickets in one process, through the actions the commands call.
    out = subprocess.run(
        [sys.executable, "-m", "bench.actions", "--fill", str(tickets), "--clients", str(clients)], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"bench.actions --fill failed ({out.returncode}):\n{out.stderr[-3000:]}")
    codes: list[str] = json.loads(out.stdout)
    return codes


class Desk:
    """``sladesk up --no-demo --port P`` in its own process group, its output in ``log``."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.port = env, log, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopped_at: int | None = None  # the log's size when the stop was asked

    def start(self, seconds: float = 120) -> float:
        t0 = time.perf_counter()
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(sladesk_script()), "up", "--no-demo", "--port", str(self.port)], env=self.env, cwd=ROOT,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sladesk up exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"sladesk up did not answer /healthz in {seconds:.0f} s:\n{self.tail()}")

    def stop(self) -> None:
        """SIGTERM to the whole group (sladesk up, gunicorn, the worker); SIGKILL after 30 s."""
        if self.proc is None:
            return
        self.stopped_at = self.log.stat().st_size if self.log.exists() else 0
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        # gunicorn's workers and the sladesk worker may outlive the supervisor for a moment
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def tail(self, n: int = 30) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-n:])

    def problems(self) -> list[list[str]]:
        """What the desk printed that is not routine: each traceback (chained ones together) or line;
        after the stop was asked, only tracebacks (the notices of stopping are expected)."""
        text = self.log.read_bytes() if self.log.exists() else b""
        cut = len(text) if self.stopped_at is None else self.stopped_at
        after = [block for block in _problems(text[cut:].decode(errors="replace")) if len(block) > 1]
        return _problems(text[:cut].decode(errors="replace")) + after


def _problems(text: str) -> list[list[str]]:
    found: list[list[str]] = []
    block: list[str] = []
    for line in text.splitlines():
        chained = line.startswith(("During handling", "The above exception"))
        if line.startswith("Traceback") or chained or (block and line.startswith(" ")):
            block.append(line)
        elif block and line.strip():  # the exception's own line ends the traceback, unless one is chained
            block.append(line)
            found.append(block)
            block = []
        elif NOT_ROUTINE.search(line):
            found.append([line])
    if block:
        found.append(block)
    return _merge_chained(found)


def _merge_chained(blocks: list[list[str]]) -> list[list[str]]:
    merged: list[list[str]] = []
    for block in blocks:
        if merged and block[0].startswith(("During handling", "The above exception")):
            merged[-1] += block
        else:
            merged.append(block)
    return merged


def measure(
    name: str, env: dict[str, str], log: Path, clients: int, seconds: float, baseline_seconds: float, tickets: int
) -> DatabaseResult:
    result = DatabaseResult(name, clients, tickets)
    desk = Desk(env, log)
    t0 = time.perf_counter()
    stage = "filling the database"
    try:
        codes = fill(env, clients, tickets)
        result.fill_s = time.perf_counter() - t0
        stage = "starting the desk"
        result.start_s = desk.start()
        shared, own = codes[0], codes[1:]
        mine = [own[i::clients] or [shared] for i in range(clients)]
        browsers = [Browser(desk.url) for _ in range(clients)]
        for i, browser in enumerate(browsers):
            stage = f"logging in client {i}"
            browser.login(*agent(i))
            browser.page(f"/t/{mine[i][0]}/")  # warm: the ticket page's code is loaded, the token at hand
        result.loadavg.append(os.getloadavg()[0])
        stage = "the run with 1 client"
        result.baseline = drive(browsers[:1], mine[:1], shared, baseline_seconds)
        stage = f"the run with {clients} clients"
        result.load = drive(browsers, mine, shared, seconds)
        result.loadavg.append(os.getloadavg()[0])
    except (RuntimeError, BrowserError, OSError, subprocess.TimeoutExpired) as exc:
        result.error = f"{stage}: {str(exc).strip()}"
    finally:
        desk.stop()
        result.server_log = desk.problems()
        result.total_s = time.perf_counter() - t0
    return result


def run_sqlite(
    clients: int, seconds: float, baseline_seconds: float, tickets: int, tmp_root: str | None
) -> DatabaseResult:
    with tempfile.TemporaryDirectory(prefix="sladesk-bench-actions-", dir=tmp_root) as tmp:
        env = environment(tmp, None)
        return measure("SQLite", env, Path(tmp) / "up.log", clients, seconds, baseline_seconds, tickets)


def run_postgres(
    url: str, clients: int, seconds: float, baseline_seconds: float, tickets: int, tmp_root: str | None
) -> DatabaseResult:
    try:
        with fresh_postgres(url), tempfile.TemporaryDirectory(prefix="sladesk-bench-actions-", dir=tmp_root) as tmp:
            env = environment(tmp, url)
            return measure("PostgreSQL", env, Path(tmp) / "up.log", clients, seconds, baseline_seconds, tickets)
    except NoServer as exc:
        return DatabaseResult("PostgreSQL", clients, skipped=f"{url} does not answer: {exc}")


def run_actions(
    clients: int = CLIENTS, seconds: float = SECONDS, baseline_seconds: float = BASELINE_SECONDS,
    tickets: int = TICKETS, databases: Sequence[str] = ("sqlite", "postgresql"), postgres_url: str = POSTGRES_URL,
    tmp_root: str | None = None,
) -> Iterator[DatabaseResult]:  # fmt: skip
    """Each database's result as soon as it is measured."""
    if "sqlite" in databases:
        yield run_sqlite(clients, seconds, baseline_seconds, tickets, tmp_root)
    if "postgresql" in databases:
        yield run_postgres(postgres_url, clients, seconds, baseline_seconds, tickets, tmp_root)


# ---- the filling child: inside Django, against the database its environment names -------------
def fill_child(clients: int, tickets: int) -> list[str]:
    """Agents 1.. as ``sladesk staff add`` saves them, ``tickets`` phone tickets as ``sladesk tickets
    create`` opens them (agent 0 logs the calls); every ticket's code, oldest first."""
    import django

    django.setup()
    from django.contrib.auth.models import User

    from sladesk.directory.models import Person
    from sladesk.staff.actions import do_save_staff
    from sladesk.tickets import actions
    from sladesk.tickets.models import Ticket

    for i in range(1, clients):
        email, password = agent(i)
        do_save_staff(email=email, name=f"Bench Agent {i}", role="agent", password=password)
    actor = User.objects.get(username=agent(0)[0])
    requester = Person.objects.get(email=REQUESTER)
    for i in range(tickets):
        subject = "Shared by every bench client" if i == 0 else f"Bench ticket {i}"
        actions.do_create_ticket(
            actor=actor, channel="phone", requester=requester, subject=subject,
            description="A call logged for the actions benchmark.",
        )  # fmt: skip
    return list(Ticket.objects.order_by("number").values_list("code", flat=True))


# ---- the command line -------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.actions", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"concurrent clients ({CLIENTS})")
    parser.add_argument("--seconds", type=float, default=SECONDS, help=f"the run with every client ({SECONDS:g})")
    parser.add_argument("--baseline-seconds", type=float, default=BASELINE_SECONDS, help="the run with one client")
    parser.add_argument("--tickets", type=int, default=TICKETS, help=f"tickets in each database ({TICKETS})")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite,postgresql (both)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help=f"created and dropped ({POSTGRES_URL})")
    parser.add_argument("--tmp-root", help="where the data directories go (the system's temporary directory)")
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)  # the filling child's mode
    ns = parser.parse_args(argv)
    if ns.fill is not None:
        print(json.dumps(fill_child(ns.clients, ns.fill)))
        return 0
    print(section(f"web actions with {ns.clients} concurrent clients"))
    sys.stdout.flush()
    checks: list[Check] = []
    databases = [d.strip() for d in ns.databases.split(",") if d.strip()]
    for result in run_actions(
        ns.clients, ns.seconds, ns.baseline_seconds, ns.tickets, databases, ns.postgres_url, ns.tmp_root
    ):
        print("\n".join(result.report()))
        sys.stdout.flush()
        checks += result.checks()
    return 0 if checks and all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
