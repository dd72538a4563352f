"""The agent's day in a real browser (Playwright driving Debian's chromium against the live
server): note mode, reply and start, the priority preview, assign to me, who else is here,
a stale action, the draft kept, the keys."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from sladesk.tickets import actions
from sladesk.tickets.actions import do_save_saved_reply
from sladesk.tickets.models import Draft, Message, Ticket
from tests.web.conftest import World, close_quietly, open_ticket
from tests.web.test_browser import log_in, page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["page"]  # the fixture


def ready(page: Page) -> None:
    """The ticket page's deferred script has run."""
    expect(page.locator("html")).to_have_attribute("data-ticket-js", "ready")


def test_the_note_mode_looks_different_and_never_reaches_the_customer(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Erro no caixa", priority="P2")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{t.code}/")
    ready(page)
    composer = page.locator("#composer")
    expect(composer.locator(".buttons.public-only")).to_be_visible()
    expect(composer.locator(".buttons.note-only")).to_be_hidden()
    public_colour = composer.evaluate("e => getComputedStyle(e).backgroundColor")

    page.locator("label[for=mode-note]").click()
    expect(composer.locator(".note-only.mode-hint")).to_contain_text("o cliente nunca recebe")
    expect(composer.locator(".buttons.public-only")).to_be_hidden()
    expect(page.get_by_role("button", name="Responder", exact=True)).to_be_hidden()
    expect(page.locator("#composer-text")).to_have_attribute("placeholder", re.compile("o cliente não vê"))
    assert composer.evaluate("e => getComputedStyle(e).backgroundColor") != public_colour
    page.fill("#composer-text", "O cliente é difícil; cuidado.")
    page.get_by_role("button", name="Salvar nota interna").click()
    expect(page.locator(".messages")).to_contain_text("Nota registrada.")
    assert Message.objects.get(body="O cliente é difícil; cuidado.").kind == "note"
    assert not Message.objects.filter(kind="public").exists()


def test_reply_and_start_answers_and_starts_in_one_click(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Erro no caixa", priority="P2")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{t.code}/")
    ready(page)
    page.fill("#composer-text", "Estamos vendo o caixa.")
    page.get_by_role("button", name="Responder e iniciar atendimento").click()
    expect(page.locator(".messages")).to_contain_text("Resposta enviada e atendimento iniciado.")
    expect(page.locator(".chips .status")).to_have_text("Em atendimento")
    timeline = page.locator(".timeline")
    expect(timeline.locator(".entry-start")).to_contain_text("Atendimento iniciado")
    expect(timeline.locator(".entry-reply")).to_contain_text("Estamos vendo o caixa.")
    expect(page.locator("#sla [data-metric=response]")).to_contain_text("Cumprido")
    expect(page.locator("#sla [data-metric=reply]")).to_contain_text("Cumprido")
    expect(page.get_by_role("button", name="Responder e iniciar atendimento")).to_have_count(0)


def test_a_priority_change_shows_the_new_deadlines_before_it_is_confirmed(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Erro no caixa", priority="P3")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{t.code}/")
    ready(page)
    form = page.locator("#priority-form")
    expect(form).to_contain_text("Indisponibilidades relacionadas a funcionalidades críticas")
    form.get_by_text("Indisponibilidades relacionadas").click()  # P1's label: its radio
    preview = page.locator("#priority-preview")
    expect(preview).to_contain_text("Se a prioridade passar a P1")
    expect(preview.locator("tr[data-metric=response] .after")).to_contain_text("2 h, 24x7")
    assert Ticket.objects.get().priority == "P3"  # nothing written yet
    preview.get_by_role("button", name="Confirmar P1").click()
    expect(page.locator(".messages")).to_contain_text("Prioridade alterada.")
    expect(page.locator(".chips .prio")).to_have_text("P1")
    assert Ticket.objects.get().priority == "P1"


def test_assign_to_me_takes_the_ticket(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Erro no caixa")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{t.code}/")
    ready(page)
    page.get_by_role("button", name="Atribuir a mim").click()
    expect(page.locator(".messages")).to_contain_text("O chamado agora é seu.")
    expect(page.get_by_role("button", name="Atribuir a mim")).to_have_count(0)
    assert Ticket.objects.get().assignee == world.ana


