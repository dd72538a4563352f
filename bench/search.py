"""Search with 100,000 tickets: p95 server time <= 100 ms, on SQLite and on PostgreSQL.

For each database, a fresh one (SQLite in a temporary SLADESK_DATA_DIR; PostgreSQL as
``sladesk_bench_search``, created and dropped here, skipped when the server does not answer),
filled as bench/queue.py fills it: ``sladesk migrate``, ``sladesk demo --tickets N``. The bulk
demo tickets carry no messages, so this module (``--messages``) then adds two to each ticket, a
customer's and an agent's reply, in pt-BR with order numbers, store names and error codes
(plain INSERTs, or COPY on PostgreSQL: the database's own triggers index them, as they index
every message). Then ``--measure`` logs the demo supervisor in with ``django.test.Client`` and
times ``/search/?q=...`` for a set of texts (the whole Django request: middleware, session,
queries, template; no network), counting its SQL queries and the rows found (at most a page of
50). The baseline of the same run: the same words looked up with a plain ``icontains`` scan of
subjects, descriptions, messages, requesters and customers, 50 newest first, as a desk without
an index would (it ignores neither accents nor, on SQLite, the case of accented letters), and
``/healthz``, what any request costs on this machine now.

``python -m bench.search [--tickets N] [--requests R] [--databases sqlite,postgresql]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.common import Check, Percentiles, QueryCounter, child, each_database, percentile, section
from bench.queue import SUPERVISOR

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/sladesk_bench_search"
TARGET_MS = 100.0
WARMUP = 3
MIN_REQUESTS, MAX_SECONDS_PER_TEXT = 10, 20.0
SEED = 20261127
CHUNK = 5_000  # tickets per transaction when adding messages
# (label, text); "{order}" is an order number that one bulk ticket's message holds.
TEXTS: tuple[tuple[str, str], ...] = (
    ("a word in 1 ticket of 18", "relatorio"),
    ("a word, accents and case", "RELATÓRIO"),
    ("the start of a word", "sincroniz"),
    ("two words", "erro meta"),
    ("a customer's name", "aurora"),
    ("in every ticket", "gestor"),
    ("a rare order number", "pedido {order}"),
    ("a phone, typed", "(51) 99100-0001"),
    ("a ticket number", "#{number}"),
    ("nothing found", "inexistente"),
)
# The demo's partner agent (a quarter of the bulk customers), and the status filter.
PARTNER_TEXTS: tuple[tuple[str, str, str], ...] = (
    ("partner agent: in every ticket", "gestor", ""),
    ("partner agent: a word, closed only", "relatorio", "closed"),
)
CUSTOMER_TEXTS = (
    "Bom dia, continua com problema na {store}: o pedido {order} não aparece e o vendedor {seller} já tentou "
    "de novo. Aparece o código de erro E{code}.",
    "Boa tarde, desde ontem o app fecha quando o vendedor registra a venda do pedido {order} na {store}. "
    "Conseguem verificar com urgência? Código E{code}.",
    "Olá, a meta da {store} ficou zerada depois da atualização e o ranking mostra valores errados (pedido {order}).",
)
AGENT_TEXTS = (
    "Olá! Recebemos o seu pedido e estamos analisando o caso do pedido {order}. Pode nos enviar um print da tela?",
    "Corrigimos a sincronização da {store}; o pedido {order} já aparece. Pode confirmar se está tudo certo?",
    "Encaminhamos o erro E{code} para a equipe de desenvolvimento; retornamos assim que houver novidade.",
)
STORES = ("Loja Centro", "Loja Shopping", "Loja Bairro")
SELLERS = ("Vicente", "Joana", "Márcio", "Luíza", "Otávio", "Conceição")


@dataclass
class Timed(Percentiles):
    label: str
    text: str
    times_ms: list[float]
    queries: int = 0
    rows: int = 0


@dataclass
class DatabaseResult:
    name: str
    tickets: int = 0
    fill_s: float = 0.0
    messages_s: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    searches: list[Timed] = field(default_factory=list)
    scans: list[Timed] = field(default_factory=list)
    healthz: Timed | None = None
    load: list[float] = field(default_factory=list)
    skipped: str = ""

    def checks(self) -> list[Check]:
        if self.skipped or not self.searches:
            return []
        times = [t for s in self.searches for t in s.times_ms]
        scans = [t for s in self.scans for t in s.times_ms]
        p95, p50 = percentile(times, 95), percentile(times, 50)
        text = (
            f"search p95 server time, {self.name}, {self.tickets:,} tickets: {p95:.0f} ms (p50 {p50:.0f} ms; "
            f"icontains scan p95 {percentile(scans, 95):.0f} ms)"
        )
        return [Check(text, p95, TARGET_MS, " ms", at_least=False)]

    def report(self) -> list[str]:
        if self.skipped:
            return [f"  {self.name}: skipped ({self.skipped})"]
        c = self.counts
        lines = [
            f"  {self.name}: migrated and filled in {self.fill_s:.0f} s, messages added in {self.messages_s:.0f} s; "
            f"{c.get('tickets', 0):,} tickets, {c.get('messages', 0):,} messages",
            f"    load average {self.load[0]:.1f} before measuring, {self.load[1]:.1f} after ({os.cpu_count()} CPUs)",
            f"    {'text':<44} {'search (the page)':<30} {'icontains scan (SQL only)':<26}",
        ]
        scans = {s.label: s for s in self.scans}
        for s in self.searches:
            scan = scans.get(s.label)
            shown = f"{s.label}: {s.text}"
            base = f"p50 {scan.p50:6.1f}  p95 {scan.p95:6.1f} ms" if scan else "-"
            figures = f"p50 {s.p50:5.1f}  p95 {s.p95:5.1f} ms  {s.queries:>2} SQL, {s.rows:>2} rows"
            lines.append(f"    {shown[:44]:<44} {figures}   {base}")
        if self.healthz:
            lines.append(
                f"    {'/healthz (any request now)':<44} p50 {self.healthz.p50:5.1f}  p95 {self.healthz.p95:5.1f} ms"
            )
        lines += [check.line() for check in self.checks()]
        return lines


# ---- the parent: fresh databases, filled and measured in child processes -----------------------
def run_database(name: str, env: dict[str, str], tickets: int, requests: int) -> DatabaseResult:
    result = DatabaseResult(name, tickets)
    t0 = time.perf_counter()
    child(env, "sladesk.cli", "migrate", "-v", "0")
    child(env, "sladesk.cli", "demo", "--tickets", str(tickets))
    result.fill_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    child(env, "bench.search", "--messages")
    result.messages_s = time.perf_counter() - t0
    measured = json.loads(child(env, "bench.search", "--measure", "--requests", str(requests)))
    result.counts, result.load = measured["counts"], measured["load"]
    result.searches = [Timed(**t) for t in measured["searches"]]
    result.scans = [Timed(**t) for t in measured["scans"]]
    result.healthz = Timed(**measured["healthz"])
    return result


def run_search(
    tickets: int = 100_000, requests: int = 30, databases: Sequence[str] = ("sqlite", "postgresql"),
    postgres_url: str = POSTGRES_URL,
) -> Iterator[DatabaseResult]:  # fmt: skip
    """Each database's result as soon as it is measured."""
    yield from each_database(
        "sladesk-bench-search-", databases, postgres_url,
        lambda name, env: run_database(name, env, tickets, requests),
        lambda name, why: DatabaseResult(name, tickets, skipped=why),
    )  # fmt: skip


