"""``sladesk.sql``: a prepared query gives what its queryset gives (instances, related objects,
converted values), with new values each call; the writes store what ``save`` would."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from sladesk import sql
from sladesk.directory.models import Person
from sladesk.tickets.actions import do_add_note
from sladesk.tickets.models import Message, Ticket, TicketEvent, TicketMetric
from tests.tickets.conftest import Cast, at

pytestmark = pytest.mark.django_db(transaction=True)

BY_PK = sql.Prepared(
    lambda pk: Ticket.objects.select_related("customer", "requester", "policy_version").filter(pk=pk), pk=int
)
EVENTS_SINCE = sql.Prepared(
    lambda ticket, since: TicketEvent.objects.filter(ticket_id=ticket, at__gte=since).order_by("seq"),
    ticket=int,
    since=datetime,
)


def _fields(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]


def _same(prepared: list[object], queryset: QuerySet[object]) -> None:
    expected = list(queryset)
    assert [_fields(o) for o in prepared] == [_fields(o) for o in expected]


def test_a_prepared_query_gives_the_querysets_instances_with_related_objects(cast: Cast) -> None:
    tickets = [cast.ticket(subject=f"Erro {n}", when=f"2027-03-0{n} 10:00") for n in (1, 2, 3)]
    for t in tickets:  # a new value each call, the same SQL
        found = BY_PK.first(pk=t.pk)
        assert found is not None and found.pk == t.pk and found.subject == t.subject
        _same([found], Ticket.objects.filter(pk=t.pk))
        with CaptureQueriesContext(connection) as queries:  # customer, requester, version: joined, not asked again
            assert (found.customer.code, found.requester.email) == ("acme", cast.alice.email)
            assert found.policy_version.sha256 == t.policy_version.sha256
        assert len(queries) == 0
    assert BY_PK.first(pk=10**9) is None


def test_instants_are_parameters_converted_both_ways(cast: Cast) -> None:
    t = cast.ticket(when="2027-03-01 09:00")
    for minutes in (0, 30):
        t = Ticket.objects.get(pk=t.pk)
        do_add_note(t, cast.ana, f"nota {minutes}", now=at("2027-03-01 10:00") + timedelta(minutes=minutes))
    since = at("2027-03-01 10:15")
    found = EVENTS_SINCE.all(ticket=t.pk, since=since)
    _same(found, TicketEvent.objects.filter(ticket_id=t.pk, at__gte=since).order_by("seq"))
    assert found and {e.at for e in found} == {at("2027-03-01 10:30")}  # the 10:00 note is left out
    assert "note" in [e.action for e in found] and found[0].at.tzinfo is not None
    assert isinstance(found[0].after, dict)  # JSON decoded as the queryset decodes it


def test_a_value_that_does_not_reach_the_sql_as_a_parameter_is_refused(db: None) -> None:
    odd = sql.Prepared(lambda email: Person.objects.filter(email__icontains=email), email=str)
    with pytest.raises(ValueError, match="did not reach the SQL"):
        odd.all(email="x")


def test_a_locking_query_needs_a_transaction_as_select_for_update_does(cast: Cast) -> None:
    t = cast.ticket()
    locking = sql.Prepared(lambda pk: Ticket.objects.select_for_update().filter(pk=pk), pk=int)
    with transaction.atomic():
        assert locking.first(pk=t.pk) is not None
    if connection.features.has_select_for_update:
        with pytest.raises(TransactionManagementError):
            locking.first(pk=t.pk)


def test_each_thread_runs_it_on_its_own_connection(cast: Cast) -> None:
    tickets = [cast.ticket(subject=f"Erro {n}") for n in range(4)]
    found: dict[int, str] = {}
    failures: list[BaseException] = []

    def look(pk: int) -> None:
        try:
            ticket = BY_PK.first(pk=pk)
            assert ticket is not None
            found[pk] = ticket.subject
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=look, args=(t.pk,)) for t in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert found == {t.pk: t.subject for t in tickets}


def test_writes_store_what_save_would(cast: Cast) -> None:
    t = cast.ticket()
    mine = [Message(ticket=t, kind="note", body=f"nota {n}", created_at=at("2027-03-01 10:00")) for n in range(3)]
    sql.insert(mine)
    assert all(m.pk is not None and not m._state.adding for m in mine)
    stored = {m.pk: m.body for m in Message.objects.filter(pk__in=[m.pk for m in mine])}
    assert stored == {m.pk: m.body for m in mine}

    before = Ticket.objects.get(pk=t.pk)
    t.subject, t.priority = "Outro assunto", "P2"
    sql.update(t, ["subject", "priority", "updated_at"])
    after = Ticket.objects.get(pk=t.pk)
    assert (after.subject, after.priority) == ("Outro assunto", "P2")
    assert after.updated_at > before.updated_at  # auto_now, as save(update_fields=...) does
    assert after.description == before.description  # nothing else written

    metrics = list(TicketMetric.objects.filter(ticket=t).order_by("name"))
    for m in metrics:
        m.elapsed_s += 60
    sql.update_many(metrics, ["elapsed_s"])
    assert [m.elapsed_s for m in TicketMetric.objects.filter(ticket=t).order_by("name")] == [
        m.elapsed_s for m in metrics
    ]
