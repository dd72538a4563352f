"""Saved replies: kept by supervisors, filled in for a ticket (requester, number, deadlines),
with the policy's out-of-scope answers among them (issue 11, section 2)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from sladesk.tickets import actions
from sladesk.tickets.actions import ActionError
from sladesk.tickets.models import SavedReply
from tests.web.conftest import World, open_ticket
from tests.web.test_queue import client_for
from tests.web.test_ticket_page import act, page_of, text_of

BRT = ZoneInfo("America/Sao_Paulo")
WED_10 = datetime(2027, 3, 3, 10, 0, tzinfo=BRT)
MACROS = reverse("tickets:macros")
BODY = "Olá, {solicitante}. Sobre o chamado {chamado}: resolvemos até {prazo_resolution}. {desconhecido}"


def test_a_supervisor_adds_edits_and_archives_a_saved_reply(world: World) -> None:
    sam = client_for(world.sam)
    response = sam.post(MACROS, {"title": "Pedir print", "body": BODY, "then": "wait"})
    assert response.status_code == 302
    reply = SavedReply.objects.get()
    assert (reply.then, reply.updated_by, reply.is_active) == ("wait", world.sam, True)
    listed = text_of(sam.get(MACROS))
    assert "{solicitante}" in listed and "{prazo_resolution}" in listed  # the placeholders are listed
    edit = reverse("tickets:macro_edit", args=[reply.pk])
    sam.post(edit, {"title": "Pedir captura", "body": BODY, "then": "reply"})
    reply.refresh_from_db()
    assert (reply.title, reply.then) == ("Pedir captura", "reply")
    sam.post(edit, {"archive": "1"})
    reply.refresh_from_db()
    assert not reply.is_active


def test_agents_may_not_manage_saved_replies(world: World) -> None:
    assert client_for(world.ana).get(MACROS).status_code == 403
    assert client_for(world.ana).post(MACROS, {"title": "x", "body": "y", "then": "reply"}).status_code == 403
    assert not SavedReply.objects.exists()
    with pytest.raises(ActionError) as err:
        actions.do_save_saved_reply(world.ana, None, title="x", body="y", then="reply")
    assert err.value.code == "forbidden"


def test_a_saved_reply_needs_a_text_and_a_known_action(world: World) -> None:
    with pytest.raises(ActionError):
        actions.do_save_saved_reply(world.sam, None, title="x", body="  ", then="reply")
    with pytest.raises(ActionError):
        actions.do_save_saved_reply(world.sam, None, title="x", body="y", then="explode")
    assert client_for(world.sam).post(MACROS, {"title": "", "body": "y", "then": "reply"}).status_code == 400


def test_a_saved_reply_is_filled_in_for_the_ticket(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    reply = actions.do_save_saved_reply(world.sam, None, title="Prazo", body=BODY, then="wait")
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    url = reverse("tickets:macro", args=[t.code])
    data = client_for(world.ana).get(url, {"key": reply.pk}, headers={"X-Requested-With": "fetch"}).json()
    assert data == {
        "text": f"Olá, Gabriela Gomes. Sobre o chamado #{t.number}: resolvemos até Sex 05/03/2027 10:00. "
        "{desconhecido}",
        "then": "wait",
        "category": "",
    }
    page = client_for(world.ana).get(url, {"key": reply.pk})  # without the script: the page, filled
    assert page.status_code == 200 and "Preenchido com “Prazo”" in text_of(page)
    assert f"Sobre o chamado #{t.number}" in text_of(page)


def test_the_policys_out_of_scope_answers_are_among_them(world: World) -> None:
    t = open_ticket(world.gabriela, "Como exporto?", priority="P3")
    html = text_of(client_for(world.ana).get(page_of(t)))
    assert 'value="policy:usage_question" data-then="out_of_scope"' in html
    url = reverse("tickets:macro", args=[t.code])
    data = (
        client_for(world.ana).get(url, {"key": "policy:usage_question"}, headers={"X-Requested-With": "fetch"}).json()
    )
    assert data["then"] == "out_of_scope" and data["category"] == "usage_question" and data["text"]
    assert (
        act(client_for(world.ana), t, "out_of_scope", category="usage_question", text=data["text"]).status_code == 302
    )
    t.refresh_from_db()
    assert t.outcome == "out_of_scope"


def test_an_unknown_or_archived_macro_is_not_found(world: World) -> None:
    reply = actions.do_save_saved_reply(world.sam, None, title="Velha", body="x", then="reply")
    actions.do_archive_saved_reply(world.sam, reply)
    t = open_ticket(world.gabriela, "Erro")
    url = reverse("tickets:macro", args=[t.code])
    fetch = {"X-Requested-With": "fetch"}
    for key in (str(reply.pk), "policy:bug", "policy:nada", "abc", "9" * 12):
        assert client_for(world.ana).get(url, {"key": key}, headers=fetch).status_code == 404
    assert "Velha" not in text_of(client_for(world.ana).get(page_of(t)))


def test_a_partner_agent_gets_404_for_another_partners_ticket_macro(world: World) -> None:
    t = open_ticket(world.carla, "Cedro")
    assert (
        client_for(world.pedro)
        .get(reverse("tickets:macro", args=[t.code]), {"key": "policy:usage_question"})
        .status_code
        == 404
    )
