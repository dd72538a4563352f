"""Email ingestion: messages per second through ``process_stream``, on SQLite and on PostgreSQL,
beside django-helpdesk's own ingestion of the same emails in the same run. Target: >= 5x.

The emails are ``bench/mail_corpus.py``'s (10,000 by default, written once as .eml files into a
temporary folder beside the directory's two CSV files). Each system runs in processes of its own,
as an operator runs it:

- django-helpdesk (the bench dependency group) with its own settings (``bench/helpdesk_peer``)
  and its own SQLite file: ``migrate`` (which loads its email templates), one Queue of type
  ``local`` reading a folder holding a copy of the .eml files, then its ``get_email`` management
  command, timed: it reads each file, makes a ticket or a follow-up of it (threaded by
  In-Reply-To or its ``[slug-N]`` tag), stores the attachments, mails the submitter and deletes the
  file. Afterwards its tickets, follow-ups and attachments are counted, and the files it left. (It
  reads the folder in directory order, not in order of arrival, so some replies come before what
  they answer and open a ticket; a ``[#N]`` is sladesk's tag, not its own.)
- sladesk, for each database a fresh one (SQLite in a temporary SLADESK_DATA_DIR; PostgreSQL as
  ``sladesk_bench_ingest``, created and dropped here, skipped when the server does not answer):
  ``sladesk migrate``, then in one process ``sladesk directory import`` of the corpus's directory
  and ``process_stream`` over every email in order, in batches of ``smtpd.BATCH`` (50), as the
  SMTP listener's drain takes them from its spool when mail arrives faster than it is processed
  (the bytes already in memory, each with its spool-like ``source_id``, ``received_at`` the moment
  its batch starts), timed, counting the outcomes, which must be the ones the corpus expects.
  As in the drain, the reading-ahead helper process (``intake/ahead.py``, started inside the
  timed loop) parses batch k+2 and triages batch k+1's likely requests while batch k is written:
  two processes where django-helpdesk runs one, so the helper's CPU time is printed beside
  sladesk's. Also as in the drain, on PostgreSQL each batch leaves its tickets' search documents
  to a flusher (``tickets/search_later.py``: a thread of this process with a connection of its
  own) poked after its commit; the clock stops once the flusher has written the last batch's,
  and every ticket must then be searchable (else the figure does not count).
  Each batch is one transaction: every email's raw bytes, outcome, ticket, events, metrics and
  acknowledgement are committed (synced) when its batch returns.

Each figure is the wall clock of the whole loop; the CPU time of the process and the load average
are printed beside it (other processes on the machine slow the wall clock, not the CPU time), and
the SQL statements per email (``connection.execute_wrapper``).

``python -m bench.ingest [--messages N] [--databases sqlite,postgresql] [--postgres-url URL]
[--no-peer]``
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import mail_corpus
from bench.common import Check, NoServer, QueryCounter, child, environment, fresh_postgres, section

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/sladesk_bench_ingest"
TARGET_RATIO = 5.0
# sladesk's loop on each database stops after this long (saying so): at the target's pace, 10,000
# emails take a fraction of it; a desk this slow has missed the target anyway.
MAX_SECONDS = 120.0
PEER = f"django-helpdesk {version('django-helpdesk')}"


@dataclass
class CorpusResult:
    """What the emails are: printed first, no target."""

    n: int
    megabytes: float
    kinds: dict[str, int]
    html: int
    attachments: int
    charsets: dict[str, int]
    expected: list[str]  # each email's outcome as sladesk should give it ("outcome" or "outcome/reason")
    seconds: float

    def checks(self) -> list[Check]:
        return []

    def report(self) -> list[str]:
        kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(self.kinds.items(), key=lambda kv: -kv[1]))
        charsets = ", ".join(f"{k} {v:,}" for k, v in sorted(self.charsets.items(), key=lambda kv: -kv[1]))
        return [
            f"  the corpus: {self.n:,} emails, {self.megabytes:.1f} MB, written in {self.seconds:.1f} s: {kinds}",
            f"    {self.html:,} with HTML, {self.attachments:,} with an attachment; text parts in {charsets}",
        ]


@dataclass
class PeerResult:
    """django-helpdesk's ``get_email`` over the folder of .eml files."""

    n: int
    seconds: float = 0.0
    cpu_s: float = 0.0
    prepare_s: float = 0.0
    queries: int = 0
    load: list[float] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.n / self.seconds if self.seconds else 0.0

    def checks(self) -> list[Check]:
        return []

    def report(self) -> list[str]:
        c = self.counts
        return [
            f"  {PEER}, SQLite: migrated in {self.prepare_s:.0f} s; get_email: {self.n:,} emails in "
            f"{self.seconds:.1f} s = {self.rate:,.0f} emails/s (CPU {self.cpu_s:.1f} s; load average "
            f"{self.load[0]:.1f} before, {self.load[1]:.1f} after, {os.cpu_count()} CPUs)",
            f"    {self.queries / max(self.n, 1):.1f} SQL statements/email; it opened {c['tickets']:,} tickets with "
            f"{c['followups']:,} follow-ups ({c['followups'] - c['tickets']:,} threaded replies), stored "
            f"{c['attachments']:,} attachments, built {c['emails']:,} emails; {c['left']:,} files left unprocessed",
        ]


