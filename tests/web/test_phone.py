from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from sladesk.core.policy import PolicyError, default_policy_text, parse_policy
from sladesk.policies.service import current_policy
from sladesk.tickets.models import Ticket
from tests.web.conftest import World
from tests.web.test_queue import client_for

BRT = ZoneInfo("America/Sao_Paulo")
SAT_NIGHT = datetime(2027, 3, 6, 2, 40, tzinfo=BRT)
PHONE = reverse("tickets:phone")


# The default policy with its P1 renamed: the phone line takes "URG", labelled "Urgente" / "Urgent".
URGENT = (
    default_policy_text()
    .replace("P1", "URG")
    .replace('label = "URG"', 'label = "Urgente"\nlabel_en = "Urgent"')
    .replace('number = "+55 51 3393.8000"', 'number = "+55 51 4000.1234"')
)


@pytest.fixture
def policy_in_force(settings: Any, tmp_path: Path) -> Iterator[Callable[[str], None]]:
    """Puts a policy text in force for one test, as SLADESK_POLICY does for the desk."""

    def put(text: str) -> None:
        path = tmp_path / "policy.toml"
        path.write_text(text, encoding="utf-8")
        settings.SLADESK_POLICY = str(path)
        current_policy.cache_clear()

    yield put
    current_policy.cache_clear()


