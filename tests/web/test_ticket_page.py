from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sladesk.intake.store import keep_attachment
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets import actions
from sladesk.tickets import timeline as timeline_
from sladesk.tickets.models import Attachment, Message, Status, Ticket
from tests.web.conftest import World, open_ticket
from tests.web.test_queue import client_for

BRT = ZoneInfo("America/Sao_Paulo")
WED_10 = datetime(2027, 3, 3, 10, 0, tzinfo=BRT)


def page_of(t: Ticket) -> str:
    return reverse("tickets:detail", args=[t.code])


def act(client: Client, t: Ticket, action: str, **data: object):  # type: ignore[no-untyped-def]
    return client.post(reverse("tickets:act", args=[t.code, action]), data)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def test_it_shows_the_sla_panel_with_each_rule_and_due_instant(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "Erro ao salvar pedido", priority="P2", description="Aparece erro 500.")
    response = client_for(world.ana).get(page_of(t))
    assert response.status_code == 200
    panel = {row.badge.name: row for row in response.context["sla"]}
    assert panel["reply"].rule == "2 h úteis"
    assert panel["resolution"].rule == "2 dias úteis = 18 h úteis"
    assert panel["resolution"].badge.due == datetime(2027, 3, 5, 10, 0, tzinfo=BRT)
    html = text_of(response)
    assert "2 dias úteis = 18 h úteis" in html
    assert "Sex 05/03/2027 10:00" in html  # the resolution's due instant, in São Pedro time
    assert "Aparece erro 500." in html  # the request's description opens the timeline


