"""Writing the directory as CSV files, and reading them back into an empty database."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sladesk.directory.exporter import export_directory
from sladesk.directory.models import Contract, Customer, Partner, Person, Store
from tests.directory.conftest import (
    ALICE,
    AURORA,
    BOB,
    CAROL,
    DORA,
    EXAMPLES,
    GABRIELA,
    IGOR,
    MOVEIS,
    contracts,
    import_files,
    people,
    snapshot,
)

pytestmark = pytest.mark.django_db


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def empty_the_directory() -> None:
    Person.objects.update(manager=None)
    for model in (Person, Store, Contract, Customer, Partner):
        model.objects.all().delete()


def test_it_writes_the_example_files_back_byte_for_byte(tmp_path: Path) -> None:
    import_files(EXAMPLES / "contracts.csv", EXAMPLES / "people.csv")
    summary = export_directory(tmp_path / "out")
    assert (summary.customers, summary.people, summary.skipped) == (2, 9, [])
    # the same bytes, but the phones: "+55 51 ..." would be a formula to a spreadsheet
    assert (tmp_path / "out" / "contracts.csv").read_bytes() == (EXAMPLES / "contracts.csv").read_bytes()
    example = (EXAMPLES / "people.csv").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "people.csv").read_text(encoding="utf-8") == example.replace(",+55", ",'+55")


def test_it_writes_yes_no_as_sim_nao_and_platforms_joined_by_semicolons(tmp_path: Path) -> None:
    import_files(contracts(AURORA.replace(",sim,não,sim,", ",yes,0,TRUE,")), people(ALICE.replace(",sim,", ",1,")))
    export_directory(tmp_path)
    assert lines(tmp_path / "contracts.csv")[1] == (
        "lojas-aurora,Lojas Aurora Ltda.,self_service,,2,oto;context,sim,não,sim,2026-01-01,"
    )
    assert lines(tmp_path / "people.csv")[1].endswith(",gestor,sim,")


def test_it_writes_active_people_only_and_no_manager_who_left(tmp_path: Path) -> None:
    import_files(contracts(AURORA), people(ALICE, DORA, CAROL, BOB))
    import_files(people(DORA, CAROL.replace("alice@aurora.example", "dora@aurora.example"), BOB))
    Person.objects.filter(email="carol@aurora.example").update(manager=Person.objects.get(email="alice@aurora.example"))
    export_directory(tmp_path)
    rows = lines(tmp_path / "people.csv")
    assert not any("alice@aurora.example" in row for row in rows)
    assert "lojas-aurora,Centro,Carol Costa,carol@aurora.example,,gerente,não," in rows


def test_it_reproduces_the_directory_when_its_export_is_imported_into_an_empty_database(tmp_path: Path) -> None:
    managed = IGOR.replace("não,", "não,gabriela@moveisdosul.example")
    import_files(contracts(AURORA, MOVEIS), people(ALICE, DORA, CAROL, BOB, GABRIELA, managed))
    import_files(people(ALICE, CAROL, BOB.replace("Centro", "Shopping")))  # Dora leaves, Bob moves
    before = snapshot()
    export_directory(tmp_path)
    empty_the_directory()
    assert snapshot() == {"contracts": {}, "people": {}}
    report = import_files(tmp_path / "contracts.csv", tmp_path / "people.csv")
    assert (report.customers.created, report.people.created) == (2, 5)
    assert snapshot() == before


def test_it_exports_what_it_imported_unchanged_when_imported_again(tmp_path: Path) -> None:
    import_files(contracts(AURORA, MOVEIS), people(ALICE, CAROL, BOB, GABRIELA, IGOR))
    export_directory(tmp_path)
    report = import_files(tmp_path / "contracts.csv", tmp_path / "people.csv")
    assert not report.changed


def test_it_skips_a_customer_without_a_contract_and_says_so(tmp_path: Path) -> None:
    import_files(contracts(AURORA), people(ALICE))
    Customer.objects.create(code="demo-sem-contrato", name="Demo")
    summary = export_directory(tmp_path)
    assert (summary.customers, summary.skipped) == (1, ["demo-sem-contrato"])
    assert len(lines(tmp_path / "contracts.csv")) == 2


def test_it_writes_headers_even_for_an_empty_directory(tmp_path: Path) -> None:
    export_directory(tmp_path / "new" / "dir")
    assert lines(tmp_path / "new" / "dir" / "contracts.csv") == [
        "customer,customer_name,model,partner,support_seats,platforms,csm,partner_hours,training,starts_on,ends_on"
    ]
    assert lines(tmp_path / "new" / "dir" / "people.csv") == [
        "customer,store,name,email,phone,role,support_seat,manager_email"
    ]


def test_it_quotes_a_name_with_a_comma(tmp_path: Path) -> None:
    import_files(contracts(AURORA.replace("Lojas Aurora Ltda.", '"Aurora, Lojas e Cia."')))
    export_directory(tmp_path)
    assert lines(tmp_path / "contracts.csv")[1].startswith('lojas-aurora,"Aurora, Lojas e Cia.",')


def test_it_reads_the_database_a_fixed_number_of_times(tmp_path: Path, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    rows = [CAROL.replace("carol@", f"carol{i}@").replace("Centro", f"Loja {i}") for i in range(40)]
    import_files(contracts(AURORA, MOVEIS), people(ALICE, *rows, GABRIELA, IGOR))
    with django_assert_num_queries(3):
        summary = export_directory(tmp_path)
    assert summary.people == 43


# Cells a spreadsheet would run ---------------------------------------------------------------

FORMULAS = {
    "name": "=cmd|' /C calc'!A0",
    "store": "@SUM(1+1)",
    "phone": "+1 555 0100",
    "customer_name": "-2+3",
}


def formula_files() -> tuple[str, str]:
    aurora = AURORA.replace("Lojas Aurora Ltda.", FORMULAS["customer_name"])
    alice = ALICE.replace("Alice Andrade", '"' + FORMULAS["name"].replace('"', '""') + '"')
    bob = BOB.replace("Centro", FORMULAS["store"]).replace("+55 51 99999-0002", FORMULAS["phone"])
    carol = CAROL.replace("Centro", FORMULAS["store"]).replace(
        "Carol Costa", "''=already quoted"
    )  # read as '=already quoted
    return contracts(aurora), people(alice, carol, bob)


def test_it_writes_a_cell_a_spreadsheet_would_run_behind_a_quote(tmp_path: Path) -> None:
    import_files(*formula_files())
    export_directory(tmp_path)
    with (tmp_path / "people.csv").open(encoding="utf-8", newline="") as f:
        rows = {row["email"]: row for row in csv.DictReader(f)}
    with (tmp_path / "contracts.csv").open(encoding="utf-8", newline="") as f:
        (contract,) = csv.DictReader(f)
    assert contract["customer_name"] == "'-2+3"
    assert rows["alice@aurora.example"]["name"] == "'=cmd|' /C calc'!A0"
    assert rows["bob@aurora.example"]["store"] == "'@SUM(1+1)"
    assert rows["bob@aurora.example"]["phone"] == "'+1 555 0100"
    assert rows["carol@aurora.example"]["name"] == "''=already quoted"  # so that reading it back gives "'=..."
    assert contract["starts_on"] == "2026-01-01" and rows["alice@aurora.example"]["email"] == "alice@aurora.example"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows.values() for cell in row.values())


def test_an_export_with_formulas_imported_again_changes_nothing(tmp_path: Path) -> None:
    import_files(*formula_files())
    before = snapshot()
    assert person_name("alice@aurora.example") == FORMULAS["name"]
    assert person_name("carol@aurora.example") == "'=already quoted"
    export_directory(tmp_path)
    report = import_files(tmp_path / "contracts.csv", tmp_path / "people.csv")
    assert not report.changed
    assert snapshot() == before
    empty_the_directory()
    import_files(tmp_path / "contracts.csv", tmp_path / "people.csv")
    assert snapshot() == before


def person_name(email: str) -> str:
    return Person.objects.get(email=email).name
