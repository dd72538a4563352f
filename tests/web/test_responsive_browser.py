"""The desk at 1024 px and on a phone (390 px): no horizontal page scroll, the header wraps, the
SLA panel before the history on a narrow ticket page."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page

from tests.web.conftest import World, open_ticket
from tests.web.test_browser import log_in, page  # noqa: F401  (the fixture)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# what sticks out, for the failure's message
WIDEST = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5)
  .map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))"""
NO_PAGE_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize("width", [1024, 390])
def test_no_page_scrolls_sideways(page: Page, world: World, width: int) -> None:  # noqa: F811
    for i in range(3):
        open_ticket(world.gabriela, f"Um assunto bem comprido que não cabe numa linha estreita {i}", priority="P2")
    ticket = open_ticket(world.beatriz, "Erro ao salvar o pedido na loja", priority="P2")
    log_in(page, "ana@sladesk.example")
    page.set_viewport_size({"width": width, "height": 800})
    for path in ("/", f"/t/{ticket.code}/", "/phone/", "/search/?q=erro", "/oncall/", "/notifications/"):
        page.goto(path)
        assert page.evaluate(NO_PAGE_SCROLL), (width, path, page.evaluate(WIDEST))
    page.goto(f"/t/{ticket.code}/")
    sla_top = page.locator("#sla").bounding_box()
    history_top = page.locator("ol.timeline").bounding_box()
    assert sla_top is not None and history_top is not None
    if width < 700:  # one column: the deadlines first
        assert sla_top["y"] < history_top["y"]
