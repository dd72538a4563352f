"""The rota and the supervisor's view in a real browser (Playwright driving Debian's chromium
against the live server, at the real time)."""

from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sladesk.tickets import actions
from tests.oncall.test_supervisor import expected
from tests.web.conftest import World, open_ticket
from tests.web.test_browser import log_in, page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["page"]  # the fixture


def test_a_supervisor_adds_a_shift_and_the_queue_shows_who_is_on_call(page: Page, world: World) -> None:
    start = timezone.localtime().replace(second=0, microsecond=0) - timedelta(hours=1)
    end = start + timedelta(hours=10)
    log_in(page, "sam@sladesk.example")
    expect(page.locator("#oncall-now")).to_contain_text("Ninguém de plantão agora.")
    page.get_by_role("link", name="Escala de plantão").click()
    expect(page.locator("h1")).to_have_text("Escala de plantão")
    expect(page.locator("#oncall-gaps")).to_contain_text("Falhas na escala nos próximos 7 dias")
    page.select_option("#id_user", label="Ana Almeida (ana@sladesk.example)")
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", end.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#add-shift button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Plantão de Ana Almeida incluído.")
    expect(page.locator("#shifts tbody tr")).to_have_count(1)
    expect(page.locator("#shifts")).to_contain_text(end.strftime("%d/%m/%Y %H:%M"))
    expect(page.locator("#oncall-current")).to_contain_text("Plantão agora: Ana Almeida")

    page.get_by_role("link", name="Fila", exact=True).click()
    line = page.locator("#oncall-now")
    expect(line).to_contain_text("Plantão agora: Ana Almeida")
    expect(line).to_contain_text(f"{end:%d/%m %H:%M})")


def test_the_supervisor_view_loads_with_the_figures_of_the_tickets(page: Page, world: World) -> None:
    now = timezone.now()
    soon = open_ticket(
        world.gabriela, "Vence logo", channel="phone", priority="P1", received_at=now - timedelta(minutes=30)
    )
    late = open_ticket(world.beatriz, "Estourado", channel="phone", priority="P1", received_at=now - timedelta(hours=5))
    actions.do_record_breaches(late.pk)
    done = open_ticket(
        world.gabriela, "Resolvido", channel="phone", priority="P1", received_at=now - timedelta(minutes=20)
    )
    actions.do_start_ticket(done, world.ana)
    log_in(page, "sam@sladesk.example")
    page.get_by_role("link", name="Visão do supervisor").click()
    expect(page.locator("h1")).to_have_text("Visão do supervisor")
    compliance, risky, breaches = expected([soon, late, done], 4, timezone.now())
    # due in 1 h 30, 3 h 30 and 3 h 40
    assert risky == [(soon.number, "response"), (soon.number, "resolution"), (done.number, "resolution")]
    assert sum(breaches.values()) == 2
    expect(page.locator("#at-risk")).to_have_attribute("data-count", "3")
    expect(page.locator("#at-risk h2")).to_have_text("3 prazos vencem nas próximas 4 h")
    rows = page.locator("#at-risk tbody tr")
    expect(rows).to_have_count(3)
    for i, (number, metric) in enumerate(risky):
        expect(rows.nth(i)).to_have_attribute("data-ticket", str(number))
        expect(rows.nth(i)).to_have_attribute("data-metric", metric)
    expect(page.locator("#breaches-today")).to_have_attribute("data-count", "2")
    expect(page.locator(f"#breaches-today tr[data-ticket='{late.number}']")).to_contain_text("Resolução, Atendimento")
    for (metric, priority), counts in _by_row(compliance).items():
        row = page.locator(f"#compliance tr[data-metric='{metric}'][data-priority='{priority}']")
        for state in ("met", "breached", "running", "paused"):
            expect(row.locator(f"td[data-state='{state}']")).to_have_text(str(counts[state]))
    expect(page.locator("#oncall")).to_contain_text("Ninguém de plantão agora.")


def _by_row(compliance: Counter[tuple[str, str, str]]) -> dict[tuple[str, str], Counter[str]]:
    rows: dict[tuple[str, str], Counter[str]] = {}
    for (metric, priority, state), n in compliance.items():
        rows.setdefault((metric, priority), Counter())[state] += n
    return rows
