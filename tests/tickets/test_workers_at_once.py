"""Two real `sladesk worker` processes over tickets whose deadlines have passed (10,000 on
PostgreSQL, 1,000 on SQLite, whose writers queue), one of them killed with SIGKILL in the
middle of its sweep and started again: every breach is recorded exactly once, none twice,
none never, and every notification of it is written once and leaves in exactly one email."""

from __future__ import annotations

import copy
import os
import re
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from sladesk.notifications.models import Notification
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets import actions as a
from sladesk.tickets.models import Counter as Numbers
from sladesk.tickets.models import Ticket, TicketEvent, TicketMetric, new_code
from sladesk.tickets.sweeps import SWEPT
from tests.conftest import SLADESK
from tests.tickets.conftest import Cast
from tests.tickets.test_concurrency import _subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)


def tickets_wanted() -> int:
    return 10_000 if connection.vendor == "postgresql" else 1_000


def worker(log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **_subprocess_env(), "SLADESK_DATA_DIR": str(settings.DATA_DIR)}
    with log.open("ab") as out:
        return subprocess.Popen([*SLADESK, "worker", "--interval", "0.2"], env=env, stdout=out, stderr=out)


def recorded() -> int:
    return TicketEvent.objects.filter(action="sla_breached").count()


def pending() -> int:
    return TicketMetric.objects.filter(
        state__in=SWEPT, due_at__lt=timezone.now(), breach_notified_at__isnull=True
    ).count()


def notified_pending() -> int:
    return Notification.objects.filter(queued_at__isnull=True).count()


def copies_of(original: Ticket, n: int) -> None:
    """``n`` more tickets like ``original`` (its row, its creation event, its metrics), written
    in bulk: what `do_create_ticket` would have written, without its n transactions."""
    event = original.events.get()
    metrics = list(original.metrics.all())
    first = original.number + 1
    tickets = []
    for i in range(n):
        t = copy.copy(original)
        t.pk, t.number, t.code, t.subject = None, first + i, new_code(), f"Oto fora do ar {i}"
        tickets.append(t)
    Ticket.objects.bulk_create(tickets, batch_size=1000)
    made = list(Ticket.objects.filter(number__gte=first).order_by("number"))
    events, rows = [], []
    for t in made:
        e = copy.copy(event)
        e.pk, e.ticket = None, t
        events.append(e)
        for m in metrics:
            row = copy.copy(m)
            row.pk, row.ticket = None, t
            rows.append(row)
    TicketEvent.objects.bulk_create(events, batch_size=1000)
    TicketMetric.objects.bulk_create(rows, batch_size=1000)
    Numbers.objects.filter(name="ticket").update(value=first + n - 1)


def wait_until(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def test_two_workers_one_killed_mid_sweep_record_each_breach_exactly_once(cast: Cast, tmp_path: Path) -> None:
    # P1 by email, logged as of three days ago: reply, response and resolution all ran out since.
    TICKETS = tickets_wanted()
    past = timezone.now() - timedelta(days=3)
    original = a.do_create_ticket(
        actor=None, channel="email", requester=cast.alice, subject="Oto fora do ar", priority="P1",
        received_at=past, now=past,
    )  # fmt: skip
    copies_of(original, TICKETS - 1)
    assert recorded() == 0 and pending() == 3 * TICKETS
    connection.close()  # the workers take the database from here

    logs = [tmp_path / f"worker-{i}.log" for i in range(3)]
    workers = [worker(logs[0]), worker(logs[1])]
    try:
        wait_until(lambda: recorded() >= TICKETS // 10, 120)
        assert TICKETS // 10 <= recorded() < TICKETS, "the kill must land in the middle of the sweep"
        workers[0].send_signal(signal.SIGKILL)  # mid-sweep, perhaps mid-transaction
        workers[0].wait(10)
        workers.append(worker(logs[2]))
        wait_until(lambda: pending() == 0 and notified_pending() == 0, 480)
    finally:
        for p in workers:
            p.terminate()
        for p in workers:
            p.wait(30)
    assert pending() == 0
    per_ticket: dict[int, Counter[str]] = {}
    for ticket_id, after in TicketEvent.objects.filter(action="sla_breached").values_list("ticket_id", "after"):
        per_ticket.setdefault(ticket_id, Counter()).update(list(after["breached"]))
    assert len(per_ticket) == TICKETS
    doubled = {t: c for t, c in per_ticket.items() if c != Counter(reply=1, response=1, resolution=1)}
    assert doubled == {}
    assert [p.returncode for p in workers] == [-signal.SIGKILL, 0, 0]
    assert not [log for log in logs if "Traceback" in log.read_text()]

    # Each breach told once to each of its people (unassigned: the vendor's agent; the
    # supervisor), and each notification in exactly one email (digests of up to 100 lines).
    told = Counter(Notification.objects.values_list("ticket_id", "metric", "to"))
    assert len(told) == TICKETS * 3 * 2 and set(told.values()) == {1}
    assert not Notification.objects.filter(outbox__isnull=True).exists()
    lines: Counter[tuple[str, str]] = Counter()
    for to, body in OutboxMessage.objects.filter(template="sla_notification").values_list("to", "body"):
        lines.update((to, number) for number in re.findall(r"^ESTOURADO · #(\d+) ", body, re.MULTILINE))
    assert len(lines) == TICKETS * 2 and set(lines.values()) == {3}  # reply, response, resolution
