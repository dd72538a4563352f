"""Batches of email, agents and the worker writing at the same moment, really at once (threads,
each on its own connection), on SQLite and on PostgreSQL: two batches that share emails and
answer the same tickets in opposite orders, two agents noting on those tickets, and the worker's
sweeps. Nothing is lost, doubled or refused (a batch the database refuses, two batches waiting
on each other, is tried again whole, as the spool's drain does): every email ends with one
outcome, each request opens one ticket, every note and every reply is on its ticket, and every
ticket's event log is whole."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from sladesk.intake.models import InboundMail
from sladesk.intake.process import Incoming, process_messages
from sladesk.tickets import actions, sweeps
from sladesk.tickets.models import Message, Ticket
from tests.intake.conftest import Cast, email
from tests.tickets.test_concurrency import assert_log_is_whole, at_once, failures

pytestmark = pytest.mark.django_db(transaction=True)
TICKETS = 6


def mid(name: str) -> str:
    return f"<{name}@mail.acme.example>"


def test_two_batches_two_agents_and_the_worker_at_once_lose_and_double_nothing(cast: Cast) -> None:
    now = timezone.now()
    opened = process_messages(
        [
            Incoming(email(subject=f"Pedido {i}", message_id=mid(f"p{i}")), now - timedelta(hours=1))
            for i in range(TICKETS)
        ]
    )
    tickets = [Ticket.objects.get(number=r.ticket) for r in opened]

    def reply(batch: str, i: int) -> bytes:
        return email(subject=f"Re: Pedido {i}", body=f"resposta {batch}{i}", message_id=mid(f"r{batch}{i}"),
                     headers={"In-Reply-To": mid(f"p{i}")})  # fmt: skip

    shared = [email(subject=f"Novo {k}", message_id=mid(f"n{k}")) for k in range(3)]  # in both batches
    first = [*(reply("a", i) for i in range(TICKETS)), *shared]
    second = [*(reply("b", i) for i in reversed(range(TICKETS))), *reversed(shared)]

    def ingest(raws: list[bytes], name: str) -> list[str]:
        batch = [Incoming(raw, now, "smtp", f"spool:{name}{k}") for k, raw in enumerate(raws)]
        for attempt in range(3):  # as the spool's drain: a batch the database refused, again whole
            try:
                return [r.outcome for r in process_messages(batch)]
            except OperationalError:  # PostgreSQL: the two batches waited on each other (a deadlock)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def note(agent: int) -> None:
        order = tickets if agent == 0 else list(reversed(tickets))
        for t in order:
            actions.do_add_note(t, cast.ana, f"nota {agent} em #{t.number}")

    def sweep() -> None:
        for _ in range(5):
            sweeps.sweep_deadlines(now + timedelta(days=30))
            sweeps.sweep_breaches(now + timedelta(days=30))

    work = [lambda: ingest(first, "a"), lambda: ingest(second, "b"), lambda: note(0), lambda: note(1), sweep]
    results = at_once(len(work), lambda i: work[i]())
    assert failures(results) == []

    outcomes = Counter(results[0]) + Counter(results[1])
    assert outcomes == {"ticket_updated": 2 * TICKETS, "ticket_created": 3, "duplicate": 3}
    assert InboundMail.objects.filter(source_id__startswith="spool:").count() == 2 * (TICKETS + 3)
    assert Ticket.objects.count() == TICKETS + 3  # each shared request opened once
    for t in tickets:
        inbound = set(t.messages.filter(kind=Message.Kind.INBOUND).values_list("body", flat=True))
        assert {f"resposta a{t.number - 1}", f"resposta b{t.number - 1}"} <= inbound
        assert t.messages.filter(kind=Message.Kind.NOTE).count() == 2
        assert_log_is_whole(t)