@dataclass
class SladeskResult:
    """``process_stream`` over the same emails, on one database."""

    name: str
    n: int  # the emails processed: all of them, unless the time limit stopped the loop
    peer_rate: float | None = None  # django-helpdesk's emails/s in the same run
    total: int = 0  # the emails of the corpus
    max_seconds: float = 0.0
    seconds: float = 0.0
    cpu_s: float = 0.0
    helper_s: float = 0.0  # the CPU time of the reading-ahead helper
    helped: int = 0  # the batches it parsed
    batches: int = 0
    triaged: int = 0  # the emails it triaged
    prepare_s: float = 0.0
    queries: int = 0
    load: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    stored: dict[str, int] = field(default_factory=dict)
    skipped: str = ""

    @property
    def rate(self) -> float:
        return self.n / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / self.peer_rate if self.peer_rate else 0.0

    def checks(self) -> list[Check]:
        if self.skipped or not self.seconds or self.peer_rate is None:
            return []
        text = (
            f"process_stream, {self.name}: {self.rate:,.0f} emails/s = {self.ratio:.1f}x {PEER}'s "
            f"{self.peer_rate:,.0f}/s"
        )
        if self.stored.get("searchable") != self.stored.get("tickets"):  # work left undone: no figure
            return [Check(f"{text}, but not every ticket searchable when the clock stopped", 0.0, TARGET_RATIO, "x")]
        return [Check(text, round(self.ratio, 2), TARGET_RATIO, "x")]

    def report(self) -> list[str]:
        if self.skipped:
            return [f"  sladesk, {self.name}: skipped ({self.skipped})"]
        s = self.stored
        lines = [
            f"  sladesk, {self.name}: migrated and directory imported in {self.prepare_s:.0f} s; {self.n:,} emails in "
            f"{self.seconds:.1f} s = {self.rate:,.0f} emails/s (CPU {self.cpu_s:.1f} s, and {self.helper_s:.1f} s "
            f"in the reading-ahead helper, which parsed {self.helped:,} of the {self.batches:,} batches and triaged "
            f"{self.triaged:,} emails; load average "
            f"{self.load[0]:.1f} before, {self.load[1]:.1f} after)",
        ]
        if self.n < self.total:
            lines.append(
                f"    STOPPED at the {self.max_seconds:.0f} s limit after {self.n:,} of the {self.total:,} emails: "
                "the figures are those of the first ones"
            )
        lines += [
            f"    {self.queries / max(self.n, 1):.1f} SQL statements/email; stored {s.get('mails', 0):,} emails, "
            f"{s.get('tickets', 0):,} tickets, {s.get('attachments', 0):,} attachments, "
            f"{s.get('outbox', 0):,} emails to send; {self.searchable_line()}",
            "    outcomes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.outcomes.items(), key=lambda kv: -kv[1])),
        ]
        wrong = self.differences()
        if wrong:
            lines.append("    NOT the outcomes the corpus expects: " + "; ".join(wrong))
        else:
            lines.append("    every outcome as the corpus expects")
        if self.peer_rate:
            lines.append(f"    {self.ratio:.1f}x {PEER} ({self.peer_rate:,.0f} emails/s in this run)")
        return lines + [check.line() for check in self.checks()]

    def searchable_line(self) -> str:
        s = self.stored
        if s.get("searchable", 0) < 0:
            return "search documents LEFT UNWRITTEN when the clock stopped"
        line = f"{s.get('searchable', 0):,} tickets searchable"
        if s.get("searchable_after"):
            line += f" ({s['searchable_after']:,} documents written after their batch's commit by its flusher)"
        return line

    def differences(self) -> list[str]:
        keys = sorted(set(self.outcomes) | set(self.expected))
        return [
            f"{k} {self.outcomes.get(k, 0):,} (expected {self.expected.get(k, 0):,})"
            for k in keys
            if self.outcomes.get(k, 0) != self.expected.get(k, 0)
        ]


