"""`sladesk demo --tickets N`: bulk tickets whose stored metrics are the engine's."""

from __future__ import annotations

import random
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command

from sladesk.ops.demo import load_demo
from sladesk.ops.demo.bulk import bulk_tickets, fill_tickets
from sladesk.tickets import clocks
from sladesk.tickets.models import OPEN_STATUSES, Ticket, TicketMetric
from sladesk.tickets.sweeps import SWEPT

NOW = datetime(2027, 3, 3, 15, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
FIELDS = [f.attname for f in TicketMetric._meta.concrete_fields]

pytestmark = pytest.mark.django_db


def demo(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_it_loads_the_demo_and_fills_the_tickets_asked_for() -> None:
    out = demo("--tickets", "200")
    assert bulk_tickets().count() == 200
    assert "bulk tickets: 200 added" in out
    assert "supervisor@demo.sladesk" in out and "demo-supervisor" in out
    assert bulk_tickets().filter(customer__is_demo=False).count() == 0


def test_it_refuses_a_desk_with_real_accounts_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    User.objects.create_user("ana@vendor.example", "ana@vendor.example", "uma-senha-bem-longa-42")
    with pytest.raises(SystemExit) as exited:
        demo()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "refused: this database has 1 real account(s) (ana@vendor.example)" in err
    assert "admin@demo.sladesk / demo-admin is a superuser" in err and "--force" in err
    assert not User.objects.filter(username__endswith="@demo.sladesk").exists()
    assert not Ticket.objects.exists()


def test_it_loads_there_when_forced() -> None:
    User.objects.create_user("ana@vendor.example", "ana@vendor.example", "uma-senha-bem-longa-42")
    assert "supervisor@demo.sladesk" in demo("--force")
    assert User.objects.filter(username="admin@demo.sladesk", is_superuser=True).exists()


def test_loading_it_again_is_no_refusal() -> None:
    demo()  # only the demo's own accounts: still a desk for trying things out
    assert "demo tickets: already there, nothing added" in demo()


def test_it_only_adds_what_is_missing() -> None:
    demo("--tickets", "200")
    assert "bulk tickets: 0 added" in demo("--tickets", "200")
    assert "bulk tickets: 50 added" in demo("--tickets", "250")
    assert bulk_tickets().count() == 250
    numbers = list(Ticket.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


def test_its_event_logs_are_whole() -> None:
    demo("--tickets", "200")
    for t in bulk_tickets().prefetch_related("events"):
        events = list(t.events.all())
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].action == "created" and events[0].at == t.received_at
        assert [e.at for e in events] == sorted(e.at for e in events)


@pytest.fixture
def bulk() -> list[Ticket]:
    d = load_demo(NOW).directory
    fill_tickets(3000, d.partner, d.staff, now=NOW)
    pks = list(bulk_tickets().values_list("pk", flat=True))
    open_pks = list(bulk_tickets().filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    sample = set(random.Random(7).sample(pks, 300)) | set(open_pks)  # every open one: their clocks run
    return list(Ticket.objects.filter(pk__in=sample).select_related("policy_version").prefetch_related("metrics"))


def test_it_stores_what_the_engine_gives_for_the_event_log(bulk: list[Ticket]) -> None:
    assert any(t.is_open for t in bulk)
    for t in bulk:
        stored = {m.name: (m.state, m.due_at) for m in t.metrics.all()}
        for when in (NOW, t.metrics.all()[0].evaluated_at):
            engine = clocks.evaluate_ticket(t, when).metrics
            assert stored == {name: (m.state, clocks._dt(m.due)) for name, m in engine.items()}, t.number


def test_its_metric_rows_are_what_store_metrics_writes(bulk: list[Ticket]) -> None:
    for t in bulk:
        rows = {m.name: [getattr(m, f) for f in FIELDS] for m in t.metrics.all()}
        next_due_at, evaluated_at = t.next_due_at, t.metrics.all()[0].evaluated_at
        clocks.store_metrics(t, clocks.evaluate_ticket(t, evaluated_at), evaluated_at)
        assert {m.name: [getattr(m, f) for f in FIELDS] for m in t.metrics.all()} == rows
        assert t.next_due_at == next_due_at


def test_each_event_carries_the_deadlines_before_and_after_it(bulk: list[Ticket]) -> None:
    for t in bulk[:150]:
        events = list(t.events.order_by("seq"))
        for i, e in enumerate(events):
            assert e.deadlines_after == clocks.snapshot(clocks.evaluate_ticket(t, e.at, events[: i + 1]))
            before = clocks.snapshot(clocks.evaluate_ticket(t, e.at, events[:i])) if i else {}
            assert e.deadlines_before == before


def test_the_worker_has_nothing_left_to_record(bulk: list[Ticket]) -> None:
    pending = TicketMetric.objects.filter(state__in=SWEPT, due_at__lt=NOW, breach_notified_at__isnull=True)
    assert not pending.exists()
    swept = TicketMetric.objects.filter(breach_notified_at__isnull=False)
    assert swept.exists() and not swept.exclude(state="breached").exists()
