"""Search in a real browser: the header's box, typed into as an agent would, lands on the
results (resolved tickets too, accents ignored) or, for "#1234", on the ticket itself."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from sladesk.tickets import actions
from tests.web.conftest import World, open_ticket
from tests.web.test_browser import log_in, page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["page"]  # the fixture


def search_box(page: Page, text: str) -> None:
    box = page.get_by_role("search").get_by_role("searchbox", name="Buscar chamados")
    box.fill(text)
    box.press("Enter")


def test_an_agent_finds_a_resolved_ticket_from_the_header(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Relatório de vendas não carrega", priority="P3")
    actions.do_resolve_ticket(t, world.ana, "Corrigido o filtro.")
    other = open_ticket(world.beatriz, "Integração parou", priority="P3")
    log_in(page, "ana@sladesk.example")
    expect(page.locator("h1")).to_have_text("Fila de chamados abertos")
    search_box(page, "RELATORIO")

    expect(page).to_have_url(re.compile(r"/search/\?q=RELATORIO"))
    rows = page.locator("table.results tbody tr[data-ticket]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Relatório de vendas não carrega")
    expect(rows.first).to_contain_text("Resolvido")
    expect(page.locator(f"tr[data-ticket='{other.number}']")).to_have_count(0)
    rows.first.get_by_role("link", name="Relatório de vendas não carrega").click()
    expect(page).to_have_url(re.compile(f"/t/{t.code}/$"))


def test_a_number_in_the_header_opens_the_ticket(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Oto fora do ar", priority="P1")
    log_in(page, "ana@sladesk.example")
    search_box(page, f"#{t.number}")
    expect(page).to_have_url(re.compile(f"/t/{t.code}/$"))
    expect(page.locator("h1")).to_contain_text("Oto fora do ar")


def test_a_partner_agent_is_told_another_s_ticket_is_not_found(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Oto fora do ar", priority="P1")
    log_in(page, "pedro@sul.example")
    search_box(page, str(t.number))
    expect(page.locator("#not-found")).to_have_text(f"Chamado #{t.number} não encontrado.")
    expect(page.locator("table.results")).not_to_contain_text("Oto fora do ar")


def test_a_phone_typed_in_the_header_finds_the_caller_s_tickets(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Meta não aparece", priority="P3")  # Gabriela: +55 51 99811-2233
    log_in(page, "sam@sladesk.example")
    search_box(page, "(51) 99811-2233")
    expect(page.locator(f"tr[data-ticket='{t.number}']")).to_contain_text("Meta não aparece")
