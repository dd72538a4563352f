from __future__ import annotations

from django.urls import reverse

from tests.web.conftest import World
from tests.web.test_queue import client_for


def test_it_lists_every_customer_for_vendor_staff_and_only_theirs_for_a_partner_agent(world: World) -> None:
    url = reverse("directory:customers")
    every = client_for(world.ana).get(url).context["page"]
    assert [c.code for c in every] == ["bento", "aurora", "cedro"]  # by name
    assert [c.code for c in client_for(world.pedro).get(url).context["page"]] == ["bento"]


def test_the_customer_page_shows_the_contract_seats_stores_and_people(world: World) -> None:
    response = client_for(world.ana).get(reverse("directory:customer", args=["aurora"]))
    html = response.content.decode()
    assert [p.name for p in response.context["seat_holders"]] == ["Gabriela Gomes"]
    assert "1 de 2 ocupados" in html
    assert "Aurora Centro" in html
    roles = {label: [p.name for p in group] for label, group in response.context["by_role"]}
    assert roles["Vendedor"] == ["Vicente Vaz"]
    assert roles["Gestor"] == ["Gabriela Gomes", "Gerson Garcia"]


def test_a_partner_agent_gets_404_for_other_customers_stores_and_people(world: World) -> None:
    pedro = client_for(world.pedro)
    assert pedro.get(reverse("directory:customer", args=["aurora"])).status_code == 404
    assert pedro.get(reverse("directory:store", args=[world.aurora_centro.pk])).status_code == 404
    assert pedro.get(reverse("directory:person", args=[world.gabriela.pk])).status_code == 404
    assert pedro.get(reverse("directory:person", args=[world.beatriz.pk])).status_code == 200
    assert [p.name for p in pedro.get(reverse("directory:people")).context["page"]] == ["Beatriz Brito"]
    assert list(pedro.get(reverse("directory:stores")).context["page"]) == []


def test_the_person_page_says_whether_they_may_open_tickets(world: World) -> None:
    ana = client_for(world.ana)
    assert "Sim: Gestor com assento" in ana.get(reverse("directory:person", args=[world.gabriela.pk])).content.decode()
    html = ana.get(reverse("directory:person", args=[world.vicente.pk])).content.decode()
    assert "peça ao Gestor da sua empresa" in html


def test_it_searches_people_and_filters_by_role(world: World) -> None:
    ana = client_for(world.ana)
    assert [p.name for p in ana.get(reverse("directory:people"), {"q": "9970"}).context["page"]] == ["Vicente Vaz"]
    found = ana.get(reverse("directory:people"), {"role": "gestor", "q": "aurora"}).context["page"]
    assert [p.name for p in found] == ["Gabriela Gomes", "Gerson Garcia"]


def test_the_directory_is_closed_to_users_without_a_staff_profile(world: World) -> None:
    for name in ("directory:customers", "directory:stores", "directory:people"):
        assert client_for(world.walter).get(reverse(name)).status_code == 403


def test_a_person_moved_to_another_customer_shows_each_partner_only_its_own_tickets(world: World) -> None:
    """The report: after an import moved a person, another partner's agent saw their old tickets."""
    from sladesk.tickets.actions import do_create_ticket

    old = do_create_ticket(actor=None, channel="email", requester=world.beatriz, subject="Pedido antigo da Bento")
    world.beatriz.customer = world.cedro  # moved to Cedro (partner Norte)
    world.beatriz.save()
    url = reverse("directory:person", args=[world.beatriz.pk])
    otto = client_for(world.otto).get(url)
    assert otto.status_code == 200 and list(otto.context["tickets"]) == []
    assert old.subject not in otto.content.decode()
    assert [t.number for t in client_for(world.ana).get(url).context["tickets"]] == [old.number]  # vendor staff: all