def second_page(browser: Browser, live_server, email: str) -> Page:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, locale="pt-BR", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    other = context.new_page()
    log_in(other, email)
    return other


def test_collision_who_else_is_here_and_a_change_under_the_page(
    page: Page, world: World, browser: Browser, live_server
) -> None:  # type: ignore[no-untyped-def]
    t = open_ticket(world.gabriela, "Erro no caixa", priority="P2")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{t.code}/")
    ready(page)
    sam = second_page(browser, live_server, "sam@sladesk.example")
    sam.goto(f"/t/{t.code}/")
    ready(sam)
    sam.fill("#composer-text", "Vou responder")
    sam.locator("#composer-text").press("Space")  # a keystroke: typing
    sam.evaluate("window.sladeskPoll()")
    page.evaluate("window.sladeskPoll()")
    expect(page.locator("#presence")).to_contain_text("Sam Souza está escrevendo…")

    page.fill("#composer-text", "Minha resposta para a Gabriela")
    sam.get_by_role("button", name="Responder", exact=True).click()
    expect(sam.locator(".messages")).to_contain_text("Resposta enviada.")
    page.evaluate("window.sladeskPoll()")
    notice = page.locator("#changed-notice")
    expect(notice).to_contain_text("Sam Souza alterou este chamado.")
    notice.get_by_role("button", name=re.compile("Recarregar")).click()
    expect(page.locator(".timeline")).to_contain_text("Vou responder")
    expect(page.locator("#composer-text")).to_have_value("Minha resposta para a Gabriela")
    expect(page.locator("#changed-notice")).to_be_hidden()
    close_quietly(sam.context)


def test_an_action_from_a_stale_page_is_refused_with_the_text_kept(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Erro no caixa", priority="P2")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{t.code}/")
    ready(page)
    actions.do_reply_ticket(t, world.sam, "Resposta do Sam")  # while Ana types
    page.fill("#composer-text", "Resposta da Ana")
    page.get_by_role("button", name="Responder", exact=True).click()
    expect(page.locator(".messages .msg-error")).to_contain_text("Sam Souza alterou este chamado")
    expect(page.locator("#composer-text")).to_have_value("Resposta da Ana")
    expect(page.locator(".timeline")).to_contain_text("Resposta do Sam")
    assert not Message.objects.filter(body="Resposta da Ana").exists()
    page.get_by_role("button", name="Responder", exact=True).click()  # the page is current now
    expect(page.locator(".messages")).to_contain_text("Resposta enviada.")


def test_a_draft_is_kept_and_leaving_asks_first(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Erro no caixa", priority="P2")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{t.code}/")
    ready(page)
    page.locator("#composer-text").press_sequentially("Rascunho que não posso perder")
    expect(page.locator("#composer")).to_have_attribute("data-draft-saved", re.compile(r"\d+"))
    assert Draft.objects.get().text == "Rascunho que não posso perder"
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.type), d.accept()))
    page.get_by_role("link", name="Fila").first.click()
    expect(page.locator("h1")).to_have_text("Fila de chamados abertos")
    assert asked == ["beforeunload"]
    page.goto(f"/t/{t.code}/")
    ready(page)
    expect(page.locator("#composer-text")).to_have_value("Rascunho que não posso perder")
    expect(page.locator("#draft-state")).to_contain_text("Rascunho guardado")


def test_ctrl_enter_sends_and_single_keys_never_fire_while_typing(page: Page, world: World) -> None:
    t = open_ticket(world.gabriela, "Erro no caixa", priority="P2")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{t.code}/")
    ready(page)
    page.locator("body").press("?")
    expect(page.locator("#shortcuts-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts-help")).to_be_hidden()
    page.locator("body").press("r")
    expect(page.locator("#composer-text")).to_be_focused()
    page.keyboard.type("r? j/k")  # typed, not shortcuts
    expect(page.locator("#composer-text")).to_have_value("r? j/k")
    expect(page.locator("#shortcuts-help")).to_be_hidden()
    page.keyboard.press("Control+Enter")
    expect(page.locator(".messages")).to_contain_text("Resposta enviada e atendimento iniciado.")


