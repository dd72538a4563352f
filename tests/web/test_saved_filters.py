"""An agent keeps queue filters under a name: shown beside the views, only to them."""

from __future__ import annotations

from django.test import Client

from sladesk.tickets.models import SavedFilter
from sladesk.tickets.saved_filters import clean_query
from tests.web.conftest import World, open_ticket


def test_an_agent_saves_a_filter_opens_it_and_removes_it(world: World) -> None:
    open_ticket(world.gabriela, "Oto fora do ar", priority="P1")
    client = Client()
    client.force_login(world.ana)
    answer = client.post("/filters/", {"name": "  P1 da Aurora ", "query": "customer=aurora&priority=P1&after=9.1"})
    assert answer.status_code == 302 and answer["Location"] == "/?customer=aurora&priority=P1"  # never a page
    saved = SavedFilter.objects.get()
    assert (saved.owner, saved.name, saved.query) == (world.ana, "P1 da Aurora", "customer=aurora&priority=P1")
    page = client.get("/").content.decode()
    assert 'href="?customer=aurora&amp;priority=P1">P1 da Aurora</a>' in page
    again = client.post("/filters/", {"name": "P1 da Aurora", "query": "view=mine"}, follow=True)
    assert "Você já tem um filtro chamado" in again.content.decode() and SavedFilter.objects.count() == 1
    client.force_login(world.sam)  # another agent sees none of it and cannot remove it
    assert "P1 da Aurora" not in client.get("/").content.decode()
    assert client.post(f"/filters/{saved.pk}/remove/").status_code == 404
    client.force_login(world.ana)
    assert client.post(f"/filters/{saved.pk}/remove/").status_code == 302
    assert not SavedFilter.objects.exists()


def test_a_filter_keeps_only_what_the_queue_understands() -> None:
    assert clean_query("?sort=customer&n=3&view=risk&evil=<x>&status=&assignee=me") == (
        "assignee=me&sort=customer&view=risk"
    )


def test_nothing_to_save_is_said(world: World) -> None:
    client = Client()
    client.force_login(world.ana)
    page = client.post("/filters/", {"name": "Tudo", "query": ""}, follow=True).content.decode()
    assert "Não há filtro a salvar" in page and not SavedFilter.objects.exists()
