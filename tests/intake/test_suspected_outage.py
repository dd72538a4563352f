"""An email that looks like an outage: outside business hours its acknowledgement gives the
P1 phone number, and until someone sets its priority it heads the queue, marked."""

from __future__ import annotations

from django.test import Client

from sladesk.intake.process import process_message
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets.actions import do_set_ticket_priority
from sladesk.tickets.models import Ticket
from tests.intake.conftest import Cast, at, email

OUTAGE = "O Oto está fora do ar para todas as lojas desde as 1h, ninguém consegue entrar. Erro 503."


def test_a_suspected_outage_at_night_is_told_the_phone_and_heads_the_queue(cast: Cast) -> None:
    calm = process_message(
        email(subject="Relatório com valor errado", body="O total da loja Centro veio errado."), at("2026-11-20 10:00")
    )
    night = process_message(email(subject="Sistema fora do ar", body=OUTAGE), at("2026-11-21 02:00"))  # Saturday
    ticket = Ticket.objects.get(number=night.ticket)
    assert (ticket.priority, ticket.suggested_priority, ticket.triage["outage"]) == ("", "P1", True)
    ack = OutboxMessage.objects.get(ticket=ticket, template="acknowledgement")
    assert "+55 51 3393.8000" in ack.body
    calm_ack = OutboxMessage.objects.get(ticket__number=calm.ticket, template="acknowledgement")
    assert "3393.8000" not in calm_ack.body

    client = Client()
    client.force_login(cast.ana)
    page = client.get("/").content.decode()
    first = page.index('data-ticket="')
    assert page[first:].startswith(f'data-ticket="{night.ticket}"')  # first, although its deadline is later
    assert "Suspeita de indisponibilidade" in page
    assert page.count(f'data-ticket="{night.ticket}"') == 1  # not listed twice

    do_set_ticket_priority(ticket, cast.ana, "P1")  # once confirmed it is an ordinary P1
    assert "Suspeita de indisponibilidade" not in client.get("/").content.decode()
