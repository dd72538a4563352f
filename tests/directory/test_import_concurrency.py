"""Two imports at the same time, each in its own thread and connection (a real transaction each):
one waits for the other, and the directory ends as if they had run one after the other."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from sladesk.directory.actions import ImportOutcome, do_import_directory
from sladesk.directory.audit import receive_files
from sladesk.directory.models import Customer, ImportRun, Partner
from tests.directory.conftest import (
    ALICE,
    AURORA,
    BOB,
    CAROL,
    DORA,
    GABRIELA,
    IGOR,
    MOVEIS,
    contracts,
    people,
    snapshot,
)

pytestmark = pytest.mark.django_db(transaction=True)


def sellers(store: str, manager: str, n: int) -> list[str]:
    tag = store.lower()
    return [
        f"lojas-aurora,{store},Vendedor {tag} {i},{tag}{i}@aurora.example,,vendedor,não,{manager}" for i in range(n)
    ]


def first_files() -> list[str]:
    """Lojas Aurora with its Centro store; a people file for Lojas Aurora only."""
    rows = [ALICE, DORA, CAROL, BOB, *sellers("Centro", "carol@aurora.example", 500)]
    return [contracts(AURORA, name="a-contracts.csv"), people(*rows, name="a-people.csv")]


def second_files() -> list[str]:
    """Lojas Aurora again (3 seats) and Móveis do Sul; other people, some in the same stores."""
    rows = [ALICE, CAROL, GABRIELA, IGOR, *sellers("Shopping", "alice@aurora.example", 500)]
    seats = AURORA.replace(",2,", ",3,")
    return [contracts(seats, MOVEIS, name="b-contracts.csv"), people(*rows, name="b-people.csv")]


def together(*calls: list[str]) -> list[ImportOutcome | BaseException]:
    """Start the imports at the same instant, each on its own connection; their outcomes."""
    start = threading.Barrier(len(calls))
    outcomes: list[ImportOutcome | BaseException] = [RuntimeError("did not run")] * len(calls)

    def run(i: int, files: list[str]) -> None:
        try:
            received = receive_files(files)
            start.wait(timeout=30)
            outcomes[i] = do_import_directory(received)
        except BaseException as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, files)) for i, files in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def one_after_the_other(*calls: list[str]) -> dict[str, object]:
    Customer.objects.all().delete()
    Partner.objects.all().delete()
    for files in calls:
        outcome = do_import_directory(receive_files(files))
        assert outcome.problems == []
    return snapshot()


def test_it_runs_two_imports_at_once_one_after_the_other() -> None:
    a, b = first_files(), second_files()
    outcomes = together(a, b)
    assert [type(o).__name__ for o in outcomes] == ["ImportOutcome", "ImportOutcome"], outcomes
    assert [o.run.outcome for o in outcomes if isinstance(o, ImportOutcome)] == ["imported", "imported"]
    assert [o.problems for o in outcomes if isinstance(o, ImportOutcome)] == [[], []]
    final = snapshot()
    a_then_b, b_then_a = one_after_the_other(a, b), one_after_the_other(b, a)
    assert a_then_b != b_then_a  # the order shows in the result
    assert final in (a_then_b, b_then_a)
    assert ImportRun.objects.filter(outcome="imported").count() == 6