# ---- the parent: the corpus, then each system in its own processes ------------------------------
def describe(mails: Sequence[mail_corpus.Mail], seconds: float) -> CorpusResult:
    charsets: Counter[str] = Counter()
    for m in mails:
        for cs in ("utf-8", "iso-8859-1", "windows-1252"):
            if f'text/plain; charset="{cs}"'.encode() in m.raw:
                charsets[cs] += 1
    return CorpusResult(
        n=len(mails),
        megabytes=sum(len(m.raw) for m in mails) / 1e6,
        kinds=dict(Counter(m.kind for m in mails)),
        html=sum(b"Content-Type: text/html" in m.raw for m in mails),
        attachments=sum(b"Content-Disposition: attachment" in m.raw for m in mails),
        charsets=dict(charsets),
        expected=[f"{m.outcome}/{m.reason}" if m.reason else m.outcome for m in mails],
        seconds=seconds,
    )


def last_json(output: str) -> dict[str, Any]:
    """A child's answer: the last line of its standard output (what else it printed comes before)."""
    answer: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return answer


def peer_environment(folder: Path) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.helpdesk_peer.settings", "HELPDESK_PEER_DIR": str(folder)}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUTF8"] = "1"  # helpdesk opens each .eml in text mode, in the locale's encoding
    return env


def run_peer(tmp: Path, corpus: Path, n: int) -> PeerResult:
    folder = tmp / "helpdesk"
    folder.mkdir()
    env = peer_environment(folder)
    out = last_json(child(env, "bench.ingest", "--child", "helpdesk", "--corpus", str(corpus), timeout=3600))
    return PeerResult(n=n, **out)


def run_sladesk(
    name: str, env: dict[str, str], corpus: Path, described: CorpusResult, peer: float | None, max_seconds: float
) -> SladeskResult:
    t0 = time.perf_counter()
    child(env, "sladesk.cli", "migrate", "-v", "0")
    migrate_s = time.perf_counter() - t0
    out = last_json(
        child(env, "bench.ingest", "--child", "sladesk", "--corpus", str(corpus), "--max-seconds", str(max_seconds))
    )
    out["prepare_s"] += migrate_s
    expected = dict(Counter(described.expected[: out["n"]]))
    return SladeskResult(name, peer_rate=peer, total=described.n, max_seconds=max_seconds, expected=expected, **out)


def run_ingest(
    n: int = 10_000, databases: Sequence[str] = ("sqlite", "postgresql"), postgres_url: str = POSTGRES_URL,
    peer: bool = True, max_seconds: float = MAX_SECONDS,
) -> Iterator[Any]:  # fmt: skip
    """The corpus's description, django-helpdesk's figure, then sladesk's on each database, each
    as soon as it is measured (sladesk's compared with django-helpdesk's of the same run).
    sladesk's loop stops after ``max_seconds`` (saying so): a slow desk does not hold the bench."""
    with tempfile.TemporaryDirectory(prefix="sladesk-bench-ingest-") as name:
        tmp = Path(name)
        corpus = tmp / "corpus"
        t0 = time.perf_counter()
        described = describe(mail_corpus.write(corpus, n), time.perf_counter() - t0)
        yield described
        peer_rate = None
        if peer:
            helpdesk = run_peer(tmp, corpus, n)
            peer_rate = helpdesk.rate
            yield helpdesk
        if "sqlite" in databases:
            data = tmp / "sladesk-sqlite"
            data.mkdir()
            yield run_sladesk("SQLite", environment(str(data), None), corpus, described, peer_rate, max_seconds)
        if "postgresql" in databases:
            yield run_postgres(postgres_url, tmp, corpus, described, peer_rate, max_seconds)


def run_postgres(
    url: str, tmp: Path, corpus: Path, described: CorpusResult, peer: float | None, max_seconds: float
) -> SladeskResult:
    try:
        with fresh_postgres(url):
            data = tmp / "sladesk-postgresql"
            data.mkdir()
            return run_sladesk("PostgreSQL", environment(str(data), url), corpus, described, peer, max_seconds)
    except NoServer as exc:
        return SladeskResult("PostgreSQL", described.n, skipped=f"{url} does not answer: {exc}")


