"""Link and merge on the ticket page: by number, never to a ticket one may not see."""

from __future__ import annotations

from sladesk.tickets import actions
from sladesk.tickets.models import Ticket
from tests.web.conftest import World, open_ticket
from tests.web.test_queue import client_for
from tests.web.test_ticket_page import act, page_of, text_of


def test_an_agent_links_two_tickets_by_number_and_both_pages_show_it(world: World) -> None:
    one, two = open_ticket(world.gabriela, "Caixa 1 parado"), open_ticket(world.gabriela, "Caixa 2 parado")
    assert act(client_for(world.ana), one, "link", number=f"#{two.number}").status_code == 302
    for t, other in ((one, two), (two, one)):
        html = text_of(client_for(world.ana).get(page_of(t)))
        assert f'href="/t/{other.code}/" title="{other.subject}">#{other.number}</a>' in html
        assert "Chamados relacionados" in html  # the event in the history


def test_a_bad_or_unseen_number_is_refused_alike(world: World) -> None:
    mine, theirs = open_ticket(world.beatriz, "Bento"), open_ticket(world.carla, "Cedro")
    pedro = client_for(world.pedro)
    unseen = act(pedro, mine, "link", number=str(theirs.number))
    missing = act(pedro, mine, "link", number="99999")
    assert unseen.status_code == missing.status_code == 409
    assert f"there is no ticket #{theirs.number}" in text_of(unseen)
    assert act(pedro, mine, "link", number="abc").status_code == 400
    assert mine.events.count() == 1


def test_an_agent_merges_a_duplicate_and_lands_on_the_ticket_that_continues(world: World) -> None:
    target = open_ticket(world.gabriela, "Relatório não abre", description="Erro 500")
    duplicate = open_ticket(world.gabriela, "Relatório não abre (de novo)", description="Erro 500 de novo")
    response = act(client_for(world.ana), duplicate, "merge", number=str(target.number))
    assert response.status_code == 302 and response["Location"] == page_of(target)
    html = text_of(client_for(world.ana).get(page_of(target)))
    assert "Erro 500 de novo" in html and "Duplicado mesclado neste chamado" in html
    assert "(mesclado aqui)" in html
    html = text_of(client_for(world.ana).get(page_of(duplicate)))
    assert f"Mesclado no chamado #{target.number}" in html
    assert "excluídos: duplicado" in html
    assert Ticket.objects.get(pk=duplicate.pk).status == "closed"


def test_a_closed_ticket_offers_no_merge(world: World) -> None:
    t = open_ticket(world.gabriela, "Como exporto?", priority="P3")
    actions.do_exclude_ticket(t, world.ana, "usage_question")
    forms = client_for(world.ana).get(page_of(t)).context["forms"]
    assert "merge" not in forms and "link" in forms
