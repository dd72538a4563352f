"""The ticket page's everyday actions: note mode, reply and start, the priority preview, assign
to me, a P1 call taken by its agent, a stale action refused (issue 11, sections 2 and 3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sladesk.outbound.models import OutboxMessage
from sladesk.tickets import actions
from sladesk.tickets.models import Draft, Message, Ticket
from tests.web.conftest import World, open_ticket
from tests.web.test_queue import client_for
from tests.web.test_ticket_page import act, page_of, text_of

BRT = ZoneInfo("America/Sao_Paulo")
WED_10 = datetime(2027, 3, 3, 10, 0, tzinfo=BRT)


def test_a_new_ticket_offers_reply_and_start_as_its_primary_button(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    html = text_of(client_for(world.ana).get(page_of(t)))
    assert f'class="btn primary" data-then="reply" formaction="/t/{t.code}/reply_start/"' in html
    actions.do_start_ticket(t, world.ana)
    html = text_of(client_for(world.ana).get(page_of(t)))
    assert "reply_start" not in html  # started: answering is a plain reply


def test_reply_and_start_records_both_events(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    response = act(client_for(world.ana), t, "reply_start", text="Já estamos vendo.", seen=1)
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.status == "in_progress" and t.assignee == world.ana
    assert list(t.events.values_list("action", flat=True)) == ["created", "start", "reply"]
    assert {m.name: m.state for m in t.metrics.all()}["response"] == "met"


def test_reply_and_start_on_a_started_ticket_is_a_409_with_the_text_kept(world: World) -> None:
    t = actions.do_start_ticket(open_ticket(world.gabriela, "Erro", priority="P2"), world.ana)
    response = act(client_for(world.ana), t, "reply_start", text="Texto digitado")
    assert response.status_code == 409
    assert "Texto digitado" in text_of(response)
    assert not Message.objects.filter(kind="public").exists()


def test_the_composer_has_a_public_and_a_note_mode(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    html = text_of(client_for(world.ana).get(page_of(t)))
    assert 'id="mode-public" checked' in html and 'id="mode-note"' in html
    assert "só a equipe vê; o cliente nunca recebe" in html
    assert "O cliente recebe este texto por e-mail: Gabriela Gomes" in html


def test_a_public_action_posted_in_note_mode_sends_nothing(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    response = act(client_for(world.ana), t, "reply", text="segredo interno", mode="note")
    assert response.status_code == 409
    assert "modo nota interna" in text_of(response)
    assert not Message.objects.filter(body="segredo interno").exists()
    assert not OutboxMessage.objects.filter(template="reply").exists()
    assert 'id="mode-note" checked' in text_of(response)  # the page stays in note mode, the text kept
    assert act(client_for(world.ana), t, "note", text="segredo interno", mode="note").status_code == 302
    assert Message.objects.get(body="segredo interno").kind == "note"


def test_a_closed_ticket_offers_only_the_note_mode(world: World) -> None:
    t = open_ticket(world.gabriela, "Como exporto?", priority="P3")
    actions.do_exclude_ticket(t, world.ana, "usage_question")
    html = text_of(client_for(world.ana).get(page_of(t)))
    assert 'id="mode-public"' not in html and 'id="mode-note" checked' in html


def test_the_priority_choices_show_label_and_description(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    html = text_of(client_for(world.ana).get(page_of(t)))
    assert "Indisponibilidades relacionadas a funcionalidades críticas" in html
    assert 'name="priority" value="P2" checked' in html


def test_the_priority_preview_shows_the_new_deadlines_and_writes_nothing(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "Erro", priority="P3")
    url = reverse("tickets:priority_preview", args=[t.code])
    response = client_for(world.ana).get(url, {"priority": "P1", "partial": "1"})
    assert response.status_code == 200
    html = text_of(response)
    assert "Se a prioridade passar a P1" in html and "Confirmar P1" in html
    assert "Qua 03/03/2027 12:00" in html  # P1's reply: 2 h, 24x7
    assert t.events.count() == 1 and Ticket.objects.get().priority == "P3"
    full = client_for(world.ana).get(url, {"priority": "P1"})
    assert full.status_code == 200 and "<html" in text_of(full)  # without the script: a page
    assert act(client_for(world.ana), t, "set_priority", priority="P1", seen=1).status_code == 302
    due = {m.name: m.due_at for m in Ticket.objects.get().metrics.all()}
    assert due["reply"] == datetime(2027, 3, 3, 12, 0, tzinfo=BRT)


def test_a_preview_of_an_unknown_priority_is_a_400_and_of_a_closed_ticket_a_409(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro", priority="P3")
    url = reverse("tickets:priority_preview", args=[t.code])
    assert client_for(world.ana).get(url, {"priority": "P9"}).status_code == 400
    actions.do_exclude_ticket(t, world.ana, "usage_question")
    assert client_for(world.ana).get(url, {"priority": "P1"}).status_code == 409


def test_a_partner_agent_gets_404_for_the_preview_of_another_partners_ticket(world: World) -> None:
    t = open_ticket(world.carla, "Cedro")
    url = reverse("tickets:priority_preview", args=[t.code])
    assert client_for(world.pedro).get(url, {"priority": "P1"}).status_code == 404


def test_assign_to_me_in_one_click(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    assert "Atribuir a mim" in text_of(client_for(world.ana).get(page_of(t)))
    assert act(client_for(world.ana), t, "assign_me").status_code == 302
    t.refresh_from_db()
    assert t.assignee == world.ana
    assert "Atribuir a mim" not in text_of(client_for(world.ana).get(page_of(t)))


def test_a_partner_agent_cannot_assign_another_partners_ticket_to_themselves(world: World) -> None:
    t = open_ticket(world.carla, "Cedro")
    assert act(client_for(world.pedro), t, "assign_me").status_code == 404


def test_a_p1_call_is_assigned_to_the_agent_who_took_it(world: World) -> None:
    called = timezone.localtime().replace(second=0, microsecond=0)
    data = {"phone": "(51) 99811-2233", "subject": "Fora do ar", "received_at": called.strftime("%Y-%m-%dT%H:%M")}
    response = client_for(world.ana).post(reverse("tickets:phone"), data)
    assert response.status_code == 302
    t = Ticket.objects.get()
    assert (t.priority, t.assignee) == ("P1", world.ana)


def test_an_action_from_a_stale_page_is_refused_with_who_and_the_text_kept(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    actions.do_reply_ticket(t, world.sam, "Resposta do Sam")
    response = act(client_for(world.ana), t, "reply", text="Minha resposta", seen=1)
    assert response.status_code == 409
    html = text_of(response)
    assert "Sam Souza alterou este chamado depois que a sua página foi aberta" in html
    assert "Minha resposta</textarea>" in html
    assert 'name="seen" value="2"' in html  # the page now is the current one: sending again works
    assert act(client_for(world.ana), t, "reply", text="Minha resposta", seen=2).status_code == 302


def poll(client: Client, t: Ticket, **data: object) -> dict:  # type: ignore[type-arg]
    response = client.post(reverse("tickets:poll", args=[t.code]), data)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_the_poll_says_who_else_is_viewing_or_typing(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "Erro")
    ana, sam = client_for(world.ana), client_for(world.sam)
    assert poll(ana, t, seen=1)["others"] == []
    poll(sam, t, seen=1, typing="1")
    assert poll(ana, t, seen=1)["others"] == [
        {"name": "Sam Souza", "typing": True, "text": "Sam Souza está escrevendo…"}
    ]
    time_machine.move_to(WED_10 + timedelta(seconds=25), tick=False)
    poll(sam, t, seen=1, typing="0")
    assert poll(ana, t, seen=1)["others"][0]["text"] == "Sam Souza está vendo"  # stopped typing
    time_machine.move_to(WED_10 + timedelta(seconds=60), tick=False)
    assert poll(ana, t, seen=1)["others"] == []  # Sam's page has not polled for 35 s: gone
    poll(sam, t, seen=1)
    poll(sam, t, gone="1")
    assert poll(ana, t, seen=1)["others"] == []  # closed the page


def test_the_poll_says_who_changed_the_ticket_since_the_page_was_rendered(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    ana = client_for(world.ana)
    assert poll(ana, t, seen=1)["changed"] is None
    actions.do_add_note(t, world.sam, "olhando")  # a note changes nothing an agent was about to do
    assert poll(ana, t, seen=1)["changed"] is None
    actions.do_assign_ticket(t, world.sam, world.sam)
    assert poll(ana, t, seen=1)["changed"] == {"seq": 3, "by": "Sam Souza", "text": "Sam Souza alterou este chamado."}
    assert poll(client_for(world.sam), t, seen=1)["changed"] is None  # one's own change


def test_the_poll_and_the_draft_are_404_for_another_partners_ticket_and_post_only(world: World) -> None:
    t = open_ticket(world.carla, "Cedro")
    pedro = client_for(world.pedro)
    assert pedro.post(reverse("tickets:poll", args=[t.code]), {"seen": 1}).status_code == 404
    assert pedro.post(reverse("tickets:draft", args=[t.code]), {"text": "x"}).status_code == 404
    assert client_for(world.ana).get(reverse("tickets:poll", args=[t.code])).status_code == 405


def test_a_draft_is_kept_per_ticket_and_agent_and_gone_once_sent(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    ana, sam = client_for(world.ana), client_for(world.sam)
    assert ana.post(reverse("tickets:draft", args=[t.code]), {"text": "Olá, Gabriela", "mode": "public"}).json() == {
        "saved": True
    }
    ana.post(reverse("tickets:draft", args=[t.code]), {"text": "Olá, Gabriela,\nveja", "mode": "note"})
    assert Draft.objects.get().text == "Olá, Gabriela,\nveja"
    html = text_of(ana.get(page_of(t)))
    assert "Olá, Gabriela,\nveja</textarea>" in html and 'id="mode-note" checked' in html
    assert "Rascunho guardado" in html
    assert "veja</textarea>" not in text_of(sam.get(page_of(t)))  # Sam's composer is his own
    assert act(ana, t, "note", text="Olá, Gabriela,\nveja", mode="note").status_code == 302
    assert not Draft.objects.exists()


def test_an_emptied_composer_leaves_no_draft(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    ana = client_for(world.ana)
    ana.post(reverse("tickets:draft", args=[t.code]), {"text": "rascunho"})
    assert ana.post(reverse("tickets:draft", args=[t.code]), {"text": "  "}).json() == {"saved": False}
    assert not Draft.objects.exists()


def test_a_refused_action_keeps_the_draft(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    ana = client_for(world.ana)
    ana.post(reverse("tickets:draft", args=[t.code]), {"text": "Minha resposta"})
    actions.do_reply_ticket(t, world.sam, "Resposta do Sam")
    assert act(ana, t, "reply", text="Minha resposta", seen=1).status_code == 409
    assert Draft.objects.get().text == "Minha resposta"
