"""The supervisor's view: who may open it, and its figures equal what `sladesk tickets show N
--json` says of every ticket at the same instant."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sladesk.oncall.actions import do_set_oncall
from sladesk.tickets import actions
from sladesk.tickets.models import Ticket
from tests.web.conftest import World, open_ticket

SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2027, 3, 10, 15, 0, tzinfo=SP)  # a business Wednesday afternoon
PAGE = reverse("oncall:supervisor")
COUNTED = ("met", "breached", "running", "paused")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SP)


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_only_supervisors_open_it(world: World) -> None:
    assert client_for(world.sam).get(PAGE).status_code == 200
    for user in (world.ana, world.pedro, world.walter):
        assert client_for(user).get(PAGE).status_code == 403
    assert Client().get(PAGE).status_code == 302


def desk_of_tickets(world: World) -> list[Ticket]:
    """Tickets in every state the view counts, built through the actions at explicit instants."""
    g, b, ana = world.gabriela, world.beatriz, world.ana
    last_month = open_ticket(
        g, "Do mês passado", priority="P2", received_at=at("2027-02-26 10:00"), now=at("2027-02-26 10:00")
    )
    actions.do_record_breaches(last_month.pk, now=at("2027-03-10 09:30"))  # recorded today, counted in February
    met = open_ticket(
        g, "Cumprido", channel="phone", priority="P1", received_at=at("2027-03-01 09:00"), now=at("2027-03-01 09:00")
    )
    actions.do_start_ticket(met, ana, now=at("2027-03-01 09:30"))
    actions.do_resolve_ticket(met, ana, "Feito", now=at("2027-03-01 10:00"))
    yesterday = open_ticket(
        b,
        "Estourou ontem",
        channel="phone",
        priority="P1",
        received_at=at("2027-03-09 09:00"),
        now=at("2027-03-09 09:00"),
    )
    actions.do_record_breaches(yesterday.pk, now=at("2027-03-09 11:05"))
    today = open_ticket(
        g,
        "Estourou hoje",
        channel="phone",
        priority="P1",
        received_at=at("2027-03-10 08:00"),
        now=at("2027-03-10 08:00"),
    )
    actions.do_record_breaches(today.pk, now=at("2027-03-10 10:05"))
    actions.do_record_breaches(today.pk, now=at("2027-03-10 12:05"))
    unrecorded = open_ticket(
        g, "Estourado, não registrado", priority="P1", received_at=at("2027-03-10 12:00"), now=at("2027-03-10 12:00")
    )
    risky = open_ticket(
        b, "Vence logo", channel="phone", priority="P1", received_at=at("2027-03-10 13:30"), now=at("2027-03-10 13:30")
    )
    paused = open_ticket(g, "Aguardando", priority="P2", received_at=at("2027-03-09 10:00"), now=at("2027-03-09 10:00"))
    actions.do_hold_ticket(paused, ana, "Qual loja?", now=at("2027-03-09 11:00"))
    later = open_ticket(
        g, "Vence depois", priority="P3", received_at=at("2027-03-10 14:00"), now=at("2027-03-10 14:00")
    )
    return [last_month, met, yesterday, today, unrecorded, risky, paused, later]


def shown(number: int) -> dict[str, Any]:
    out = StringIO()
    call_command("tickets", "show", str(number), "--json", stdout=out)
    return json.loads(out.getvalue())


def expected(
    tickets: list[Ticket], hours: int, now: datetime = NOW
) -> tuple[Counter[tuple[str, str, str]], list[tuple[int, str]], Counter[tuple[int, str]]]:
    """What the per-ticket JSON says: this month's metrics by (metric, priority, state), the
    running deadlines within ``hours`` (nearest first), the breaches recorded today."""
    compliance: Counter[tuple[str, str, str]] = Counter()
    risky: list[tuple[datetime, int, str]] = []
    breaches: Counter[tuple[int, str]] = Counter()
    today = now.astimezone(SP).date()
    for t in tickets:
        data = shown(t.number)
        received = datetime.fromisoformat(data["received_at"]).astimezone(SP)
        for name, m in data["metrics"].items():
            if (received.year, received.month) == (today.year, today.month) and m["state"] in COUNTED:
                compliance[(name, m["priority"], m["state"])] += 1
            if m["state"] == "running" and now <= datetime.fromisoformat(m["due"]) <= now + timedelta(hours=hours):
                risky.append((datetime.fromisoformat(m["due"]), t.number, name))
        for e in data["events"]:
            if e["action"] == "sla_breached" and datetime.fromisoformat(e["at"]).astimezone(SP).date() == today:
                breaches.update((t.number, name) for name in e["metrics"])
    return compliance, [(n, name) for _, n, name in sorted(risky)], breaches


def seen(board: Any) -> tuple[Counter[tuple[str, str, str]], list[tuple[int, str]], Counter[tuple[int, str]]]:
    compliance: Counter[tuple[str, str, str]] = Counter()
    for row in board.compliance:
        for state, n in row.counts.items():
            if n:
                compliance[(row.metric, row.priority, state)] = n
    risky = [(r.metric.ticket.number, r.metric.name) for r in board.at_risk]
    breaches = Counter((b.event.ticket.number, name) for b in board.breaches for name in b.metrics)
    return compliance, risky, breaches


@pytest.mark.parametrize("hours", [4, 1, 24])
def test_its_figures_equal_tickets_show_json_for_every_ticket(world: World, time_machine: Any, hours: int) -> None:
    tickets = desk_of_tickets(world)
    time_machine.move_to(NOW, tick=False)
    response = client_for(world.sam).get(PAGE, {"hours": hours})
    assert response.status_code == 200
    board = response.context["board"]
    want = expected(tickets, hours)
    assert seen(board) == want
    assert board.at_risk_count == len(want[1]) and board.breached_metrics_today == sum(want[2].values())
    # The cases are really there: each state counted, something at risk, breaches today.
    states = {state for _, _, state in want[0]}
    assert states == {"met", "breached", "running", "paused"}
    assert want[1] and want[2]
    html = response.content.decode()
    assert f'id="at-risk" data-count="{len(want[1])}"' in html
    assert f'id="breaches-today" data-count="{sum(want[2].values())}"' in html


def test_it_counts_a_running_deadline_already_past_as_breached(world: World, time_machine: Any) -> None:
    t = open_ticket(
        world.gabriela, "Sem registro", priority="P1", received_at=at("2027-03-10 12:00"), now=at("2027-03-10 12:00")
    )
    time_machine.move_to(NOW, tick=False)
    assert {m.state for m in t.metrics.all()} == {"running"}  # the worker has not swept yet
    board = client_for(world.sam).get(PAGE).context["board"]
    counts = {(c.metric, c.priority): c.counts for c in board.compliance}
    assert counts[("reply", "P1")]["breached"] == 1 and counts[("response", "P1")]["breached"] == 1
    assert counts[("resolution", "P1")]["running"] == 1  # due 16:00: at risk, not late
    assert [(r.metric.name) for r in board.at_risk] == ["resolution"]


def test_it_shows_who_is_on_call_and_the_gaps_of_the_week(world: World, time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    do_set_oncall(user=world.ana, starts_at=at("2027-03-10 08:00"), ends_at=at("2027-03-10 18:00"), actor=world.sam)
    response = client_for(world.sam).get(PAGE)
    html = response.content.decode()
    assert "Plantão agora: <strong>Ana Almeida</strong>" in html
    assert response.context["gaps"][0] == (at("2027-03-10 18:00"), at("2027-03-17 15:00"))
    assert "Falhas na escala nos próximos 7 dias" in html


def test_a_bad_hours_parameter_is_the_default(world: World) -> None:
    for value in ("0", "73", "abc", "٣", "-1", "4" * 50):
        assert client_for(world.sam).get(PAGE, {"hours": value}).context["board"].hours == 4


def test_it_asks_a_fixed_number_of_queries(world: World, time_machine: Any, django_assert_max_num_queries: Any) -> None:
    desk_of_tickets(world)
    time_machine.move_to(NOW, tick=False)
    sam = client_for(world.sam)
    # session, user, profile; at risk, breaches, compliance; the shift now, the gaps; the
    # header's context (the policy in force, the notifications count): whatever the desk's size
    with django_assert_max_num_queries(16):
        assert sam.get(PAGE, {"hours": 24}).status_code == 200
