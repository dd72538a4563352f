"""do_import_directory writes in bulk: a few statements per chunk of rows, none per row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sladesk.directory import actions
from sladesk.directory.models import Customer, Partner, Person
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
    import_files,
    people,
    person,
    snapshot,
)

pytestmark = pytest.mark.django_db


def crowd(code: str, n: int, phone: str = "+55 51 9") -> list[str]:
    """A gestor, a gerente managed by the gestor and n - 2 vendedores in 5 stores managed by the gerente."""
    gestor, gerente = f"gestor@{code}.example", f"gerente@{code}.example"
    return [
        f"{code},,Gestor,{gestor},,gestor,sim,",
        f"{code},Loja 0,Gerente,{gerente},,gerente,não,{gestor}",
        *(
            f"{code},Loja {i % 5},Vendedor {i},v{i}@{code}.example,{phone}{i:07d},vendedor,não,{gerente}"
            for i in range(n - 2)
        ),
    ]


SIZES = (("loja-300", 300), ("loja-600", 600))


def queries(*paths: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        import_files(*paths)
    return len(captured)


@pytest.fixture
def one_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions, "CHUNK", 1000)  # 300 or 600 people: one chunk


def test_it_creates_and_updates_300_or_600_people_in_the_same_number_of_queries(one_chunk: None) -> None:
    created = [queries(contracts(AURORA.replace("lojas-aurora", code)), people(*crowd(code, n))) for code, n in SIZES]
    # everyone's phone changes, and the last 10 are missing: deactivated
    updated = [queries(people(*crowd(code, n, phone="+55 11 8")[:-10])) for code, n in SIZES]
    assert Person.objects.filter(is_active=True).count() == 300 + 600 - 20
    assert created[0] == created[1] <= 16
    assert updated[0] == updated[1] <= 16


def test_it_adds_a_few_queries_per_chunk_not_per_person(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(actions, "CHUNK", 50)
    small = queries(contracts(AURORA.replace("lojas-aurora", "a")), people(*crowd("a", 100)))
    large = queries(contracts(AURORA.replace("lojas-aurora", "b")), people(*crowd("b", 400)))
    assert large - small < 300 // 10  # 300 more people, 6 more chunks of 50


# The same directory whatever the chunks ------------------------------------------------------

# Erica and Fabio manage each other: neither can be written first with the other's key.
ERICA = "lojas-aurora,Centro,Erica Esteves,erica@aurora.example,,gerente,não,fabio@aurora.example"
FABIO = "lojas-aurora,Centro,Fabio Freitas,fabio@aurora.example,,gerente,não,erica@aurora.example"
HELENA = "moveis-do-sul,Caxias,Helena Hahn,helena@moveisdosul.example,,vendedor,não,igor@moveisdosul.example"


def story() -> dict[str, object]:
    """Two imports: people listed before their managers, a circle of managers; then moves,
    a new person managed by one created the first time, and Dora missing."""
    import_files(contracts(AURORA, MOVEIS), people(BOB, CAROL, ERICA, FABIO, ALICE, DORA, IGOR, GABRIELA))
    moved = BOB.replace("Centro", "Shopping").replace("carol@", "erica@")
    import_files(people(HELENA, moved, CAROL.replace(",,", ",+55 51 3333-0000,"), ALICE, ERICA, FABIO, GABRIELA, IGOR))
    return snapshot()


def forget_everything() -> None:
    Customer.objects.all().delete()  # contracts, stores and people with them
    Partner.objects.all().delete()


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_it_writes_the_same_directory_in_chunks_of_any_size(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = story()
    forget_everything()
    monkeypatch.setattr(actions, "CHUNK", chunk)
    assert story() == expected
    bob, erica = person("bob@aurora.example"), person("erica@aurora.example")
    helena = person("helena@moveisdosul.example")
    assert (bob.store and bob.store.name, bob.manager and bob.manager.email) == ("Shopping", "erica@aurora.example")
    assert erica.manager is not None and erica.manager.email == "fabio@aurora.example"
    assert helena.manager is not None and helena.manager.email == "igor@moveisdosul.example"
    assert not person("dora@aurora.example").is_active
    assert person("carol@aurora.example").phone_digits == "555133330000"


def test_it_writes_and_rewrites_a_name_with_quotes_commas_braces_and_a_backslash_as_it_is() -> None:
    odd = 'D\'Ávila, "Dedé" {NULL} \\ ção'
    quoted = '"' + odd.replace('"', '""') + '"'
    import_files(contracts(AURORA), people(ALICE.replace("Alice Andrade", quoted), DORA))
    assert person("alice@aurora.example").name == odd
    import_files(people(ALICE, DORA.replace("Dora Dias", quoted)))
    assert (person("alice@aurora.example").name, person("dora@aurora.example").name) == ("Alice Andrade", odd)


@pytest.mark.django_db(transaction=True)
def test_a_large_import_on_postgresql_vacuums_the_people_table_after_it_commits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """So that a customer's people are counted and paged by index-only scans at once (a server
    may run without autovacuum). SQLite has nothing to do."""
    monkeypatch.setattr(actions, "ANALYZE_AFTER", 20)
    with CaptureQueriesContext(connection) as captured:
        import_files(contracts(AURORA), people(*crowd("lojas-aurora", 25)))
    vacuums = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("VACUUM")]
    assert vacuums == (['VACUUM "directory_person"'] if connection.vendor == "postgresql" else [])
    assert Person.objects.count() == 25
    with CaptureQueriesContext(connection) as captured:
        import_files(contracts(AURORA), people(*crowd("lojas-aurora", 25)))  # nothing changes: no vacuum
    assert not [q for q in captured.captured_queries if q["sql"].startswith("VACUUM")]
