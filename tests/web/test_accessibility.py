"""axe-core (bundled by axe-playwright-python) on every page of the desk, in chromium, as a
supervisor sees it (the most controls): no violation, contrast of links in text included."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page

from sladesk.oncall.actions import do_set_oncall
from sladesk.tickets import actions
from sladesk.tickets.sweeps import sweep_deadlines
from tests.web.conftest import PASSWORD, World, close_quietly, open_ticket

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, locale="pt-BR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    close_quietly(context)


def violations(page: Page) -> list[str]:
    results = Axe().run(page)
    out = []
    for v in results.response["violations"]:
        targets = [", ".join(node["target"]) for node in v["nodes"][:3]]
        out.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return out


def test_every_page_passes_axe(page: Page, world: World) -> None:
    now = timezone.now()
    t = open_ticket(world.gabriela, "Oto fora do ar", channel="phone", priority="P1",
                    received_at=now - timedelta(hours=5), description="Ninguém consegue vender.")  # fmt: skip
    open_ticket(world.beatriz, "Relatório lento", priority="P3")
    actions.do_add_note(t, world.ana, "Verificando os servidores.")
    sweep_deadlines()
    do_set_oncall(user=world.ana, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=2), actor=world.sam)
    page.goto("/login/")
    found = {"/login/": violations(page)}
    page.fill("#id_username", "sam@sladesk.example")
    page.fill("#id_password", PASSWORD)
    page.locator(".login form button[type=submit]").click()
    page.wait_for_url("**/")
    paths = [
        "/", "/?view=breached", f"/t/{t.code}/", f"/t/{t.code}/priority/?priority=P2", "/phone/", "/search/?q=oto",
        "/directory/", f"/directory/c/{world.aurora.code}/", f"/directory/people/{world.gabriela.pk}/",
        "/directory/people/", "/directory/stores/", f"/directory/stores/{world.aurora_centro.pk}/", "/oncall/",
        "/supervisor/", "/notifications/", "/notifications/webhooks/", "/macros/", "/mail/",
    ]  # fmt: skip
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        found[path] = violations(page)
    bad = {path: v for path, v in found.items() if v}
    assert not bad, "\n".join(f"{p}: {x}" for p, vs in bad.items() for x in vs)
