"""Search in the desk: the results page (/search/), the jump to "#1234", the header's box."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from sladesk.tickets import actions
from sladesk.tickets.models import Status, Ticket
from tests.tickets.conftest import Cast, at

pytestmark = pytest.mark.django_db
SEARCH = reverse("tickets:search")


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def report(cast: Cast) -> Ticket:
    return cast.ticket(subject="Relatório de vendas não carrega")


@pytest.fixture
def erp(cast: Cast) -> Ticket:
    """Beta's ticket (partner Parceiros Sul), resolved."""
    t = cast.ticket(subject="Integração com o ERP parou", requester=cast.bea)
    return actions.do_resolve_ticket(t, cast.ana, "Reiniciada.", now=at("2027-03-01 10:00"))


def numbers(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [t.number for t in response.context["tickets"]]


def test_it_lists_what_it_finds_resolved_too(cast: Cast, report: Ticket, erp: Ticket) -> None:
    response = client_for(cast.ana).get(SEARCH, {"q": "INTEGRACAO"})
    assert response.status_code == 200
    assert numbers(response) == [erp.number]
    assert f'data-ticket="{erp.number}"' in response.content.decode()
    assert "Resolvido" in response.content.decode()


def test_its_status_filter_offers_every_state(cast: Cast, report: Ticket, erp: Ticket) -> None:
    response = client_for(cast.ana).get(SEARCH, {"q": "lojas", "status": "resolved"})
    assert numbers(response) == [erp.number]
    page = response.content.decode()
    for status in Status:
        assert f'<option value="{status.value}"' in page
    assert numbers(client_for(cast.ana).get(SEARCH, {"q": "lojas", "status": "open"})) == [report.number]
    assert numbers(client_for(cast.ana).get(SEARCH, {"q": "lojas", "status": "nonsense"})) == [
        erp.number,
        report.number,
    ]


def test_a_number_jumps_to_the_ticket(cast: Cast, report: Ticket) -> None:
    for text in (f"#{report.number}", str(report.number), f" # {report.number} "):
        response = client_for(cast.ana).get(SEARCH, {"q": text})
        assert response.status_code == 302
        assert response["Location"] == reverse("tickets:detail", args=[report.code])


def test_a_ticket_one_may_not_see_is_not_found_in_the_same_words(cast: Cast, report: Ticket) -> None:
    hidden = client_for(cast.pedro).get(SEARCH, {"q": f"#{report.number}"})
    absent = client_for(cast.pedro).get(SEARCH, {"q": "#99999"})
    assert hidden.status_code == absent.status_code == 200
    assert f"Chamado #{report.number} não encontrado." in hidden.content.decode()
    assert "Chamado #99999 não encontrado." in absent.content.decode()
    assert numbers(hidden) == numbers(absent) == []
    assert "Relatório" not in hidden.content.decode()


def test_a_partner_agent_finds_only_its_customers_tickets(cast: Cast, report: Ticket, erp: Ticket) -> None:
    assert numbers(client_for(cast.pedro).get(SEARCH, {"q": "lojas"})) == [erp.number]
    assert numbers(client_for(cast.otto).get(SEARCH, {"q": "lojas"})) == []


def test_the_header_has_the_search_box(cast: Cast) -> None:
    page = client_for(cast.ana).get(reverse("tickets:queue")).content.decode()
    assert 'role="search"' in page and f'action="{SEARCH}"' in page and 'name="q"' in page


def test_the_results_page_reads_a_fixed_number_of_queries(cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for k in range(30):
        cast.ticket(subject=f"Relatório {k}", when=f"2027-03-01 09:{k:02d}")
    client = client_for(cast.ana)
    client.get(SEARCH, {"q": "relatorio"})
    # PostgreSQL's search first writes the documents not written yet (migrations 0011 and 0013):
    # one statement more.
    with django_assert_max_num_queries(9 if connection.vendor == "postgresql" else 8):
        response = client.get(SEARCH, {"q": "relatorio"})
    assert len(numbers(response)) == 30


def test_it_pages_the_results(cast: Cast) -> None:
    made = [cast.ticket(subject=f"Relatório {k}", when=f"2027-03-01 {9 + k // 60:02d}:{k % 60:02d}") for k in range(55)]
    first = client_for(cast.ana).get(SEARCH, {"q": "relatorio"})
    assert len(numbers(first)) == 50 and first.context["next_before"] == first.context["tickets"][-1].pk
    rest = client_for(cast.ana).get(SEARCH, {"q": "relatorio", "before": first.context["next_before"]})
    assert sorted(numbers(first) + numbers(rest)) == sorted(t.number for t in made)
