"""Two real `sladesk worker` processes over 1,000 tickets whose deadlines have passed, one of
them killed with SIGKILL in the middle of its sweep and started again: every breach is
recorded exactly once, none twice, none never (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
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

from sladesk.tickets import actions as a
from sladesk.tickets.models import TicketEvent, TicketMetric
from sladesk.tickets.sweeps import SWEPT
from tests.conftest import SLADESK
from tests.tickets.conftest import Cast
from tests.tickets.test_concurrency import _subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)
TICKETS = 1000


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


def wait_until(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.05)


def test_two_workers_one_killed_mid_sweep_record_each_breach_exactly_once(cast: Cast, tmp_path: Path) -> None:
    # P1 by email, logged as of three days ago: reply, response and resolution all ran out since.
    past = timezone.now() - timedelta(days=3)
    for i in range(TICKETS):
        a.do_create_ticket(
            actor=None, channel="email", requester=cast.alice, subject=f"Oto fora do ar {i}", priority="P1",
            received_at=past, now=past,
        )  # fmt: skip
    assert recorded() == 0 and pending() == 3 * TICKETS
    connection.close()  # the workers take the database from here

    logs = [tmp_path / f"worker-{i}.log" for i in range(3)]
    workers = [worker(logs[0]), worker(logs[1])]
    try:
        wait_until(lambda: recorded() >= 100, 120)
        assert 100 <= recorded() < TICKETS, "the kill must land in the middle of the sweep"
        workers[0].send_signal(signal.SIGKILL)  # mid-sweep, perhaps mid-transaction
        workers[0].wait(10)
        workers.append(worker(logs[2]))
        wait_until(lambda: pending() == 0, 240)
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
