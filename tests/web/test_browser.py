"""The desk in a real browser: Playwright driving Debian's chromium against the live server."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from sladesk.intake.process import process_message
from sladesk.tickets.models import Ticket
from tests.intake.conftest import email
from tests.web.conftest import PASSWORD, World, close_quietly, open_ticket

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The week's days as the pt-BR desk abbreviates them, Monday first ("Sáb" is why a ``\w{3}`` pattern failed:
# a browser's regular expression without the unicode flag does not take "á" for a word character).
WEEKDAYS = ("Seg", "Ter", "Qua", "Qui", "Sex", "Sáb", "Dom")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, locale="pt-BR", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    close_quietly(context)


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator(".login form button[type=submit]").click()


def test_an_agent_takes_a_ticket_from_the_queue_to_resolved(page: Page, world: World) -> None:
    now = timezone.now()
    t = open_ticket(world.gabriela, "Oto fora do ar em todas as lojas", channel="phone", priority="P1",
                    received_at=now - timedelta(minutes=10), description="Ninguém consegue vender.")  # fmt: skip
    open_ticket(world.beatriz, "Relatório lento", priority="P3")
    log_in(page, "ana@sladesk.example")
    expect(page.locator("h1")).to_have_text("Fila de chamados abertos")
    row = page.locator(f"tr[data-ticket='{t.number}']")
    expect(row).to_contain_text("Lojas Aurora")
    expect(row.locator(".badge").first).to_contain_text("No prazo")
    row.get_by_role("link", name="Oto fora do ar em todas as lojas").click()

    expect(page).to_have_url(re.compile(f"/t/{t.code}/$"))
    expect(page.locator(".timeline")).to_contain_text("Ninguém consegue vender.")
    panel = page.locator("#sla")
    expect(panel.locator("[data-metric=response]")).to_contain_text("2 h, 24x7")
    expect(panel.locator("[data-metric=resolution]")).to_contain_text("4 h, 24x7")
    due = (now - timedelta(minutes=10) + timedelta(hours=2)).astimezone(SAO_PAULO)  # P1 response: 2 h, 24x7
    expect(panel.locator("[data-metric=response] .due-at")).to_have_text(
        f"{WEEKDAYS[due.weekday()]} {due:%d/%m/%Y %H:%M}"
    )

    page.fill("#composer-text", "Estamos verificando o servidor.")
    page.get_by_role("button", name="Responder", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Resposta enviada.")
    expect(page.locator(".timeline")).to_contain_text("Estamos verificando o servidor.")

    page.get_by_role("button", name="Iniciar atendimento", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Atendimento iniciado.")
    expect(panel.locator("[data-metric=response]")).to_contain_text("Cumprido")
    expect(panel.locator("[data-metric=resolution]")).to_contain_text(re.compile("No prazo|Em risco"))

    page.fill("#composer-text", "Servidor reiniciado; tudo normal.")
    page.get_by_role("button", name="Responder e resolver").click()
    expect(page.locator(".messages")).to_contain_text("Resolvido.")
    expect(page.locator(".chips .status")).to_have_text("Resolvido")
    expect(panel.locator("[data-metric=resolution]")).to_contain_text("Cumprido")
    expect(panel.locator("[data-metric=resolution] .due-at")).to_be_visible()
    t.refresh_from_db()
    assert t.status == "resolved" and t.assignee == world.ana


def test_a_refused_action_shows_a_message(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{t.code}/")
    page.get_by_role("button", name="Ver novos prazos").click()  # P2 is checked: already P2
    page.get_by_role("button", name="Confirmar P2").click()
    expect(page.locator(".messages .msg-error")).to_contain_text("Não foi possível registrar")


def test_a_partner_agent_cannot_open_another_partners_ticket(page: Page, world: World) -> None:
    theirs = open_ticket(world.carla, "Problema da Cedro")
    mine = open_ticket(world.beatriz, "Problema da Bento")
    log_in(page, "pedro@sul.example")
    expect(page.locator("table.queue")).to_contain_text("Problema da Bento")
    expect(page.locator("table.queue")).not_to_contain_text("Problema da Cedro")
    response = page.goto(f"/t/{theirs.code}/")
    assert response is not None and response.status == 404
    response = page.goto(f"/t/{mine.code}/")
    assert response is not None and response.status == 200


def test_the_phone_intake_opens_a_p1_for_an_entitled_gestora(page: Page, world: World) -> None:
    log_in(page, "ana@sladesk.example")
    page.get_by_role("link", name="Ligação P1").click()
    page.fill("#id_phone", "51 99811-2233")
    page.get_by_role("button", name="Verificar quem ligou").click()
    expect(page.locator("#caller")).to_contain_text("Gabriela Gomes")
    page.fill("#id_subject", "Oto não abre")
    page.fill("#id_description", "Tela branca em todas as lojas desde 10h.")
    page.get_by_role("button", name="Abrir chamado P1").click()
    expect(page.locator(".messages")).to_contain_text("aberto (P1, telefone)")
    t = Ticket.objects.get()
    assert (t.requester, t.channel, t.priority) == (world.gabriela, "phone", "P1")
    expect(page).to_have_url(re.compile(f"/t/{t.code}/$"))


def test_the_phone_intake_refuses_a_vendedor_with_the_reason(page: Page, world: World) -> None:
    log_in(page, "ana@sladesk.example")
    page.goto("/phone/")
    page.fill("#id_email", "vicente@aurora.example")
    page.fill("#id_subject", "App travou")
    page.get_by_role("button", name="Abrir chamado P1").click()
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("Vicente Vaz")
    expect(refusal).to_contain_text("peça ao Gestor da sua empresa")
    assert not Ticket.objects.exists()


def test_the_login_locks_after_repeated_failures(page: Page, world: World) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(page, "ana@sladesk.example", "senha-errada")
        expect(page.locator(".alert-error")).to_contain_text("Usuário ou senha incorretos")
    log_in(page, "ana@sladesk.example", "senha-errada")
    expect(page.locator("#locked-out")).to_contain_text("o acesso está bloqueado")
    page.goto("/login/")
    log_in(page, "ana@sladesk.example")  # the right password, too late
    expect(page.locator("#locked-out")).to_be_visible()


def test_the_queue_refreshes_itself(page: Page, world: World) -> None:
    open_ticket(world.gabriela, "Primeiro")
    log_in(page, "ana@sladesk.example")
    expect(page.locator("table.queue")).to_contain_text("Primeiro")
    # the script is deferred; a marker, not wait_for_function (its polling evaluates a string,
    # which the Content-Security-Policy refuses)
    page.locator("html[data-queue-js=ready]").wait_for(state="attached")
    open_ticket(world.gabriela, "Chegou agora")
    page.evaluate("window.sladeskRefreshQueue()")
    expect(page.locator("table.queue")).to_contain_text("Chegou agora")


def test_the_desk_speaks_english_on_request(page: Page, world: World) -> None:
    log_in(page, "ana@sladesk.example")
    page.get_by_role("button", name="English").click()  # one click
    expect(page.locator("h1")).to_have_text("Open tickets")
    expect(page.get_by_role("link", name="P1 call")).to_be_visible()
    page.get_by_role("button", name="Português").click()
    expect(page.locator("h1")).to_have_text("Fila de chamados abertos")


def test_an_agent_releases_a_quarantined_email_and_follows_it_to_its_new_ticket(page: Page, world: World) -> None:
    forged = {"Authentication-Results": "mx.vendor.example; spf=fail smtp.mailfrom=aurora.example; dkim=none"}
    raw = email("gabriela@aurora.example", "Oto não abre no caixa", "Tela branca no caixa da loja Centro.",
                headers=forged)  # fmt: skip
    with override_settings(TRUSTED_AUTHSERV_ID="mx.vendor.example"):
        held = process_message(raw, timezone.now() - timedelta(minutes=5))
    assert (held.outcome, held.reason) == ("quarantined", "unauthenticated")
    log_in(page, "ana@sladesk.example")
    page.get_by_role("link", name="E-mails retidos").click()
    expect(page).to_have_url(re.compile("/mail/$"))
    row = page.locator(f"tr[data-mail='{held.mail_id}']")
    expect(row).to_contain_text("remetente não autenticado")
    row.get_by_role("link", name="Oto não abre no caixa").click()
    expect(page.locator(".mail-text")).to_have_text("Tela branca no caixa da loja Centro.")
    page.get_by_role("button", name="Liberar").click()
    t = Ticket.objects.get()
    expect(page.locator(".messages")).to_contain_text(f"chamado #{t.number} aberto")
    page.get_by_role("link", name=f"chamado #{t.number}").click()
    expect(page).to_have_url(re.compile(f"/t/{t.code}/$"))
    expect(page.locator(".timeline")).to_contain_text("Tela branca no caixa da loja Centro.")
    assert t.requester == world.gabriela