def test_it_uses_the_opaque_code_never_the_number(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    assert client_for(world.ana).get(f"/t/{t.number}/").status_code == 404
    assert client_for(world.ana).get(page_of(t)).status_code == 200


def test_a_partner_agent_gets_404_for_another_partners_ticket(world: World) -> None:
    theirs = open_ticket(world.carla, "Cedro")
    mine = open_ticket(world.beatriz, "Bento")
    pedro = client_for(world.pedro)
    assert pedro.get(page_of(theirs)).status_code == 404
    assert pedro.get(page_of(mine)).status_code == 200
    assert act(pedro, theirs, "note", text="olá").status_code == 404
    assert not theirs.messages.filter(kind=Message.Kind.NOTE).exists()


def test_a_user_without_a_staff_profile_gets_403_on_a_ticket(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    assert client_for(world.walter).get(page_of(t)).status_code == 403
    assert act(client_for(world.walter), t, "note", text="olá").status_code == 403


def test_it_replies_starts_and_resolves_through_the_actions(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "Erro ao salvar", priority="P2")
    ana = client_for(world.ana)
    time_machine.move_to(WED_10 + timedelta(minutes=20), tick=False)
    response = act(ana, t, "reply", text="Estamos olhando.")
    assert response.status_code == 302 and response["Location"] == page_of(t)
    assert t.messages.filter(kind=Message.Kind.PUBLIC, body="Estamos olhando.").exists()
    assert OutboxMessage.objects.filter(ticket=t, template="reply").exists()
    assert act(ana, t, "start").status_code == 302
    assert act(ana, t, "resolve", text="Corrigido na versão 3.2.").status_code == 302
    t.refresh_from_db()
    assert (t.status, t.assignee) == (Status.RESOLVED, world.ana)
    response = ana.get(page_of(t))
    states = {row.badge.name: row.state for row in response.context["sla"]}
    assert states == {"reply": "Cumprido", "response": "Cumprido", "resolution": "Cumprido"}
    assert "Corrigido na versão 3.2." in text_of(response)


def test_it_shows_the_success_message_after_an_action(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    response = client_for(world.ana).post(
        reverse("tickets:act", args=[t.code, "note"]), {"text": "ver log"}, follow=True
    )
    assert "Nota registrada." in text_of(response)
    assert "ver log" in text_of(response)


@pytest.mark.parametrize(
    ("setup", "action", "data", "check"),
    [
        ([], "set_priority", {"priority": "P1"}, lambda t, w: t.priority == "P1"),
        ([], "wait", {"text": "Qual loja?"}, lambda t, w: t.status == Status.WAITING_ON_CUSTOMER),
        (["wait"], "customer_reply", {"text": "Loja Centro"}, lambda t, w: t.status == Status.IN_PROGRESS),
        (["resolve"], "reopen", {}, lambda t, w: t.status == Status.IN_PROGRESS),
        (["resolve"], "close", {}, lambda t, w: t.status == Status.CLOSED),
        ([], "note", {"text": "interno"}, lambda t, w: t.messages.filter(kind="note").exists()),
        ([], "assign", {"assignee": "ana"}, lambda t, w: t.assignee == w.ana),
        ([], "out_of_scope", {"category": "usage_question"}, lambda t, w: t.outcome == "out_of_scope"),
    ],
)
def test_each_action_form_calls_its_action(world: World, setup, action, data, check) -> None:  # type: ignore[no-untyped-def]
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    for step in setup:
        {"wait": lambda: actions.do_hold_ticket(t, world.ana, "?"),
         "resolve": lambda: actions.do_resolve_ticket(t, world.ana, "ok")}[step]()  # fmt: skip
    if data.get("assignee") == "ana":
        data = {"assignee": world.ana.pk}
    response = act(client_for(world.sam), t, action, **data)
    assert response.status_code == 302, text_of(response)
    t.refresh_from_db()
    assert check(t, world)


def test_a_customer_reply_to_a_closed_ticket_opens_a_linked_one(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    actions.do_resolve_ticket(t, world.ana, "ok")
    actions.do_close_ticket(t, world.ana)
    response = act(client_for(world.ana), t, "customer_reply", text="Voltou a acontecer")
    follow_up = Ticket.objects.get(related_to=t)
    assert response["Location"] == page_of(follow_up)


def test_a_refused_action_is_a_message_not_a_500(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    response = act(client_for(world.ana), t, "reopen")
    assert response.status_code == 409
    assert "não é possível com o chamado na situação “Novo”" in text_of(response)
    response = act(client_for(world.ana), t, "set_priority", priority="P2")
    assert response.status_code == 409
    assert "already P2" in text_of(response)


def test_an_empty_text_is_refused_by_the_form(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    response = act(client_for(world.ana), t, "reply", text="   ")
    assert response.status_code == 400
    assert "obrigatório" in text_of(response)
    assert not t.messages.filter(kind=Message.Kind.PUBLIC).exists()


def test_a_partner_agent_of_another_partner_is_not_offered_as_assignee(world: World) -> None:
    t = open_ticket(world.beatriz, "Bento")
    form = client_for(world.ana).get(page_of(t)).context["forms"]["assign"]
    offered = set(form.fields["assignee"].queryset.values_list("username", flat=True))
    assert "pedro@sul.example" in offered and "otto@norte.example" not in offered
    response = act(client_for(world.ana), t, "assign", assignee=world.otto.pk)
    assert response.status_code == 400


def test_it_rejects_get_and_unknown_actions(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro")
    ana = client_for(world.ana)
    assert ana.get(reverse("tickets:act", args=[t.code, "reply"])).status_code == 405
    assert act(ana, t, "delete").status_code == 404


def test_the_timeline_shows_changes_and_deadlines_before_and_after(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    actions.do_set_ticket_priority(t, world.ana, "P1")
    actions.do_assign_ticket(t, world.ana, world.sam)
    response = client_for(world.ana).get(page_of(t))
    entries = {e.action: e for e in response.context["timeline"]}
    priority = entries["set_priority"]
    assert priority.changes == [("prioridade", "P2", "P1")]
    resolution = next(d for d in priority.deadlines if d.metric == "Resolução")
    assert resolution.before == "Em andamento · Sex 05/03/2027 10:00 (P2)"
    assert resolution.after == "Em andamento · Qua 03/03/2027 14:00 (P1)"
    assert entries["assign"].changes == [("responsável", "—", "Sam Souza")]


def test_the_ticket_page_query_count_is_bounded(world: World, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    for i in range(10):
        actions.do_add_note(t, world.ana, f"nota {i}")
    client = client_for(world.ana)
    with django_assert_max_num_queries(22):  # 2 of them: the actors' names (staff, then people)
        client.get(page_of(t))


def test_an_out_of_scope_ticket_shows_its_metrics_excluded_and_the_reply_sent(world: World) -> None:
    t = open_ticket(world.gabriela, "Como exporto um relatório?", priority="P3")
    actions.do_exclude_ticket(t, world.ana, "usage_question")
    response = client_for(world.ana).get(page_of(t))
    assert {row.state for row in response.context["sla"]} == {"Excluído"}
    html = text_of(response)
    assert "Fora do escopo" in html
    assert t.messages.get(kind=Message.Kind.AUTOMATIC).body.splitlines()[0] in html
    assert set(response.context["forms"]) == {"note", "link"}  # closed: only a note or a link is still possible


def test_an_agent_sets_the_affected_user_and_the_history_names_them(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "App fecha ao abrir clientes")
    client = client_for(world.ana)
    assert 'id="id_affected_person"' in text_of(client.get(page_of(t)))
    response = act(client, t, "set_affected", affected_person=world.vicente.pk)
    assert response.status_code == 302
    t.refresh_from_db()
    assert (t.affected_person, t.affected_store) == (world.vicente, world.aurora_centro)
    page = text_of(client.get(page_of(t)))
    assert "Usuário afetado alterado" in page and "Vicente Vaz" in page and "Aurora Centro" in page
    other = act(client, t, "set_affected", affected_person=world.beatriz.pk)  # another customer's person
    assert other.status_code != 302
    t.refresh_from_db()
    assert t.affected_person == world.vicente


# ---- the intake's suggestions, attachments, folded quotes -----------------------------------
def suggested(world: World, **values: object) -> Ticket:
    """A ticket as the email intake opens it: no priority, the triage's suggestions and reasons."""
    fields: dict[str, object] = {
        "suggested_priority": "P1", "suggested_category": "bug",
        "description": "O Oto está fora do ar em todas as lojas.",
        "triage": {"priority_reason": "“fora do ar” em todas as lojas", "category_reason": "erro ao emitir nota",
                   "outage": True},
    }  # fmt: skip
    return open_ticket(world.beatriz, "Oto fora do ar", **{**fields, **values})  # type: ignore[arg-type]


def test_it_shows_the_suggestions_with_their_reasons_and_flags_a_suspected_outage(world: World) -> None:
    t = suggested(world)
    response = client_for(world.ana).get(page_of(t))
    assert [(s.kind, s.value, s.action) for s in response.context["suggestions"]] == [
        ("priority", "P1", "set_priority"), ("category", "bug", "set_category"),
    ]  # fmt: skip
    html = text_of(response)
    assert "Suspeita de indisponibilidade (P1)" in html
    assert "“fora do ar” em todas as lojas" in html and "erro ao emitir nota" in html
    assert "Aceitar P1" in html and "Bug ou comportamento inesperado" in html


def test_accepting_the_suggested_priority_sets_it_and_the_suggestion_goes(world: World) -> None:
    t = suggested(world)
    ana = client_for(world.ana)
    assert act(ana, t, "set_priority", priority="P1").status_code == 302
    t.refresh_from_db()
    assert t.priority == "P1"
    response = ana.get(page_of(t))
    assert [s.kind for s in response.context["suggestions"]] == ["category"]
    assert "Suspeita de indisponibilidade" not in text_of(response)  # a priority is set


def test_accepting_an_in_scope_category_confirms_it_and_moves_no_clock(world: World) -> None:
    t = suggested(world, priority="P2", triage={})
    ana = client_for(world.ana)
    response = act(ana, t, "set_category", category="bug")
    assert response.status_code == 302
    t.refresh_from_db()
    assert (t.category, t.status) == ("bug", Status.NEW)
    event = t.events.get(action="set_category")
    assert (event.sla_type, event.after, event.actor_staff) == ("", {"category": "bug"}, world.ana)
    page = ana.get(page_of(t))
    assert [s.kind for s in page.context["suggestions"]] == ["priority"]
    assert "Categoria confirmada" in text_of(page)
    assert act(ana, t, "set_category", category="usage_question").status_code == 400  # out of scope: not this action


def test_an_out_of_scope_suggestion_asks_first_then_closes_the_ticket(world: World) -> None:
    t = suggested(world, suggested_category="usage_question", triage={"category_reason": "pergunta como exportar"})
    ana = client_for(world.ana)
    (category,) = [s for s in ana.get(page_of(t)).context["suggestions"] if s.kind == "category"]
    assert (category.action, category.confirm) == ("out_of_scope", True)
    html = text_of(ana.get(page_of(t)))
    assert "Aceitar: fora do escopo…" in html and "Confirmar: fechar como fora do escopo" in html
    assert act(ana, t, "out_of_scope", category="usage_question").status_code == 302
    t.refresh_from_db()
    assert (t.status, t.outcome, t.category) == (Status.CLOSED, "out_of_scope", "usage_question")
    assert ana.get(page_of(t)).context["suggestions"] == []


def attach(t: Ticket, name: str, data: bytes, content_type: str) -> Attachment:
    path, sha = keep_attachment(data)
    return Attachment.objects.create(
        ticket=t, name=name, size=len(data), content_type=content_type, sha256=sha, path=path
    )  # fmt: skip


def test_it_lists_the_attachments_and_serves_each_as_a_download(world: World) -> None:
    t = suggested(world)
    pdf = attach(t, "nota fiscal.pdf", b"%PDF-1.4 " + b"0" * 12_279, "application/pdf")
    exe = attach(t, 'setup"\r\n.exe', b"MZ" + b"\0" * 2_000_000, "application/x-msdownload")
    ana = client_for(world.ana)
    html = text_of(ana.get(page_of(t)))
    assert "nota fiscal.pdf" in html and "12,0\xa0KB" in html and "1,9\xa0MB" in html
    assert reverse("tickets:attachment", args=[t.code, pdf.pk]) in html
    response = ana.get(reverse("tickets:attachment", args=[t.code, pdf.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="nota fiscal.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")
    response = ana.get(reverse("tickets:attachment", args=[t.code, exe.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="setup_.exe"'


def test_a_file_is_404_to_a_partner_agent_of_another_partner_and_under_another_ticket(world: World) -> None:
    t = suggested(world)  # Calçados Bento, partner Sul
    other = open_ticket(world.carla, "Cedro")
    f = attach(t, "print.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png")
    url = reverse("tickets:attachment", args=[t.code, f.pk])
    assert client_for(world.pedro).get(url).status_code == 200
    assert client_for(world.otto).get(url).status_code == 404
    assert client_for(world.walter).get(url).status_code == 403
    assert client_for(world.ana).get(reverse("tickets:attachment", args=[other.code, f.pk])).status_code == 404


def test_a_customer_message_folds_its_quoted_history_away_keeping_it_on_the_page(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    reply = (
        "Ainda com erro na loja Centro.\n\n"
        "Em ter., 24 de nov. de 2026 às 10:00, Suporte <suporte@sladesk.example> escreveu:\n"
        "> Estamos verificando o servidor."
    )
    actions.do_add_customer_reply(t, None, reply)
    response = client_for(world.ana).get(page_of(t))
    (entry,) = [e for e in response.context["timeline"] if e.action == "customer_reply"]
    assert entry.body == "Ainda com erro na loja Centro."
    assert entry.quoted.endswith("> Estamos verificando o servidor.")
    html = text_of(response)
    assert "Mostrar o histórico citado" in html and "&gt; Estamos verificando o servidor." in html
    assert t.messages.get(kind=Message.Kind.INBOUND, body=reply)  # the original, whole


def test_the_timeline_names_people_and_the_system_and_who_recorded_a_customer_message(
    world: World, time_machine
) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    actions.do_reply_ticket(t, world.ana, "Olhando")
    actions.do_hold_ticket(t, world.ana, "Qual loja?")
    actions.do_add_customer_reply(t, world.ana, "Loja 3, ela ligou", person=world.gabriela)
    time_machine.move_to(WED_10 + timedelta(days=7), tick=False)
    actions.do_record_breaches(t.pk)
    response = client_for(world.ana).get(page_of(t))
    timeline = response.context["timeline"]
    by_action = {e.action: e for e in timeline}
    assert by_action["reply"].actor == "Ana Almeida"
    recorded = next(e for e in timeline if e.body.startswith("Loja 3"))
    assert (recorded.actor, recorded.recorded_by) == ("Gabriela Gomes", "Ana Almeida")
    assert by_action["sla_breached"].actor == "sistema"
    html = text_of(response)
    assert "registrado por Ana Almeida" in html
    assert "ana@sladesk.example" not in "".join(e.actor for e in timeline)
    with translation.override("en"):
        assert timeline_._actor("system", {}) == "system"


def test_the_sla_panel_explains_its_three_deadlines_and_the_language_switch_is_one_button(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    html = text_of(client_for(world.ana).get(page_of(t)))
    assert 'id="sla-help"' in html and "Atendimento: até alguém começar" in html
    assert '<button type="submit" name="language" value="en"' in html


def test_a_field_error_sits_next_to_its_field(world: World) -> None:
    t = open_ticket(world.gabriela, "Erro", priority="P2")
    ana = client_for(world.ana)
    response = act(ana, t, "reply", text="   ")
    assert response.status_code == 400
    html = text_of(response)
    textarea = html.index('id="composer-text"')
    error = html.index('id="composer-text-error"')
    assert textarea < error < textarea + 2000  # right under the composer, not in the page's messages
    assert 'aria-describedby="composer-text-error"' in html
    assert not [m for m in response.context["messages"]]
    linked = text_of(act(ana, t, "link", number="abc"))
    assert 'id="link-number-error"' in linked
