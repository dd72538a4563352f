"""Several workers at once (threads, each its own connection, the real sweeps): every
crossing is recorded once, told once to each person, and every notification leaves in
exactly one email, while an agent acts on the same tickets."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import datetime

import pytest
from django.db import close_old_connections, connection

from sladesk.notifications.delivery import dispatch_due
from sladesk.notifications.models import Notification
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets import actions as a
from sladesk.tickets.models import Ticket, TicketEvent
from sladesk.tickets.sweeps import sweep_deadlines
from tests.tickets.conftest import Cast, at

pytestmark = pytest.mark.django_db(transaction=True)
TICKETS = 60
WORKERS = 4


def in_threads(jobs: list[object]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: object) -> None:
        try:
            start.wait()
            job()  # type: ignore[operator]
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    return errors


def test_workers_and_an_agent_at_once_tell_each_crossing_exactly_once(cast: Cast) -> None:
    tickets = [
        cast.ticket(f"2027-03-01 09:{i % 60:02d}", priority=("P1", "P2")[i % 2], channel=("phone", "email")[i % 2])
        for i in range(TICKETS)
    ]
    moments = [at(f"2027-03-01 {h:02d}:{m:02d}") for h in (10, 11, 12, 13, 14) for m in (0, 20, 40)]

    def worker() -> None:
        for now in moments:
            close_old_connections()
            sweep_deadlines(now=now, limit=25)
            dispatch_due(now=now)

    def agent() -> None:
        for t in tickets[::3]:
            a.do_assign_ticket(Ticket.objects.get(pk=t.pk), cast.sam, cast.ana, now=at("2027-03-01 10:10"))

    assert in_threads([worker] * WORKERS + [agent]) == []
    last: datetime = moments[-1]
    sweep_deadlines(now=last)  # what the racing workers left (a ticket held by another is skipped)
    dispatch_due(now=last)

    recorded: Counter[tuple[int, str, str]] = Counter()
    for e in TicketEvent.objects.filter(action__in=("sla_warning", "sla_breached")):
        for name in e.after.get("warning", e.after.get("breached", {})):
            recorded[(e.ticket_id, e.action, name)] += 1
    assert recorded and max(recorded.values()) == 1
    notes = list(Notification.objects.all())
    kinds = {(n.ticket_id, "sla_warning" if n.kind == "warning" else "sla_breached", n.metric) for n in notes}
    assert kinds == set(recorded)  # every crossing told, nothing told that was not recorded
    assert not [n for n in notes if n.queued_at is None and n.deliver_after <= last]
    # each notification is in exactly one email: count its line in every email to its person
    lines: Counter[tuple[str, int, str]] = Counter()
    numbers = {t.pk: t.number for t in tickets}
    for mail in OutboxMessage.objects.filter(template="sla_notification"):
        for kind, number in re.findall(r"^(ESTOURADO|AVISO) · #(\d+) ", mail.body, re.MULTILINE):
            lines[(mail.to, int(number), kind)] += 1
    sent = [n for n in notes if n.outbox_id is not None]
    expected = Counter((n.to, numbers[n.ticket_id], "ESTOURADO" if n.kind == "breach" else "AVISO") for n in sent)
    assert lines == expected