# ---- the children: inside Django, against the database their environment names ----------------
def add_messages() -> None:
    """Two messages per ticket that has none: the customer's, then an agent's reply."""
    import django

    django.setup()
    from django.db import connection, transaction

    from sladesk.tickets.models import Message, Ticket

    rng = random.Random(SEED)
    ids = list(Ticket.objects.filter(messages__isnull=True).order_by("pk").values_list("pk", "received_at"))
    columns = ("ticket_id", "kind", "body", "created_at")
    for start in range(0, len(ids), CHUNK):
        rows = []
        for pk, received in ids[start : start + CHUNK]:
            values = {
                "store": rng.choice(STORES), "seller": rng.choice(SELLERS), "code": rng.randrange(100, 999),
                "order": rng.randrange(10_000, 99_999),
            }  # fmt: skip
            rows.append((pk, Message.Kind.INBOUND, rng.choice(CUSTOMER_TEXTS).format(**values), received))
            rows.append((pk, Message.Kind.PUBLIC, rng.choice(AGENT_TEXTS).format(**values), received))
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY tickets_message ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                sql = f"INSERT INTO tickets_message ({', '.join(columns)}) VALUES (%s, %s, %s, %s)"
                cursor.executemany(sql, rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("tickets_message", "tickets_search"):
                cursor.execute(f"ANALYZE {table}")  # as autovacuum would after a bulk load


def timed(label: str, text: str, run: Callable[[], Any], requests: int) -> dict[str, Any]:
    for _ in range(WARMUP):
        run()
    times: list[float] = []
    stop = time.monotonic() + MAX_SECONDS_PER_TEXT
    while len(times) < requests and (len(times) < MIN_REQUESTS or time.monotonic() < stop):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return {"label": label, "text": text, "times_ms": times}


def measure(requests: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from sladesk.ops.demo.people import LOGINS
    from sladesk.tickets.models import Message, Ticket

    client = Client(HTTP_HOST="127.0.0.1")
    login = client.post(reverse("login"), {"username": SUPERVISOR[0], "password": SUPERVISOR[1]})
    if login.status_code != 302:
        raise RuntimeError(f"the demo supervisor could not log in (HTTP {login.status_code})")
    url = reverse("tickets:search")
    inbound = Message.objects.filter(kind=Message.Kind.INBOUND).order_by("pk")
    body = inbound.values_list("body", flat=True)[inbound.count() // 2]
    order = re.search(r"pedido ([0-9]+)", body)[1]  # type: ignore[index]
    number = Ticket.objects.order_by("number").values_list("number", flat=True)[Ticket.objects.count() // 2]
    load = os.getloadavg()[0]
    searches, scans = [], []
    for label, template in TEXTS:
        text = template.format(order=order, number=number)
        with connection.execute_wrapper(counter := QueryCounter()):
            page = client.get(url, {"q": text})
        if page.status_code not in (200, 302):
            raise RuntimeError(f"{url}?q={text}: HTTP {page.status_code}")
        result = timed(label, text, lambda text=text: client.get(url, {"q": text}), requests)  # type: ignore[misc]
        rows = page.content.count(b"data-ticket=") if page.status_code == 200 else 1
        searches.append({**result, "queries": counter.n, "rows": rows})
        if not text.startswith("#"):
            scans.append(timed(label, text, lambda text=text: icontains(text), requests))  # type: ignore[misc]
    partner = Client(HTTP_HOST="127.0.0.1")
    login = next(x for x in LOGINS if x.key == "partner-agent")
    if partner.post(reverse("login"), {"username": login.email, "password": login.password}).status_code != 302:
        raise RuntimeError("the demo partner agent could not log in")
    for label, text, status in PARTNER_TEXTS:
        params = {"q": text, "status": status}
        with connection.execute_wrapper(counter := QueryCounter()):
            page = partner.get(url, params)
        result = timed(label, text, lambda params=params: partner.get(url, params), requests)  # type: ignore[misc]
        searches.append({**result, "queries": counter.n, "rows": page.content.count(b"data-ticket=")})
    healthz = timed("/healthz", "", lambda: client.get("/healthz"), requests)
    counts = {"tickets": Ticket.objects.count(), "messages": Message.objects.count()}
    return {
        "counts": counts, "searches": searches, "scans": scans, "healthz": healthz,
        "load": [load, os.getloadavg()[0]],
    }  # fmt: skip


def icontains(text: str) -> list[int]:
    """The baseline: each word anywhere in the ticket's text, its messages, requester or customer,
    by a scan (``icontains``), 50 newest first."""
    from django.db.models import Q

    from sladesk.tickets.models import Message, Ticket

    found = Ticket.objects.all()
    for word in text.replace("(", " ").replace(")", " ").split():
        in_messages = Message.objects.filter(body__icontains=word).values("ticket_id")
        found = found.filter(
            Q(subject__icontains=word) | Q(description__icontains=word) | Q(pk__in=in_messages)
            | Q(requester__name__icontains=word) | Q(requester__phone__icontains=word)
            | Q(customer__name__icontains=word)
        )  # fmt: skip
    return list(found.order_by("-number").values_list("number", flat=True)[:51])


# ---- the command line -------------------------------------------------------------------------
def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="bulk tickets in each database (100,000)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per text (30)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite,postgresql (both)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help=f"created and dropped ({POSTGRES_URL})")
    parser.add_argument("--messages", action="store_true", help=argparse.SUPPRESS)  # a child's mode
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # a child's mode
    return parser.parse_args(argv)


ABOUT = [
    "each database fresh: migrate, `sladesk demo --tickets N`, two messages per ticket (indexed by the",
    "database's triggers), then the demo supervisor's /search/?q=... through django.test.Client (the whole",
    "Django request, no network) for each text, beside a plain icontains scan of the same words (SQL only)",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures; 0 when every database measured meets the target, else 1."""
    ns = parse(argv)
    if ns.messages:
        add_messages()
        return 0
    if ns.measure:
        print(json.dumps(measure(ns.requests)))
        return 0
    databases = [d.strip() for d in ns.databases.split(",") if d.strip()]
    print(section(f"search with {ns.tickets:,} tickets: p95 server time"))
    for line in ABOUT:
        print(f"   {line}")
    sys.stdout.flush()
    checks = []
    for result in run_search(ns.tickets, ns.requests, databases, ns.postgres_url):
        print("\n".join(result.report()))
        sys.stdout.flush()
        checks += result.checks()
    return 0 if checks and all(c.passed for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