# ---- the children: inside Django, one system each -----------------------------------------------
def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def measure_sladesk(corpus: Path, max_seconds: float) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from sladesk.intake.ahead import Ahead
    from sladesk.intake.models import InboundMail
    from sladesk.intake.process import Incoming
    from sladesk.intake.smtpd import BATCH
    from sladesk.intake.stream import process_stream
    from sladesk.outbound.models import OutboxMessage
    from sladesk.tickets.models import Attachment, Ticket
    from sladesk.tickets.search_later import Flusher

    t0 = time.perf_counter()
    files = corpus.parent / "directory"
    call_command("directory", "import", str(files / "contracts.csv"), str(files / "people.csv"), stdout=io.StringIO())
    raws = [path.read_bytes() for path in sorted(corpus.glob("*.eml"))]  # the listener has the bytes in memory
    prepare_s = time.perf_counter() - t0
    outcomes: Counter[str] = Counter()
    load = os.getloadavg()[0]
    counter = QueryCounter()

    def batches(stop: float) -> Iterator[list[Incoming]]:
        for start in range(0, len(raws), BATCH):
            if time.perf_counter() > stop:
                return
            now = timezone.now()
            yield [Incoming(raw, now, "smtp", f"spool:bench-{start + i}") for i, raw in enumerate(raws[start:][:BATCH])]

    with connection.execute_wrapper(counter):
        cpu0, helper0, t0 = cpu_seconds(), cpu_seconds(resource.RUSAGE_CHILDREN), time.perf_counter()
        # Both started here, as the listener starts them; the clock stops once the flusher wrote
        # the last batch's search documents (PostgreSQL; on SQLite each statement writes them).
        with Ahead() as ahead, Flusher() as flusher:
            for _batch, results in process_stream(batches(t0 + max_seconds), ahead, flusher):
                for result in results:
                    outcomes[f"{result.outcome}/{result.reason}" if result.reason else result.outcome] += 1
        seconds, cpu_s = time.perf_counter() - t0, cpu_seconds() - cpu0
        helper_s = cpu_seconds(resource.RUSAGE_CHILDREN) - helper0
    stored = {
        "mails": InboundMail.objects.count(),
        "tickets": Ticket.objects.count(),
        "searchable": searchable(connection),
        "searchable_after": flusher.written,
        "attachments": Attachment.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }
    return {
        "n": outcomes.total(), "seconds": seconds, "cpu_s": cpu_s, "helper_s": helper_s, "prepare_s": prepare_s,
        "queries": counter.n, "helped": ahead.parsed, "triaged": ahead.triaged,
        "batches": -(-outcomes.total() // BATCH),
        "load": [load, os.getloadavg()[0]], "outcomes": dict(outcomes), "stored": stored,
    }  # fmt: skip


def searchable(connection: Any) -> int:
    """The tickets the search index holds, once every document left for later is written (none
    should be: the flusher wrote them before the clock stopped)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM tickets_search_dirty WHERE later")
            if cursor.fetchone()[0]:
                return -1
            cursor.execute("SELECT count(*) FROM tickets_search")
        else:
            cursor.execute("SELECT count(*) FROM tickets_search")
        return int(cursor.fetchone()[0])


def measure_helpdesk(corpus: Path) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from helpdesk.models import FollowUp, FollowUpAttachment, Queue, Ticket

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    mailbox = Path(settings.DIR) / "mailbox"
    shutil.copytree(corpus, mailbox)  # it deletes each file it ingested
    Queue.objects.create(
        title="Suporte", slug="suporte", email_address=mail_corpus.SUPPORT, allow_email_submission=True,
        email_box_type="local", email_box_local_dir=str(mailbox),
    )  # fmt: skip
    prepare_s = time.perf_counter() - t0
    load = os.getloadavg()[0]
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        call_command("get_email", quiet=True)
        seconds, cpu_s = time.perf_counter() - t0, cpu_seconds() - cpu0
    counts = {
        "tickets": Ticket.objects.count(),
        "followups": FollowUp.objects.count(),
        "attachments": FollowUpAttachment.objects.count(),
        "emails": len(getattr(mail, "outbox", [])),
        "left": len(list(mailbox.iterdir())),
    }
    return {
        "seconds": seconds, "cpu_s": cpu_s, "prepare_s": prepare_s, "queries": counter.n,
        "load": [load, os.getloadavg()[0]], "counts": counts,
    }  # fmt: skip


# ---- the command line ---------------------------------------------------------------------------
def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000, help="emails in the corpus (10,000)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite,postgresql (both)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help=f"created and dropped ({POSTGRES_URL})")
    parser.add_argument("--no-peer", action="store_true", help="sladesk only (no ratio, no target)")
    parser.add_argument(
        "--max-seconds", type=float, default=MAX_SECONDS, help=f"sladesk's loop stops after this ({MAX_SECONDS:.0f})"
    )
    parser.add_argument("--child", choices=("sladesk", "helpdesk"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures; 0 when every target is met, else 1."""
    ns = parse(argv)
    if ns.child:
        answer = measure_sladesk(ns.corpus, ns.max_seconds) if ns.child == "sladesk" else measure_helpdesk(ns.corpus)
        print(json.dumps(answer))
        return 0
    databases = [d.strip() for d in ns.databases.split(",") if d.strip()]
    print(section(f"email ingestion: {ns.messages:,} emails through process_stream, beside {PEER}"))
    sys.stdout.flush()
    checks: list[Check] = []
    for result in run_ingest(ns.messages, databases, ns.postgres_url, peer=not ns.no_peer, max_seconds=ns.max_seconds):
        print("\n".join(result.report()))
        sys.stdout.flush()
        checks += result.checks()
    return 0 if all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
