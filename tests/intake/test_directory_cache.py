"""What the intake reads of the directory once per batch (``intake/directory_cache.py``): the
customers' candidates read for the whole batch in one query are what reading each customer alone
gives, capped per customer; the seat holders are read once per customer and batch."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sladesk.directory.models import Person
from sladesk.intake import directory_cache
from tests.intake.conftest import Cast

pytestmark = pytest.mark.django_db


def one_by_one(customers: list[int]) -> dict[int, list[object]]:
    directory_cache.begin()
    return {c: list(directory_cache.candidates(c)) for c in customers}


@pytest.mark.parametrize("cap", [2, 3, directory_cache.MAX_CANDIDATES])
def test_a_batch_reads_its_senders_customers_candidates_at_once_as_each_alone(
    cast: Cast, cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory_cache, "MAX_CANDIDATES", cap)
    Person.objects.filter(pk=cast.gina.pk).update(is_active=False)  # not a candidate
    customers = [cast.acme.pk, cast.beta.pk]
    alone = one_by_one(customers)
    directory_cache.begin()
    with CaptureQueriesContext(connection) as queries:
        directory_cache.read_senders(["alice@acme.example", "BEA@beta.example", "ninguem@x.example"])
        together = {c: list(directory_cache.candidates(c)) for c in customers}
    assert together == alone
    assert len(queries.captured_queries) == 2  # the senders, then every customer's candidates
    assert [len(v) for v in together.values()] == [min(cap, 3), min(cap, 1)]  # ACME: Alice, Bob, Gil; Beta: Bea
    assert "Gina" not in {c.name for c in together[cast.acme.pk]}  # type: ignore[attr-defined]


def test_seat_holders_are_read_once_per_customer_and_batch(cast: Cast) -> None:
    directory_cache.begin()
    with CaptureQueriesContext(connection) as queries:
        first = directory_cache.seat_holders(cast.acme.pk)
        again = directory_cache.seat_holders(cast.acme.pk)
    assert [p.name for p in first] == ["Alice"] and again == first and len(queries.captured_queries) == 1
    Person.objects.filter(pk=cast.gina.pk).update(support_seat=True)
    directory_cache.begin()  # the next batch sees the change
    assert [p.name for p in directory_cache.seat_holders(cast.acme.pk)] == ["Alice", "Gina"]


def test_each_thread_s_batch_keeps_what_it_read_when_another_begins(cast: Cast) -> None:
    """The listener's drain, the IMAP poller and the pipe may run batches at once: one's begin()
    does not empty what another is reading."""
    directory_cache.begin()
    directory_cache.read_senders(["alice@acme.example"])
    other = threading.Thread(target=directory_cache.begin)
    other.start()
    other.join()
    with CaptureQueriesContext(connection) as queries:
        assert directory_cache.sender("alice@acme.example") == cast.alice
        assert [c.name for c in directory_cache.candidates(cast.acme.pk)] == ["Alice", "Bob", "Gil", "Gina"]
    assert queries.captured_queries == []  # still this batch's reading
