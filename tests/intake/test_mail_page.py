"""The page for mail that did not become a ticket: the list, one email, release and discard."""

from __future__ import annotations

import io
import json
from email.message import EmailMessage

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from sladesk.intake.actions import do_discard_mail, do_release_mail
from sladesk.intake.models import InboundMail, MailEvent
from sladesk.intake.process import process_message
from sladesk.tickets.actions import ActionError, do_set_ticket_category
from sladesk.tickets.actions import do_reply_ticket as reply
from sladesk.tickets.models import Ticket
from tests.intake.conftest import Cast, at, email

NOW = at("2026-11-24 10:00")  # a Tuesday, in the past (a receipt is never later than now)
FORGED = {"Authentication-Results": "mx.vendor.example; spf=fail smtp.mailfrom=acme.example; dkim=none"}


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def held(raw: bytes, when: str = "2026-11-24 10:00") -> InboundMail:
    result = process_message(raw, at(when))
    assert result.outcome in ("rejected", "quarantined"), result
    return InboundMail.objects.get(pk=result.mail_id)


def page_of(mail: InboundMail) -> str:
    return reverse("intake:detail", args=[mail.pk])


def post(client: Client, mail: InboundMail, what: str):  # type: ignore[no-untyped-def]
    return client.post(reverse(f"intake:{what}", args=[mail.pk]))


def events(mail: InboundMail) -> list[tuple[str, str, str]]:
    return [(e.action, e.actor_label, e.outcome) for e in MailEvent.objects.filter(mail=mail).order_by("pk")]


def test_it_lists_the_mail_to_review_newest_first_with_its_reason_in_words(cast: Cast) -> None:
    stranger = held(email("someone@nowhere.example", subject="Quero suporte"), "2026-11-24 09:00")
    gina = held(email("gina@acme.example", subject="Sistema lento"), "2026-11-24 10:30")
    response = client_for(cast.ana).get(reverse("intake:list"))
    assert response.status_code == 200
    assert [row.mail for row in response.context["rows"]] == [gina, stranger]
    html = response.content.decode()
    assert "sem assento de suporte" in html and "no_support_seat" in html
    assert "remetente desconhecido" in html and "unknown_sender" in html
    assert "Ter 24/11/2026 10:30" in html  # received, in São Paulo time
    assert "Recusada" in html


def test_it_filters_by_outcome_and_reason_and_shows_reviewed_mail_on_request(cast: Cast) -> None:
    stranger = held(email("someone@nowhere.example"), "2026-11-24 09:00")
    gina = held(email("gina@acme.example"), "2026-11-24 09:10")
    with override_settings(TRUSTED_AUTHSERV_ID="mx.vendor.example"):
        forged = held(email(headers=FORGED), "2026-11-24 09:20")
    do_discard_mail(stranger, cast.ana)
    ana = client_for(cast.ana)

    def listed(query: str) -> list[InboundMail]:
        return [row.mail for row in ana.get(reverse("intake:list") + query).context["rows"]]

    assert listed("") == [forged, gina]
    assert listed("?outcome=quarantined") == [forged]
    assert listed("?reason=no_support_seat") == [gina]
    assert listed("?review=reviewed") == [stranger]
    assert listed("?review=all") == [forged, gina, stranger]


