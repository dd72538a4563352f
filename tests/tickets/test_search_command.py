"""``sladesk tickets list --search TEXT``: the list's rows, only the tickets the search finds,
only what ``--as`` may see."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from sladesk.tickets import actions
from sladesk.tickets.models import Ticket
from tests.tickets.conftest import Cast, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(cast: Cast) -> Ticket:
    return cast.ticket(subject="Relatório de vendas não carrega")


@pytest.fixture
def erp(cast: Cast) -> Ticket:
    """Beta's ticket (partner Parceiros Sul), resolved."""
    t = cast.ticket(subject="Integração com o ERP parou", requester=cast.bea)
    return actions.do_resolve_ticket(t, cast.ana, "Reiniciada.", now=at("2027-03-01 10:00"))


def tickets_list(*args: str) -> list[dict[str, object]]:
    out = StringIO()
    call_command("tickets", "list", "--json", *args, stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_the_command_lists_what_the_search_finds(cast: Cast, report: Ticket, erp: Ticket) -> None:
    assert [r["number"] for r in tickets_list("--search", "relatorio")] == [report.number]
    assert [r["number"] for r in tickets_list("--search", "ERP", "--status", "resolved")] == [erp.number]
    assert [r["number"] for r in tickets_list("--search", f"#{erp.number}")] == [erp.number]
    assert tickets_list("--search", "inexistente") == []
    assert tickets_list("--search", "lojas", "--as", "pedro@sul.example") == [tickets_list("--search", "erp")[0]]
    assert tickets_list("--search", "relatorio", "--as", "otto@norte.example") == []


def test_the_command_s_rows_are_the_list_s(cast: Cast, report: Ticket, erp: Ticket) -> None:
    everything = {r["number"]: r for r in tickets_list()}
    assert tickets_list("--search", "relatório") == [everything[report.number]]
