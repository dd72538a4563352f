from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sladesk.staff.access import profile_of
from sladesk.tickets import actions
from sladesk.tickets import queue as queue_
from tests.web.conftest import World, open_ticket

BRT = ZoneInfo("America/Sao_Paulo")
WED_10 = datetime(2027, 3, 3, 10, 0, tzinfo=BRT)  # a business Wednesday morning
QUEUE = reverse("tickets:queue")


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def rows(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [r.ticket.number for r in response.context["page"].rows]


def test_it_sends_anonymous_visitors_to_the_login_page(world: World) -> None:
    response = Client().get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_forbids_a_logged_in_user_without_a_staff_profile(world: World) -> None:
    response = client_for(world.walter).get(QUEUE)
    assert response.status_code == 403
    assert "equipe de suporte" in response.content.decode()


def test_it_orders_open_tickets_by_the_nearest_deadline_and_leaves_out_closed_ones(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    p3 = open_ticket(world.gabriela, "Relatório lento", priority="P3", received_at=WED_10 - timedelta(hours=1))
    p1 = open_ticket(world.gabriela, "Tudo fora do ar", channel="phone", priority="P1")
    p2 = open_ticket(world.beatriz, "Botão some", priority="P2", received_at=WED_10 - timedelta(minutes=30))
    waiting = open_ticket(world.gabriela, "Dúvida", priority="P3", received_at=WED_10 - timedelta(hours=2))
    actions.do_hold_ticket(waiting, world.ana, "Qual loja?")
    done = open_ticket(world.gabriela, "Resolvido", priority="P2")
    actions.do_resolve_ticket(done, world.ana, "Feito")
    response = client_for(world.ana).get(QUEUE)
    assert response.status_code == 200
    # reply of P3 due 11:00 and P2 due 11:30 (business); P1 response due 12:00 (24x7); the wait has no running clock
    assert rows(response) == [p3.number, p2.number, p1.number, waiting.number]


def test_it_shows_time_left_in_business_hours_with_the_due_instant(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    open_ticket(world.gabriela, "Erro ao salvar", priority="P2")
    time_machine.move_to(WED_10 + timedelta(minutes=30), tick=False)
    page = client_for(world.ana).get(QUEUE)
    reply = page.context["page"].rows[0].cells[0]
    assert (reply.name, reply.tone, reply.status) == ("reply", "ok", "No prazo")
    assert reply.detail == "faltam 1 h 30 min úteis"
    html = page.content.decode()
    assert "Qua 03/03 12:00" in html
    assert "faltam 1 h 30 min úteis" in html


def test_it_marks_a_metric_at_risk_once_three_quarters_are_used(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    open_ticket(world.gabriela, "Erro ao salvar", priority="P2")
    time_machine.move_to(WED_10 + timedelta(minutes=90), tick=False)
    reply = client_for(world.ana).get(QUEUE).context["page"].rows[0].cells[0]
    assert (reply.tone, reply.status, reply.detail) == ("risk", "Em risco", "faltam 30 min úteis")


def test_it_marks_a_running_metric_past_due_as_breached(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    open_ticket(world.gabriela, "Erro ao salvar", priority="P2")
    time_machine.move_to(WED_10 + timedelta(hours=2, minutes=45), tick=False)
    response = client_for(world.ana).get(QUEUE)
    reply = response.context["page"].rows[0].cells[0]
    assert (reply.tone, reply.status, reply.detail) == ("breached", "Estourado", "há 45 min úteis")
    assert response.context["page"].rows[0].late


def test_it_counts_business_time_left_across_the_night(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    evening = datetime(2027, 3, 3, 17, 0, tzinfo=BRT)
    time_machine.move_to(evening, tick=False)
    open_ticket(world.gabriela, "Erro ao salvar", priority="P2")  # reply due Thu 10:00
    time_machine.move_to(evening + timedelta(hours=3), tick=False)  # 20:00, closed
    reply = client_for(world.ana).get(QUEUE).context["page"].rows[0].cells[0]
    assert reply.detail == "faltam 1 h úteis"
    assert reply.tone == "ok"


def test_it_shows_a_paused_metric_with_the_time_remaining(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "Erro ao salvar", priority="P2")
    time_machine.move_to(WED_10 + timedelta(hours=1), tick=False)
    actions.do_hold_ticket(t, world.ana, "Pode mandar um print?")
    cells = client_for(world.ana).get(QUEUE).context["page"].rows[0].cells
    resolution = cells[2]
    assert (resolution.tone, resolution.status, resolution.detail) == ("paused", "Pausado", "restam 17 h úteis")
    assert resolution.due is None
    assert (cells[0].tone, cells[1].tone) == ("met", "met")


def test_a_phone_ticket_has_no_reply_badge(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    open_ticket(world.gabriela, "Fora do ar", channel="phone", priority="P1")
    cells = client_for(world.ana).get(QUEUE).context["page"].rows[0].cells
    assert cells[0] is None
    assert cells[1].detail == "faltam 2 h"  # 24x7: no "úteis"


def test_a_partner_agent_sees_only_the_customers_of_their_partner(world: World) -> None:
    mine = open_ticket(world.beatriz, "Bento")
    open_ticket(world.gabriela, "Aurora")
    open_ticket(world.carla, "Cedro")
    assert rows(client_for(world.pedro).get(QUEUE)) == [mine.number]
    assert len(rows(client_for(world.sam).get(QUEUE))) == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"customer": "bento"}, ["bento"]),
        ({"partner": "Parceira Norte"}, ["cedro"]),
        ({"partner": "-"}, ["aurora-p1", "aurora-p3"]),
        ({"priority": "P1"}, ["aurora-p1"]),
        ({"status": "in_progress"}, ["cedro"]),
        ({"assignee": "me"}, ["cedro"]),
        ({"assignee": "-", "customer": "aurora"}, ["aurora-p1", "aurora-p3"]),
        ({"priority": "bogus"}, ["aurora-p1", "aurora-p3", "bento", "cedro"]),
    ],
)
def test_it_filters_the_queue(world: World, params: dict[str, str], expected: list[str]) -> None:
    open_ticket(world.gabriela, "aurora-p1", channel="phone", priority="P1")
    open_ticket(world.gabriela, "aurora-p3", priority="P3")
    open_ticket(world.beatriz, "bento", priority="P2")
    actions.do_start_ticket(open_ticket(world.carla, "cedro", priority="P2"), world.ana)
    response = client_for(world.ana).get(QUEUE, params)
    assert sorted(r.ticket.subject for r in response.context["page"].rows) == expected


def test_it_filters_the_breached_only(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    late = open_ticket(world.gabriela, "late", priority="P2", received_at=WED_10 - timedelta(hours=1))
    time_machine.move_to(WED_10 + timedelta(hours=1, minutes=30), tick=False)
    actions.do_reply_ticket(late, world.ana, "Olhando")  # replied late: reply breached, stopped
    actions.do_start_ticket(late, world.ana)
    open_ticket(world.gabriela, "fine", priority="P3")
    running_late = open_ticket(world.beatriz, "running late", priority="P2", received_at=WED_10 - timedelta(hours=1))
    time_machine.move_to(WED_10 + timedelta(hours=2), tick=False)
    response = client_for(world.ana).get(QUEUE, {"breached": "1"})
    assert sorted(rows(response)) == sorted([late.number, running_late.number])


def test_it_serves_the_table_alone_for_the_refresh(world: World) -> None:
    open_ticket(world.gabriela, "Erro ao salvar")
    response = client_for(world.ana).get(QUEUE, {"partial": "1"})
    html = response.content.decode()
    assert "Erro ao salvar" in html
    assert "<html" not in html
    assert 'data-refresh-url="' in client_for(world.ana).get(QUEUE).content.decode()


def test_its_query_count_does_not_grow_with_the_page(world: World) -> None:
    def count(n: int) -> int:
        for i in range(n):
            t = open_ticket(world.gabriela if i % 2 else world.beatriz, f"t{i}", priority="P2")
            if i % 3 == 0:
                actions.do_assign_ticket(t, world.sam, world.ana)
        client = client_for(world.ana)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(QUEUE)
        assert len(response.context["page"].rows) == n
        return len(ctx.captured_queries)

    few = count(5)
    from sladesk.tickets.models import Ticket

    Ticket.objects.all().delete()
    assert count(40) == few


def test_it_pages_by_keyset_through_deadlines_then_tickets_without_one(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    made = [
        open_ticket(world.gabriela, f"t{i}", priority="P3", received_at=WED_10 - timedelta(minutes=5 * i))
        for i in range(5)
    ]
    for t in made[:2]:
        actions.do_hold_ticket(t, world.ana, "?")  # no running deadline any more
    profile = profile_of(world.ana)
    seen, after = [], ""
    for _ in range(4):
        page = queue_.page(profile, world.ana, queue_.Filters(after=after), WED_10, columns=["reply"], size=2)
        seen += [r.ticket.subject for r in page.rows]
        after = page.next_after
        if not after:
            break
    # the oldest running first (t4 received earliest), then the two without deadline by id
    assert seen == ["t4", "t3", "t2", "t0", "t1"]


def test_it_ignores_a_broken_cursor(world: World) -> None:
    open_ticket(world.gabriela, "Erro ao salvar")
    response = client_for(world.ana).get(QUEUE, {"after": "x.y"})
    assert rows(response) != []


def test_it_shows_views_with_their_counts_and_puts_the_long_breached_last(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    old = open_ticket(world.gabriela, "old", priority="P3", received_at=WED_10 - timedelta(days=7))
    soon = open_ticket(world.gabriela, "soon", priority="P2", received_at=WED_10 - timedelta(hours=1))
    later = open_ticket(world.beatriz, "later", priority="P3")  # reply due 12:00: not within 2 h
    urgent = open_ticket(world.beatriz, "urgent", channel="phone", priority="P1")
    actions.do_assign_ticket(soon, world.ana, world.ana)
    client = client_for(world.ana)
    response = client.get(QUEUE)
    # the one breached a week ago comes after every ticket that can still be saved
    assert rows(response)[-1] == old.number
    assert rows(response)[0] == soon.number
    counts = {v["key"]: v["count"] for v in response.context["views"]}
    assert counts == {"": 4, "mine": 1, "unassigned": 3, "risk": 1, "breached": 1, "urgent": 1, "long": 1}
    html = response.content.decode()
    assert "Meus chamados" in html and "Sem responsável" in html
    assert "4 chamados nesta visão" in html
    assert rows(client.get(QUEUE, {"view": "long"})) == [old.number]
    assert rows(client.get(QUEUE, {"view": "urgent"})) == [urgent.number]
    assert rows(client.get(QUEUE, {"view": "mine"})) == [soon.number]
    assert rows(client.get(QUEUE, {"view": "risk"})) == [soon.number]
    one = client.get(QUEUE, {"view": "breached", "partial": "1"}).content.decode()
    assert "1 chamado nesta visão" in one
    assert later.number in rows(client.get(QUEUE, {"view": "nonsense"}))


def test_it_pages_by_keyset_into_the_long_breached(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    for i in range(3):
        open_ticket(world.gabriela, f"old{i}", priority="P3", received_at=WED_10 - timedelta(days=7 - i))
    held = open_ticket(world.gabriela, "held", priority="P3", received_at=WED_10 - timedelta(days=1))
    actions.do_hold_ticket(held, world.ana, "?")
    open_ticket(world.gabriela, "new", priority="P3")
    profile = profile_of(world.ana)
    seen, after = [], ""
    for _ in range(5):
        page = queue_.page(profile, world.ana, queue_.Filters(after=after), WED_10, columns=["reply"], size=2)
        seen += [r.ticket.subject for r in page.rows]
        after = page.next_after
        if not after:
            break
    assert seen == ["new", "held", "old0", "old1", "old2"]


def test_it_sorts_by_a_column_with_pages_by_number(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    a = open_ticket(world.gabriela, "a", priority="P3", received_at=WED_10 - timedelta(hours=3))
    b = open_ticket(world.beatriz, "b", priority="P1", channel="phone", received_at=WED_10 - timedelta(hours=1))
    c = open_ticket(world.carla, "c", priority="P2", received_at=WED_10 - timedelta(hours=2))
    client = client_for(world.ana)
    assert rows(client.get(QUEUE, {"sort": "priority"})) == [b.number, c.number, a.number]
    assert rows(client.get(QUEUE, {"sort": "-received"})) == [b.number, c.number, a.number]
    assert rows(client.get(QUEUE, {"sort": "received"})) == [a.number, c.number, b.number]
    names = [r.ticket.customer.name for r in client.get(QUEUE, {"sort": "customer"}).context["page"].rows]
    assert names == sorted(names)
    html = client.get(QUEUE, {"sort": "priority", "view": "unassigned"}).content.decode()
    assert 'aria-sort="ascending"' in html
    profile = profile_of(world.ana)
    seen, number = [], "1"
    while number:
        f = queue_.Filters(sort="received", number=int(number))
        page = queue_.page(profile, world.ana, f, WED_10, columns=["reply"], size=2)
        seen += [r.ticket.number for r in page.rows]
        number = page.next_after
    assert seen == [a.number, c.number, b.number]
    assert rows(client.get(QUEUE, {"sort": "received", "n": "2"})) == []  # 3 tickets: one page of 50
