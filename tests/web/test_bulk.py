"""Bulk actions in the queue: the same actions, each ticket its own transaction and event, a
result per ticket (issue 11, section 3)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from sladesk.tickets import actions
from sladesk.tickets.models import Ticket
from tests.web.conftest import World, open_ticket
from tests.web.test_queue import client_for
from tests.web.test_ticket_page import text_of

BULK = reverse("tickets:bulk")


def bulk(client: Client, tickets: list[Ticket], op: str, **data: object):  # type: ignore[no-untyped-def]
    return client.post(BULK, {"tickets": [t.code for t in tickets], "op": op, **data})


def test_the_queue_has_a_checkbox_per_ticket_and_the_bulk_form(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    html = text_of(client_for(world.ana).get(reverse("tickets:queue")))
    assert f'name="tickets" value="{t.code}" form="bulk-form"' in html
    assert 'id="bulk-form"' in html


def test_it_assigns_each_ticket_to_me_with_its_own_event(world: World) -> None:
    a, b = open_ticket(world.gabriela, "Um"), open_ticket(world.beatriz, "Dois")
    response = bulk(client_for(world.ana), [a, b], "assign_me")
    assert response.status_code == 200
    assert [r.done for r, _ in response.context["rows"]] == [True, True]
    for t in (a, b):
        t.refresh_from_db()
        assert t.assignee == world.ana
        assert list(t.events.values_list("action", flat=True)) == ["created", "assign"]
    assert "2 feitos" in text_of(response)


def test_it_assigns_to_someone_else_and_sets_a_priority(world: World) -> None:
    a, b = open_ticket(world.gabriela, "Um", priority="P3"), open_ticket(world.gabriela, "Dois")
    bulk(client_for(world.ana), [a, b], "assign", assignee=world.sam.pk)
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {world.sam.pk}
    response = bulk(client_for(world.ana), [a, b], "priority", priority="P3")
    rows = response.context["rows"]
    assert [r.done for r, _ in rows] == [False, True]  # the first was already P3
    assert "already P3" in rows[0][1]
    assert "1 feito · 1 recusado" in text_of(response)
    assert set(Ticket.objects.values_list("priority", flat=True)) == {"P3"}


def test_close_closes_the_resolved_and_says_why_the_others_were_refused(world: World) -> None:
    a, b = open_ticket(world.gabriela, "Um"), open_ticket(world.gabriela, "Dois")
    actions.do_resolve_ticket(a, world.ana, "Feito")
    response = bulk(client_for(world.ana), [a, b], "close")
    rows = response.context["rows"]
    assert [r.done for r, _ in rows] == [True, False]
    assert "Esta ação não é possível com o chamado na situação “Novo”" in rows[1][1]
    a.refresh_from_db()
    assert a.status == "closed"


def test_a_partner_agent_never_touches_nor_learns_of_another_partners_ticket(world: World) -> None:
    mine, theirs = open_ticket(world.beatriz, "Bento"), open_ticket(world.carla, "Cedro")
    response = bulk(client_for(world.pedro), [mine, theirs], "assign_me")
    rows = response.context["rows"]
    assert [(r.done, r.ticket) for r, _ in rows] == [(True, rows[0][0].ticket), (False, None)]
    assert "Cedro" not in text_of(response) and "chamado não encontrado" in text_of(response)
    theirs.refresh_from_db()
    assert theirs.assignee is None and theirs.events.count() == 1


def test_a_bad_bulk_post_changes_nothing(world: World) -> None:
    t = open_ticket(world.gabriela, "Um")
    client = client_for(world.ana)
    assert bulk(client, [t], "explode").status_code == 302
    assert bulk(client, [t], "priority", priority="P9").status_code == 302
    assert client.post(BULK, {"op": "assign_me"}).status_code == 302
    assert client.get(BULK).status_code == 405
    assert t.events.count() == 1