def in_english(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def call(**data: str) -> dict[str, str]:
    return {"received_at": "2027-03-06T02:00", "subject": "Oto fora do ar", "description": "Nenhuma loja vende", **data}


def test_it_opens_a_p1_phone_ticket_for_an_entitled_gestor_found_by_phone(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.ana).post(PHONE, call(phone="(51) 99811-2233"))
    t = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tickets:detail", args=[t.code])
    assert (t.requester, t.channel, t.priority) == (world.gabriela, "phone", "P1")
    assert t.received_at == datetime(2027, 3, 6, 2, 0, tzinfo=BRT)
    assert t.events.get(action="created").actor_staff == world.ana
    due = {m.name: m.due_at for m in t.metrics.all()}
    assert due["response"] == datetime(2027, 3, 6, 4, 0, tzinfo=BRT)  # 2 h, 24x7 from the call


def test_it_finds_the_caller_by_email_and_records_the_affected_user(world: World) -> None:
    data = call(email="GABRIELA@aurora.example", affected_email="vicente@aurora.example")
    data["received_at"] = (datetime.now(BRT) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    assert client_for(world.ana).post(PHONE, data).status_code == 302
    t = Ticket.objects.get()
    assert (t.requester, t.affected_person, t.affected_store) == (world.gabriela, world.vicente, world.aurora_centro)


def test_it_refuses_a_vendedor_and_says_why(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.ana).post(PHONE, call(email="vicente@aurora.example"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Não é possível abrir o chamado" in html
    assert "Vicente Vaz" in html
    assert "peça ao Gestor da sua empresa" in html
    assert not Ticket.objects.exists()


def test_a_vendedor_calling_from_their_number_is_told_who_may_open_tickets(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.ana).post(PHONE, call(phone="+55 51 99700-1000"))
    assert "Apenas os Gestores da sua empresa com assento de suporte podem abrir chamados" in response.content.decode()
    assert not Ticket.objects.exists()


def test_it_refuses_a_gestor_without_a_seat_saying_how_many_seats_the_contract_has(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.ana).post(PHONE, call(email="gerson@aurora.example"))
    html = response.content.decode()
    assert "cobre 2 usuários de suporte" in html
    assert 'id="seat-holders"' in html and "Gabriela Gomes" in html  # who to ask instead
    assert not Ticket.objects.exists()


def test_an_unknown_number_is_told_nothing_about_any_customer(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.ana).post(PHONE, call(phone="+55 11 4000-0000"))
    assert "Não encontramos este contato" in response.content.decode()


HANDOVER = (
    "Quem ligou é de um cliente que a sua equipe não atende. Não recuse a ligação: transfira-a para a central "
    "de suporte do fornecedor, no telefone +55 51 3393.8000, que atende todos os clientes."
)


@pytest.mark.parametrize(
    "caller",
    [
        {"phone": "(51) 99811-2233"},  # Gabriela: an entitled Gestora of Aurora (self-service)
        {"email": "gabriela@aurora.example"},
        {"email": "gerson@aurora.example"},  # Aurora's Gestor without a seat
        {"phone": "+55 51 99700-1000"},  # Aurora's Vendedor
        {"email": "carla@cedro.example"},  # an entitled Gestora of another partner's customer
    ],
)
def test_a_partner_agent_hands_a_caller_of_another_customer_to_the_vendors_desk(  # type: ignore[no-untyped-def]
    world: World, time_machine, caller: dict[str, str]
) -> None:
    """Never turned away as unknown (she may be entitled), never named, nor her customer, nor
    whether she may open tickets: the same words for all of them, and the vendor's number."""
    time_machine.move_to(SAT_NIGHT, tick=False)
    pedro = client_for(world.pedro)
    for response in (pedro.post(PHONE, call(**caller)), pedro.post(PHONE, {**caller, "check": "1"})):
        html = response.content.decode()
        assert response.status_code == 200
        assert HANDOVER in html
        assert "Não encontramos este contato" not in html and "Não é possível abrir o chamado" not in html
        for secret in ("Gabriela", "Gerson", "Vicente", "Carla", "Aurora", "Cedro", "Apenas os Gestores", "cobre"):
            assert secret not in html, secret
    assert not Ticket.objects.exists()


def test_the_handover_is_said_in_english(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    html = in_english(client_for(world.pedro)).post(PHONE, call(phone="(51) 99811-2233")).content.decode()
    assert "The caller belongs to a customer your team does not serve." in html
    assert "+55 51 3393.8000" in html


def test_a_partner_agent_still_hears_that_an_unknown_number_is_unknown(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    html = client_for(world.pedro).post(PHONE, call(phone="+55 11 4000-0000")).content.decode()
    assert "Não encontramos este contato" in html and HANDOVER not in html


def test_a_partner_agent_takes_the_call_of_a_customer_it_serves(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.pedro).post(PHONE, call(phone="+55 51 3222-1000"))
    assert response.status_code == 302
    assert Ticket.objects.get().requester == world.beatriz


def test_a_subject_typed_with_line_breaks_and_control_characters_is_kept_on_one_line(
    world: World, time_machine
) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    data = call(phone="(51) 99811-2233", subject="Oto fora\r\nBcc: x@evil.example\x07\u2028do ar\t")
    assert client_for(world.ana).post(PHONE, data).status_code == 302
    assert Ticket.objects.get().subject == "Oto fora Bcc: x@evil.example do ar"


def test_the_call_time_cannot_be_in_the_future(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.ana).post(PHONE, call(phone="(51) 99811-2233", received_at="2027-03-06T03:00"))
    assert response.status_code == 400
    assert "não pode estar no futuro" in response.content.decode()


def test_it_needs_a_phone_or_an_email(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.ana).post(PHONE, call())
    assert response.status_code == 400
    assert "Informe o telefone ou o e-mail" in response.content.decode()


def test_checking_the_caller_opens_nothing(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.ana).post(PHONE, {**call(phone="(51) 99811-2233"), "check": "1"})
    assert "Quem ligou tem direito a suporte" in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_affected_user_of_another_customer_is_refused(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.ana).post(PHONE, call(phone="(51) 99811-2233", affected_email="carla@cedro.example"))
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_it_defaults_the_call_time_to_now(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(SAT_NIGHT, tick=False)
    response = client_for(world.ana).get(PHONE)
    assert 'value="2027-03-06T02:40"' in response.content.decode()


def test_it_says_the_phone_lines_priority_from_the_policy(world: World) -> None:
    html = client_for(world.ana).get(PHONE).content.decode()
    assert "Registrar ligação P1" in html
    assert "O telefone +55 51 3393.8000 atende só P1, a qualquer hora." in html
    assert "Abrir chamado P1" in html
    english = in_english(client_for(world.ana)).get(PHONE).content.decode()
    assert "Log a P1 call" in english and "takes P1 only" in english and "Open P1 ticket" in english


def test_a_custom_policy_gives_its_phone_priority_to_the_page_and_the_ticket(  # type: ignore[no-untyped-def]
    world: World, time_machine, policy_in_force: Callable[[str], None]
) -> None:
    policy_in_force(URGENT)
    time_machine.move_to(SAT_NIGHT, tick=False)
    ana = client_for(world.ana)
    html = ana.get(PHONE).content.decode()
    assert "Registrar ligação Urgente" in html
    assert "O telefone +55 51 4000.1234 atende só Urgente, a qualquer hora." in html
    assert "Abrir chamado Urgente" in html
    response = ana.post(PHONE, call(phone="(51) 99811-2233"))
    t = Ticket.objects.get()
    assert response.status_code == 302 and (t.channel, t.priority) == ("phone", "URG")
    assert f"Chamado #{t.number} aberto (Urgente, telefone)." in ana.get(response["Location"]).content.decode()
    due = {m.name: m.due_at for m in t.metrics.all()}
    assert due["response"] == datetime(2027, 3, 6, 4, 0, tzinfo=BRT)  # URG has P1's targets: 2 h, 24x7


def test_a_custom_phone_priority_is_said_in_english_with_its_english_label(  # type: ignore[no-untyped-def]
    world: World, time_machine, policy_in_force: Callable[[str], None]
) -> None:
    policy_in_force(URGENT)
    time_machine.move_to(SAT_NIGHT, tick=False)
    ana = in_english(client_for(world.ana))
    html = ana.get(PHONE).content.decode()
    assert "Log a Urgent call" in html and "takes Urgent only" in html and "Open Urgent ticket" in html
    response = ana.post(PHONE, call(phone="(51) 99811-2233"))
    t = Ticket.objects.get()
    assert f"Ticket #{t.number} opened (Urgent, phone)." in ana.get(response["Location"]).content.decode()


def test_a_phone_line_taking_several_priorities_gives_a_call_the_first(  # type: ignore[no-untyped-def]
    world: World, time_machine, policy_in_force: Callable[[str], None]
) -> None:
    policy_in_force(default_policy_text().replace('priorities = ["P1"]  ', 'priorities = ["P2", "P1"]'))
    time_machine.move_to(SAT_NIGHT, tick=False)
    ana = client_for(world.ana)
    assert "atende só P2, P1, a qualquer hora" in ana.get(PHONE).content.decode()
    assert ana.post(PHONE, call(phone="(51) 99811-2233")).status_code == 302
    assert Ticket.objects.get().priority == "P2"


def test_a_policy_whose_phone_line_takes_no_priority_is_refused() -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policy(default_policy_text().replace('priorities = ["P1"]  ', "priorities = []  "))
    assert refused.value.problems == ["channels.phone.priorities = []: expected at least one priority"]
