"""The queue's 30 s refresh: focus stays where it was, a pause while the agent works in the
filters, and a short summary of what changed for screen readers (not the whole table)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from sladesk.tickets import actions
from tests.web.conftest import World, open_ticket
from tests.web.test_browser import log_in, page  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ready(page: Page) -> None:  # noqa: F811
    page.locator("html[data-queue-js=ready]").wait_for(state="attached")


def test_the_refresh_keeps_focus_and_announces_only_what_changed(page: Page, world: World) -> None:  # noqa: F811
    first = open_ticket(world.gabriela, "Erro ao salvar", priority="P2")
    log_in(page, "ana@sladesk.example")
    ready(page)
    expect(page.locator("#queue")).not_to_have_attribute("aria-live", "polite")  # the table is not re-read
    page.locator(f'tr[data-ticket="{first.number}"] td.num a').focus()
    open_ticket(world.beatriz, "Chegou agora", priority="P2")
    page.evaluate("window.sladeskRefreshQueue()")
    page.locator("#queue[data-refreshed]").wait_for(state="attached")
    expect(page.locator("table.queue")).to_contain_text("Chegou agora")
    expect(page.locator("#queue-news")).to_have_text("1 chamado novo")
    expect(page.locator('nav.views a[data-view="all"] .count')).to_have_text("2")  # the views' counts too
    focused = page.evaluate(
        "document.activeElement.closest('tr') && document.activeElement.closest('tr').dataset.ticket"
    )
    assert focused == str(first.number)


def test_the_refresh_waits_while_the_agent_works_in_the_filters(page: Page, world: World) -> None:  # noqa: F811
    open_ticket(world.gabriela, "Erro ao salvar", priority="P2")
    log_in(page, "ana@sladesk.example")
    ready(page)
    page.locator("form.filters select[name=priority]").focus()
    open_ticket(world.beatriz, "Chegou agora", priority="P2")
    page.evaluate("window.sladeskRefreshQueue()")
    page.locator("#queue[data-refresh-paused]").wait_for(state="attached")
    expect(page.locator("table.queue")).not_to_contain_text("Chegou agora")
    assert page.evaluate("document.activeElement.name") == "priority"


def test_an_agent_opens_a_view_and_sees_its_count(page: Page, world: World) -> None:  # noqa: F811
    mine = open_ticket(world.gabriela, "Meu chamado", priority="P2")
    open_ticket(world.beatriz, "De ninguém", priority="P3")
    actions.do_assign_ticket(mine, world.ana, world.ana)
    log_in(page, "ana@sladesk.example")
    expect(page.locator('nav.views a[data-view="mine"] .count')).to_have_text("1")
    page.locator('nav.views a[data-view="mine"]').click()
    expect(page.locator('nav.views a[data-view="mine"]')).to_have_attribute("aria-current", "page")
    expect(page.locator("#view-count")).to_have_text("1 chamado nesta visão")
    expect(page.locator("table.queue")).to_contain_text("Meu chamado")
    expect(page.locator("table.queue")).not_to_contain_text("De ninguém")
    page.locator('#queue-sorts a[data-sort="priority"]').click()
    expect(page.locator('nav.views a[data-view="mine"]')).to_have_attribute("aria-current", "page")  # kept
