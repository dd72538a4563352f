"""``process_messages``: a batch in one transaction, each email with its own outcome, an email
that fails rolling back only its own work, and the directory read as it is at each batch."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sladesk import sql
from sladesk.intake.models import InboundMail, MailEvent
from sladesk.intake.process import Incoming, process_messages
from sladesk.outbound.models import OutboxMessage
from sladesk.tickets import actions, notices
from sladesk.tickets.models import Message, Ticket, TicketEvent, TicketMetric
from tests.intake.conftest import Cast, at, email

NOW = at("2026-11-24 10:00")


def batch(*raws: bytes) -> list[Incoming]:
    return [Incoming(raw, NOW) for raw in raws]


def test_it_gives_each_email_of_a_batch_its_own_outcome_in_order(cast: Cast) -> None:
    first = email(message_id="<lote-1@mail.acme.example>")
    results = process_messages(
        batch(first, email(sender="bob@acme.example"), first, email(subject="[#1] mais um detalhe", body="Segue."))
    )
    assert [(r.outcome, r.reason) for r in results] == [
        ("ticket_created", None),
        ("rejected", "role_not_entitled"),
        ("duplicate", None),  # the same email earlier in the same batch
        ("ticket_updated", None),
    ]
    assert [r.ticket for r in results] == [1, None, 1, 1]
    assert InboundMail.objects.count() == 4 and MailEvent.objects.count() == 4
    ticket = Ticket.objects.get()
    assert ticket.mails.count() == 3 and ticket.messages.count() == 2 and ticket.metrics.count() > 0


def break_triage_on_quebra(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on an email whose subject says "quebra" fails in its triage."""
    from sladesk.intake import process

    real = process.triage

    def fragile(subject: str, *args: object, **kwargs: object) -> object:
        if "quebra" in subject:
            raise RuntimeError("triage exploded")
        return real(subject, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(process, "triage", fragile)


def test_an_email_that_fails_rolls_back_only_its_own_work(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    break_triage_on_quebra(monkeypatch)
    results = process_messages(batch(email(subject="Antes"), email(subject="Isto quebra"), email(subject="Depois")))
    assert [(r.outcome, r.reason) for r in results] == [
        ("ticket_created", None),
        ("quarantined", "processing_error"),
        ("ticket_created", None),
    ]
    assert list(Ticket.objects.order_by("number").values_list("number", "subject")) == [(1, "Antes"), (2, "Depois")]
    broken = InboundMail.objects.get(pk=results[1].mail_id)
    assert "triage exploded" in broken.detail and broken.raw_bytes().startswith(b"From: alice@acme.example")
    assert broken.events.count() == 1 and MailEvent.objects.count() == 3


def savepoints(queries: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries)


def test_a_batch_takes_savepoints_only_when_an_email_fails(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tried first without a savepoint for each email; run again with them when one fails."""
    process_messages(batch(email(subject="Um")))  # once ever: the counter's row, the policy's version
    with CaptureQueriesContext(connection) as smooth:
        process_messages(batch(email(subject="Dois"), email(subject="Três"), email(subject="Quatro")))
    break_triage_on_quebra(monkeypatch)
    with CaptureQueriesContext(connection) as rough:
        results = process_messages(batch(email(subject="Cinco"), email(subject="Isto quebra"), email(subject="Seis")))
    assert savepoints(smooth) <= 1  # the batch's own block, nested in the test's transaction
    assert savepoints(rough) >= 3 + savepoints(smooth)  # tried, rolled back, then one per email
    assert [r.outcome for r in results] == ["ticket_created", "quarantined", "ticket_created"]
    assert list(Ticket.objects.order_by("number").values_list("number", "subject")) == [
        (1, "Um"), (2, "Dois"), (3, "Três"), (4, "Quatro"), (5, "Cinco"), (6, "Seis"),
    ]  # fmt: skip


def claims(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "intake_inboundmail"')]


def test_a_batch_claims_its_emails_rows_in_one_statement(cast: Cast) -> None:
    seen, twice = email(message_id="<visto@mail.acme.example>"), email(subject="Dois")
    process_messages(batch(seen))
    sources = [Incoming(raw, NOW, "smtp", f"spool:{i}") for i, raw in enumerate([
        email(subject="Um"), seen, twice, twice, email(subject="Três"),
    ])]  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        results = process_messages(sources)
    assert [r.outcome for r in results] == [
        "ticket_created",
        "duplicate",
        "ticket_created",
        "duplicate",
        "ticket_created",
    ]
    assert [r.ticket for r in results] == [2, 1, 3, 3, 4]
    # One statement for the batch's rows, then one for each duplicate's own row.
    assert len(claims(queries)) == 1 + 2 and "VALUES (" in claims(queries)[0]
    assert sorted(InboundMail.objects.filter(source_id__startswith="spool:").values_list("source_id", flat=True)) == [
        f"spool:{i}" for i in range(5)
    ]
    firsts = InboundMail.objects.filter(pk__in=[results[0].mail_id, results[2].mail_id, results[4].mail_id])
    assert sorted(firsts.values_list("source_id", "ticket__number")) == [("spool:0", 2), ("spool:2", 3), ("spool:4", 4)]


def test_a_large_batch_is_claimed_a_statement_s_worth_at_a_time(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    from sladesk.intake import rows

    big = email(subject="Grande", body="x" * 5000)
    monkeypatch.setattr(rows, "CHUNK_ROWS", 3)
    monkeypatch.setattr(rows, "CHUNK_BYTES", len(big) * 5 // 2)  # two big ones to a statement
    raws = [email(subject="Um"), email(subject="Dois"), email(subject="Três"), big, big, big, big]
    statements: list[int] = []
    real = rows._insert_chunk
    monkeypatch.setattr(rows, "_insert_chunk", lambda chunk: statements.append(len(chunk)) or real(chunk))
    results = process_messages([Incoming(raw, NOW, "smtp", f"spool:{i}") for i, raw in enumerate(raws)])
    assert [r.outcome for r in results] == ["ticket_created"] * 4 + ["duplicate"] * 3
    assert statements == [3, 2, 2]
    assert InboundMail.objects.filter(source_id__startswith="spool:").count() == 7


def test_a_batch_writes_its_outcomes_together_and_whatever_reads_them_sees_them(cast: Cast) -> None:
    """The outcomes are written in one executemany, before anything reads the emails' table: a
    reply threaded by the Message-ID of a request earlier in the same batch finds its ticket."""
    process_messages(batch(email(subject="Um")))  # once ever: the counter's row, the policy's version
    request = email(subject="Impressora parou", message_id="<pedido@mail.acme.example>")
    reply = email(
        subject="Re: Impressora parou", body="Voltou a falhar.", headers={"In-Reply-To": "<pedido@mail.acme.example>"}
    )
    with CaptureQueriesContext(connection) as queries:
        results = process_messages(batch(email(subject="Dois"), request, reply, email(subject="Três")))
    assert [(r.outcome, r.ticket) for r in results] == [
        ("ticket_created", 2), ("ticket_created", 3), ("ticket_updated", 3), ("ticket_created", 4),
    ]  # fmt: skip
    updates = [q["sql"] for q in queries.captured_queries if 'UPDATE "intake_inboundmail"' in q["sql"]]
    if connection.vendor == "postgresql":  # each kept with its email's other writes (sql.writes_together)
        assert sum(u.count('UPDATE "intake_inboundmail"') for u in updates) == 4
        assert not any(" times:" in u for u in updates) and any(u.startswith("WITH") for u in updates)
    else:  # written before each read of the table (the threading, each acknowledgement's thread):
        # fewer statements than emails, every outcome once
        assert len(updates) < 4 and sum(int(u.split(" times:")[0]) for u in updates) == 4
    stored = InboundMail.objects.filter(pk__in=[r.mail_id for r in results]).order_by("pk")
    assert [(m.outcome, m.ticket.number if m.ticket else None) for m in stored] == [
        ("ticket_created", 2), ("ticket_created", 3), ("ticket_updated", 3), ("ticket_created", 4),
    ]  # fmt: skip


def test_a_batch_counts_its_own_automatic_replies_against_the_hourly_limit(cast: Cast) -> None:
    """The senders' automatic replies are read once for the batch and counted on as it schedules
    more: the limit holds within one batch as across batches, whatever the address's case."""
    limit = settings.AUTO_REPLIES_PER_HOUR
    first = process_messages(batch(email("Estranho@Gmail.example")))
    with CaptureQueriesContext(connection) as queries:
        results = process_messages(batch(*[email("estranho@gmail.EXAMPLE") for _ in range(limit + 2)]))
    assert [r.auto_reply for r in [*first, *results]] == [True] * limit + [False] * 3
    assert OutboxMessage.objects.filter(to="estranho@gmail.example", automatic=True).count() == limit
    counts = [
        q for q in queries.captured_queries if 'FROM "outbound_outboxmessage"' in q["sql"] and "COUNT" in q["sql"]
    ]
    assert len(counts) == 1  # once for the batch


def test_a_reply_whose_follow_up_is_refused_is_kept_on_its_ticket_and_the_batch_goes_on(cast: Cast) -> None:
    """A reply to a closed ticket from a Gestora who lost her seat: its follow-up is refused
    and the old ticket stays as it was, the message kept on it. (Written together, the batch
    gives the reply no savepoint of its own: the refusal sends the batch round again with one per
    email.) The batch's other emails end as they would alone."""
    [opened] = process_messages(batch(email(subject="Caixa trava")))
    ticket = Ticket.objects.get(number=opened.ticket)
    ticket = actions.do_resolve_ticket(ticket, cast.ana, "Corrigido.")
    ticket = actions.do_close_ticket(ticket, cast.ana)
    cast.alice.support_seat = False
    cast.alice.save()
    results = process_messages([
        Incoming(email("bea@beta.example", subject="Antes"), timezone.now()),
        Incoming(email(subject=f"Re: [#{ticket.number}] Caixa trava", body="Falhou de novo."), timezone.now()),
        Incoming(email("bea@beta.example", subject="Depois"), timezone.now()),
    ])  # fmt: skip
    assert [(r.outcome, r.reason) for r in results] == [
        ("ticket_created", None), ("rejected", "no_support_seat"), ("ticket_created", None),
    ]  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.status == "closed" and Ticket.objects.count() == 3
    kept = ticket.events.order_by("seq").last()
    assert kept is not None and kept.action == "customer_message_kept" and kept.message is not None
    assert kept.message.body.startswith("Falhou de novo.")


def test_a_database_that_is_away_leaves_nothing_of_the_batch(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    from sladesk.intake import process

    real = process.triage

    def locked_at_the_second(subject: str, *args: object, **kwargs: object) -> object:
        if subject == "Segundo":
            raise OperationalError("database is locked")
        return real(subject, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(process, "triage", locked_at_the_second)
    with pytest.raises(OperationalError):
        process_messages(batch(email(subject="Primeiro"), email(subject="Segundo")))
    assert not InboundMail.objects.exists() and not Ticket.objects.exists() and not Message.objects.exists()
    assert not TicketMetric.objects.exists()


def test_each_batch_meets_the_directory_as_it_is_then(cast: Cast) -> None:
    (refused,) = process_messages(batch(email(sender="bob@acme.example", subject="Pedido do Bob")))
    assert (refused.outcome, refused.reason) == ("rejected", "role_not_entitled")
    cast.bob.role, cast.bob.support_seat = "gestor", True
    cast.bob.save()
    (opened,) = process_messages(batch(email(sender="bob@acme.example", subject="Pedido do Bob")))
    assert opened.outcome == "ticket_created"
    cast.bob.is_active = False
    cast.bob.save()
    (again,) = process_messages(batch(email(sender="bob@acme.example", subject="Outro pedido do Bob")))
    assert (again.outcome, again.reason) == ("rejected", "inactive_person")


def test_a_new_person_is_a_candidate_for_the_affected_user_at_the_next_batch(cast: Cast) -> None:
    from sladesk.directory.models import Person

    text = "A vendedora Carla Nunes não consegue acessar o sistema, dá erro 500 no login."
    process_messages(batch(email(subject="Acesso da Carla", body=text)))
    assert Ticket.objects.get(number=1).affected_person is None  # nobody of that name yet
    carla = Person.objects.create(
        customer=cast.acme, name="Carla Nunes", email="carla@acme.example", role="vendedor", store=cast.bob.store
    )
    process_messages(batch(email(subject="Acesso da Carla", body=text)))
    assert Ticket.objects.get(number=2).affected_person == carla


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_write_that_fails_when_it_runs_is_one_emails_fault(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """On PostgreSQL an email's writes run together later (``sql.writes_together``): one that
    fails then, in the middle of the batch or at its end, still quarantines its own email only."""
    real = notices.email_requester

    def broken(ticket: Ticket, *args: object, **kwargs: object) -> object:
        done = real(ticket, *args, **kwargs)  # type: ignore[arg-type]
        if ticket.subject == "Isto quebra":  # the email's last write, which cannot be: its creation's seq again
            sql.insert([TicketEvent(ticket=ticket, at=NOW, seq=1, action="created", actor_label="x")])
        return done

    monkeypatch.setattr(notices, "email_requester", broken)
    subjects = ["Isto quebra", "Depois"] if where == "first" else ["Antes", "Isto quebra"]
    results = process_messages(batch(*[email(subject=s) for s in subjects]))
    outcomes = {s: (r.outcome, r.reason) for s, r in zip(subjects, results, strict=True)}
    assert outcomes.pop("Isto quebra") == ("quarantined", "processing_error")
    assert list(outcomes.values()) == [("ticket_created", None)]
    assert Ticket.objects.count() == 1 and InboundMail.objects.count() == 2
