"""A partner's agent learns nothing about customers its partner does not serve: not their
tickets (wherever tickets are listed), not their people, not the vendor's other staff."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from sladesk.directory.models import Person
from sladesk.policies.service import current_policy
from sladesk.staff.access import profile_of
from sladesk.staff.models import StaffProfile
from sladesk.tickets import actions, queries
from sladesk.tickets import queue as queue_
from sladesk.tickets.actions import ActionError
from tests.web.conftest import World, open_ticket, staff
from tests.web.test_queue import client_for

QUEUE = reverse("tickets:queue")


def moved(person: Person, customer_id: int) -> Person:
    """What an import does when a person's email reappears under another customer."""
    person.customer_id = customer_id
    person.store = None
    person.save(update_fields=["customer", "store"])
    return person


def test_a_persons_tickets_are_only_those_the_viewer_may_see(world: World) -> None:
    old = open_ticket(world.beatriz, "Botão some")  # Bento's, served by Sul
    beatriz = moved(world.beatriz, world.cedro.pk)  # now Cedro's, served by Norte
    new = open_ticket(beatriz, "Relatório vazio")
    otto, pedro, sam = (profile_of(u) for u in (world.otto, world.pedro, world.sam))
    assert list(queries.visible_tickets_of_person(otto, beatriz)) == [new]
    assert list(queries.visible_tickets_of_person(pedro, beatriz)) == [old]
    assert set(queries.visible_tickets_of_person(sam, beatriz)) == {old, new}


def test_a_persons_tickets_include_those_they_are_affected_by(world: World) -> None:
    ticket = open_ticket(world.gabriela, "Vicente não entra", affected_person=world.vicente)
    assert list(queries.visible_tickets_of_person(profile_of(world.ana), world.vicente)) == [ticket]
    assert not queries.visible_tickets_of_person(profile_of(world.pedro), world.vicente).exists()


def test_a_stores_tickets_are_only_those_the_viewer_may_see(world: World) -> None:
    ticket = open_ticket(world.gabriela, "Caixa travado", affected_person=world.vicente)
    assert ticket.affected_store == world.aurora_centro
    assert list(queries.visible_tickets_of_store(profile_of(world.sam), world.aurora_centro)) == [ticket]
    assert not queries.visible_tickets_of_store(profile_of(world.pedro), world.aurora_centro).exists()


def test_a_follow_up_does_not_show_the_ticket_it_continues_to_who_may_not_see_it(world: World) -> None:
    old = open_ticket(world.beatriz, "Botão some")
    actions.do_close_ticket(actions.do_resolve_ticket(old, world.ana, "Corrigido"), world.ana)
    moved(world.beatriz, world.cedro.pk)
    old.requester.refresh_from_db()
    follow_up = actions.do_add_customer_reply(old, None, "Voltou a acontecer")
    assert follow_up.customer == world.cedro and follow_up.related_to == old
    now = timezone.now()
    assert queries.ticket_json(follow_up, now, profile_of(world.otto))["related_to"] is None
    assert queries.ticket_json(follow_up, now, profile_of(world.sam))["related_to"] == old.number
    assert queries.ticket_json(follow_up, now)["related_to"] == old.number  # the operator's shell


def test_the_queues_assignee_filter_offers_a_partner_agent_only_its_partners_agents(world: World) -> None:
    pietra = staff("pietra@sul.example", "Pietra", "Pires", StaffProfile.Role.PARTNER_AGENT, world.sul)
    offered = [name for _, name in queue_.choices(profile_of(world.pedro), current_policy()).assignees]
    assert offered == ["Pedro Prado", "Pietra Pires"]
    html = client_for(world.pedro).get(QUEUE).content.decode()
    assert "Pietra Pires" in html
    for other in ("Otto Nunes", "Ana Almeida", "Sam Souza"):
        assert other not in html
    everyone = [name for _, name in queue_.choices(profile_of(world.ana), current_policy()).assignees]
    assert {"Ana Almeida", "Sam Souza", "Pedro Prado", "Pietra Pires", "Otto Nunes"} <= set(everyone)
    assert pietra.pk in {pk for pk, _ in queue_.choices(profile_of(world.pedro), current_policy()).assignees}


@pytest.mark.parametrize("requester", ["gabriela", "gerson", "vicente", "carla"])
def test_a_partner_agent_opening_a_ticket_for_another_customer_learns_nothing_of_it(
    world: World, requester: str
) -> None:
    """Entitled or not (a Gestora with a seat, one without, a Vendedor), of a self-service
    customer or another partner's: the same refusal, naming no customer, seat or contract."""
    person: Person = getattr(world, requester)
    with pytest.raises(ActionError) as refused:
        actions.do_create_ticket(actor=world.pedro, channel="phone", requester=person, subject="Fora do ar")
    assert refused.value.code == actions.FORBIDDEN
    assert str(refused.value) == f"pedro@sul.example may not open tickets for {person.email}"


def test_a_refused_action_on_another_customers_ticket_does_not_name_the_customer(world: World) -> None:
    ticket = open_ticket(world.gabriela, "Erro 500")
    with pytest.raises(ActionError) as refused:
        actions.do_add_note(ticket, world.pedro, "Olhando")
    assert refused.value.code == actions.FORBIDDEN
    assert "Aurora" not in str(refused.value) and "aurora" not in str(refused.value)