def test_it_shows_one_email_as_text_never_its_html(cast: Cast) -> None:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "Someone <someone@nowhere.example>", "suporte@sladesk.example", "Olá"
    m["Message-ID"] = "<html-1@nowhere.example>"
    m.set_content("Veja <script>alert(1)</script> o anexo.")
    m.add_alternative('<p>Veja <img src=x onerror="alert(2)"> o anexo.</p>', subtype="html")
    m.add_attachment(b"%PDF-1.4 " + b"x" * 3000, maintype="application", subtype="pdf", filename="nota.pdf")
    mail = held(m.as_bytes())
    html = client_for(cast.sam).get(page_of(mail)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "onerror" not in html
    assert "&lt;html-1@nowhere.example&gt;" in html  # the headers that matter
    assert "nota.pdf" in html and "2,9\xa0KB" in html and "application/pdf" in html
    assert "Liberar" in html and "Descartar" in html


def test_a_partner_agent_gets_404_on_every_mail_address(cast: Cast) -> None:
    mail = held(email("gina@acme.example"))
    pedro = client_for(cast.pedro)
    assert pedro.get(reverse("intake:list")).status_code == 404
    assert pedro.get(page_of(mail)).status_code == 404
    assert post(pedro, mail, "release").status_code == 404
    assert post(pedro, mail, "discard").status_code == 404
    mail.refresh_from_db()
    assert mail.review == "open"
    with pytest.raises(ActionError) as refused:
        do_release_mail(mail, cast.pedro)
    assert refused.value.code == "forbidden"


def test_releasing_an_unauthenticated_email_opens_its_ticket(cast: Cast) -> None:
    with override_settings(TRUSTED_AUTHSERV_ID="mx.vendor.example"):
        mail = held(email(subject="Relatório fora do ar", headers=FORGED))
    assert (mail.outcome, mail.reason) == ("quarantined", "unauthenticated")
    assert not Ticket.objects.exists()
    ana = client_for(cast.ana)
    response = post(ana, mail, "release")
    assert response.status_code == 302 and response["Location"] == page_of(mail)
    mail.refresh_from_db()
    ticket = Ticket.objects.get()
    assert (mail.outcome, mail.review, mail.reviewed_by, mail.ticket) == (
        "ticket_created",
        "released",
        cast.ana,
        ticket,
    )
    assert (ticket.requester, ticket.channel, ticket.received_at) == (cast.alice, "email", NOW)
    assert events(mail) == [("received", "system", "quarantined"), ("released", "ana@vendor.example", "ticket_created")]
    page = ana.get(page_of(mail)).content.decode()
    assert f"chamado #{ticket.number} aberto" in page
    assert reverse("tickets:detail", args=[ticket.code]) in page


def test_releasing_a_rejected_email_checks_the_directory_again(cast: Cast) -> None:
    mail = held(email("gina@acme.example", subject="Erro 500 no relatório"))
    assert mail.reason == "no_support_seat"
    cast.alice.support_seat, cast.gina.support_seat = False, True  # the seat passes to Gina
    cast.alice.save(update_fields=["support_seat"])
    cast.gina.save(update_fields=["support_seat"])
    result = do_release_mail(mail, cast.sam)
    assert result.outcome == "ticket_created"
    assert Ticket.objects.get(number=result.ticket).requester == cast.gina
    mail.refresh_from_db()
    assert mail.review == "released"


def test_a_release_still_refused_stays_to_review_with_the_release_recorded(cast: Cast) -> None:
    mail = held(email("gina@acme.example"))
    response = post(client_for(cast.ana), mail, "release")
    assert response.status_code == 302
    mail.refresh_from_db()
    assert (mail.outcome, mail.reason, mail.review, mail.reviewed_by) == (
        "rejected",
        "no_support_seat",
        "open",
        cast.ana,
    )
    assert events(mail)[-1] == ("released", "ana@vendor.example", "rejected")
    assert not Ticket.objects.exists()


def test_discarding_takes_it_off_the_list(cast: Cast) -> None:
    mail = held(email("someone@nowhere.example"))
    ana = client_for(cast.ana)
    response = post(ana, mail, "discard")
    assert response.status_code == 302 and response["Location"] == reverse("intake:list")
    mail.refresh_from_db()
    assert (mail.review, mail.reviewed_by) == ("discarded", cast.ana)
    assert events(mail)[-1] == ("discarded", "ana@vendor.example", "rejected")
    assert list(ana.get(reverse("intake:list")).context["rows"]) == []


def test_a_second_release_or_a_discard_after_it_is_refused_with_409(cast: Cast) -> None:
    with override_settings(TRUSTED_AUTHSERV_ID="mx.vendor.example"):
        mail = held(email(headers=FORGED))
    ana = client_for(cast.ana)
    assert post(ana, mail, "release").status_code == 302
    again = post(ana, mail, "release")
    assert again.status_code == 409
    assert "não está mais a revisar" in again.content.decode()
    assert post(ana, mail, "discard").status_code == 409
    assert Ticket.objects.count() == 1
    assert [e[0] for e in events(mail)] == ["received", "released"]


def test_tickets_show_json_has_the_triage_the_messages_and_the_attachments(cast: Cast) -> None:
    raw = email(
        subject="Oto fora do ar", body="Ninguém consegue vender, erro 502 em todas as lojas.",
        attachments=[("erro.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)],
    )  # fmt: skip
    number = process_message(raw, NOW).ticket
    ticket = Ticket.objects.get(number=number)
    reply(ticket, cast.ana, "Estamos verificando.")
    out = io.StringIO()
    call_command("tickets", "show", str(number), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert {"number", "metrics", "events", "failed_emails", "missing_information"} <= set(data)  # kept
    assert (data["suggested_priority"], data["scope_category"]) == ("P1", "availability")  # the triage's
    assert data["missing_info"] == ticket.missing_information and "steps_to_reproduce" in data["missing_info"]
    inbound, public = data["messages"]
    assert inbound == {
        "kind": "inbound", "author": "alice@acme.example", "at": "2026-11-24T10:00:00-03:00",
        "body": "Ninguém consegue vender, erro 502 em todas as lojas.",
    }  # fmt: skip
    assert (public["kind"], public["author"], public["body"]) == (
        "public",
        "ana@vendor.example",
        "Estamos verificando.",
    )
    assert data["attachments"] == [{"name": "erro.png", "size": 72, "content_type": "image/png"}]
    do_set_ticket_category(ticket, cast.ana, "bug")
    out = io.StringIO()
    call_command("tickets", "show", str(number), "--json", stdout=out)
    assert json.loads(out.getvalue())["scope_category"] == "bug"  # the confirmed one, once set