def test_bulk_actions_in_the_queue_say_each_tickets_result(page: Page, world: World) -> None:
    a = open_ticket(world.gabriela, "Primeiro chamado", priority="P3")
    b = open_ticket(world.gabriela, "Segundo chamado", priority="P2")
    log_in(page, "ana@sladesk.example")
    expect(page.locator("html")).to_have_attribute("data-bulk", "ready")
    for t in (a, b):
        page.locator(f"tr[data-ticket='{t.number}'] input[type=checkbox]").check()
    page.locator("html[data-queue-js=ready]").wait_for(state="attached")  # the script is deferred
    page.evaluate("window.sladeskRefreshQueue()")  # the 30 s refresh keeps the selection
    expect(page.locator("#queue")).to_have_attribute("data-refreshed", re.compile(r"\d+"))
    expect(page.locator(f"tr[data-ticket='{a.number}'] input[type=checkbox]")).to_be_checked()
    expect(page.locator("#bulk-count")).to_have_text("(2)")
    page.select_option("#bulk-op", "priority")
    expect(page.locator(".bulk-assignee")).to_be_hidden()
    page.select_option(".bulk-priority select", "P2")
    page.get_by_role("button", name="Aplicar").click()
    expect(page.locator("h1")).to_have_text("Ação em lote")
    expect(page.locator(f"tr[data-code='{a.code}'] .done")).to_contain_text("feito")
    expect(page.locator(f"tr[data-code='{b.code}'] .refused")).to_contain_text("already P2")
    expect(page.locator("#bulk-summary")).to_have_text("1 feito · 1 recusado")
    assert set(Ticket.objects.values_list("priority", flat=True)) == {"P2"}


def test_j_and_k_move_in_the_queue_and_enter_opens(page: Page, world: World) -> None:
    a = open_ticket(world.gabriela, "Primeiro chamado", priority="P1")
    open_ticket(world.gabriela, "Segundo chamado", priority="P3")
    log_in(page, "ana@sladesk.example")
    expect(page.locator("html")).to_have_attribute("data-keys", "ready")  # the deferred script ran
    page.locator("body").press("j")
    expect(page.locator("tr.current")).to_have_attribute("data-ticket", str(a.number))
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("tr.current")).to_have_attribute("data-ticket", str(a.number))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/t/{a.code}/$"))
    expect(page.locator("html")).to_have_attribute("data-keys", "ready")
    page.locator("body").press("/")
    expect(page.locator("header input[type=search]")).to_be_focused()


def test_a_saved_reply_fills_the_text_and_picks_its_action(page: Page, world: World) -> None:
    reply = do_save_saved_reply(
        world.sam, None, title="Pedir print", body="Olá, {solicitante}: envie um print do erro.", then="wait"
    )
    t = open_ticket(world.gabriela, "Erro no caixa", priority="P2")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{t.code}/")
    ready(page)
    page.select_option("#macro-select", str(reply.pk))
    expect(page.locator("#composer-text")).to_have_value("Olá, Gabriela Gomes: envie um print do erro.")
    expect(page.locator("#composer .btn.primary")).to_have_text("Responder e aguardar cliente")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".messages")).to_contain_text("Pedido enviado; o chamado aguarda o cliente.")
    expect(page.locator(".chips .status")).to_have_text("Aguardando cliente")


def test_merge_a_duplicate_and_see_the_pointer_and_the_reason(page: Page, world: World) -> None:
    target = open_ticket(world.gabriela, "Relatório não abre", description="Erro 500")
    duplicate = open_ticket(world.gabriela, "Relatório não abre de novo", description="Erro 500 outra vez")
    log_in(page, "ana@sladesk.example")
    page.goto(f"/t/{duplicate.code}/")
    ready(page)
    page.get_by_text("Relacionar ou mesclar").click()
    page.fill("#link-number", f"#{target.number}")
    page.get_by_role("button", name="Mesclar este no outro (duplicado)").click()
    expect(page).to_have_url(re.compile(f"/t/{target.code}/$"))
    expect(page.locator(".timeline")).to_contain_text("Erro 500 outra vez")
    expect(page.locator(".timeline .entry-merge")).to_contain_text(f"#{duplicate.number}")
    page.goto(f"/t/{duplicate.code}/")
    ready(page)
    expect(page.locator("#merged-notice")).to_contain_text(f"Mesclado no chamado #{target.number}")
    expect(page.locator("#sla")).to_contain_text("Excluído")
    expect(page.locator(".timeline .entry-merged_into")).to_contain_text("excluídos: duplicado")
