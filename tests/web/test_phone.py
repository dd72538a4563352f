from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse

from sladesk.tickets.models import Ticket
from tests.web.conftest import World
from tests.web.test_queue import client_for

BRT = ZoneInfo("America/Sao_Paulo")
SAT_NIGHT = datetime(2027, 3, 6, 2, 40, tzinfo=BRT)
PHONE = reverse("tickets:phone")


def call(**data: str) -> dict[str, str]:
    return {"received_at": "2027-03-06T02:00", "subject": "Oto fora do ar", "description": "Nenhuma loja vende", **data}


def test_it_opens_a_p1_phone_ticket_for_an_entitled_gestor_found_by_phone(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.alice).post(PHONE, call(phone="(51) 99811-2233"))
    t = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tickets:detail", args=[t.code])
    assert (t.requester, t.channel, t.priority) == (world.gabriela, "phone", "P1")
    assert t.received_at == datetime(2027, 3, 6, 2, 0, tzinfo=BRT)
    assert t.events.get(action="created").actor_staff == world.alice
    due = {m.name: m.due_at for m in t.metrics.all()}
    assert due["response"] == datetime(2027, 3, 6, 4, 0, tzinfo=BRT)  # 2 h, 24x7 from the call


def test_it_finds_the_caller_by_email_and_records_the_affected_user(world: World) -> None:
    data = call(email="GABRIELA@aurora.example", affected_email="vicente@aurora.example")
    data["received_at"] = (datetime.now(BRT) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    assert client_for(world.alice).post(PHONE, data).status_code == 302
    t = Ticket.objects.get()
    assert (t.requester, t.affected_person, t.affected_store) == (world.gabriela, world.vicente, world.aurora_centro)


def test_it_refuses_a_vendedor_and_says_why(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.alice).post(PHONE, call(email="vicente@aurora.example"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Não é possível abrir o chamado" in html
    assert "Vicente Vaz" in html
    assert "peça ao Gestor da sua empresa" in html
    assert not Ticket.objects.exists()


def test_a_vendedor_calling_from_their_number_is_told_who_may_open_tickets(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.alice).post(PHONE, call(phone="+55 51 99700-1000"))
    assert "Apenas os Gestores da sua empresa com assento de suporte podem abrir chamados" in response.content.decode()
    assert not Ticket.objects.exists()


def test_it_refuses_a_gestor_without_a_seat_saying_how_many_seats_the_contract_has(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.alice).post(PHONE, call(email="gerson@aurora.example"))
    assert "cobre 2 usuário(s) de suporte" in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_unknown_number_is_told_nothing_about_any_customer(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.alice).post(PHONE, call(phone="+55 11 4000-0000"))
    assert "Não encontramos este contato" in response.content.decode()


def test_a_partner_agent_cannot_learn_whose_number_it_is(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.paulo).post(PHONE, call(phone="(51) 99811-2233"))
    html = response.content.decode()
    assert "Não encontramos este contato" in html and "Gabriela" not in html
    assert not Ticket.objects.exists()


def test_the_call_time_cannot_be_in_the_future(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.alice).post(PHONE, call(phone="(51) 99811-2233", received_at="2027-03-06T03:00"))
    assert response.status_code == 400
    assert "não pode estar no futuro" in response.content.decode()


def test_it_needs_a_phone_or_an_email(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.alice).post(PHONE, call())
    assert response.status_code == 400
    assert "Informe o telefone ou o e-mail" in response.content.decode()


def test_checking_the_caller_opens_nothing(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.alice).post(PHONE, {**call(phone="(51) 99811-2233"), "check": "1"})
    assert "Quem ligou tem direito a suporte" in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_affected_user_of_another_customer_is_refused(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.alice).post(PHONE, call(phone="(51) 99811-2233", affected_email="carla@cedro.example"))
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_it_defaults_the_call_time_to_now(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.alice).get(PHONE)
    assert 'value="2027-03-06T02:40"' in response.content.decode()
