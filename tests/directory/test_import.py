"""Reading directory CSV files (importer) and applying them (do_import_directory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sladesk.directory import actions
from sladesk.directory.actions import do_import_directory
from sladesk.directory.audit import receive_files
from sladesk.directory.entitlement import ENTITLED, INACTIVE, NO_SEAT, NOT_A_GESTOR, check
from sladesk.directory.fields import CONTRACT_COLUMNS, PEOPLE_COLUMNS
from sladesk.directory.importer import check_import, parse_files
from sladesk.directory.models import Contract, Customer, ImportRun, Partner, Person, Store
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
    person,
    problems,
    snapshot,
    write,
)

pytestmark = pytest.mark.django_db


# Creating and updating -----------------------------------------------------------------------


def test_it_creates_customers_contracts_stores_and_people_from_the_examples() -> None:
    report = import_files(EXAMPLES / "contracts.csv", EXAMPLES / "people.csv")
    assert report.lines() == [
        "customers: 2 created, 0 updated, 0 unchanged",
        "people: 9 created, 0 updated, 0 deactivated, 0 unchanged",
        "stores: 3 created",
        "partners: 1 created",
        "moves: 0 person(s) to another customer",
    ]
    moveis = Contract.objects.select_related("partner").get(customer__code="moveis-do-sul")
    assert (moveis.model, moveis.partner.name if moveis.partner else None) == ("partner", "Parceira TechRS")
    assert moveis.extras == {"partner_hours"}
    bob = person("bob@aurora.example")
    assert (bob.role, bob.store.name if bob.store else None) == ("vendedor", "Centro")
    assert bob.manager is not None and bob.manager.email == "carol@aurora.example"
    assert bob.phone_digits == "5551999990002"


def test_it_lets_only_alice_the_gestor_with_a_seat_ask_for_support() -> None:
    import_files(contracts(AURORA), people(ALICE, DORA, CAROL, BOB))
    assert check(email="ALICE@aurora.example").reason == ENTITLED
    assert check(email="dora@aurora.example").reason == NO_SEAT
    assert check(email="bob@aurora.example").reason == NOT_A_GESTOR


def test_it_changes_nothing_when_the_same_files_are_imported_again() -> None:
    files = (contracts(AURORA, MOVEIS), people(ALICE, DORA, CAROL, BOB, GABRIELA, IGOR))
    import_files(*files)
    before = snapshot(), list(Person.objects.values_list("pk", flat=True).order_by("pk"))
    report = import_files(*files)
    assert report.lines() == [
        "customers: 0 created, 0 updated, 2 unchanged",
        "people: 0 created, 0 updated, 0 deactivated, 6 unchanged",
        "stores: 0 created",
        "partners: 0 created",
        "moves: 0 person(s) to another customer",
    ]
    assert not report.changed
    assert (snapshot(), list(Person.objects.values_list("pk", flat=True).order_by("pk"))) == before


def test_it_finds_bob_by_email_whatever_its_case_and_moves_him_to_another_store() -> None:
    import_files(contracts(AURORA), people(ALICE, CAROL, BOB))
    bob_pk = person("bob@aurora.example").pk
    moved = "lojas-aurora,Shopping,Bob Barros,BOB@Aurora.Example,+55 51 99999-0002,vendedor,não,carol@aurora.example"
    report = import_files(people(ALICE, CAROL, moved))
    assert (report.people.updated, report.people.unchanged, report.stores_created) == (1, 2, 1)
    bob = person("bob@aurora.example")
    assert (bob.pk, bob.store.name if bob.store else None) == (bob_pk, "Shopping")


def test_it_updates_a_customer_found_by_code() -> None:
    import_files(contracts(AURORA))
    renamed = AURORA.replace("Lojas Aurora Ltda.", "Aurora Varejo S.A.").replace(",2,", ",3,")
    report = import_files(contracts(renamed))
    assert (report.customers.created, report.customers.updated) == (0, 1)
    customer = Customer.objects.select_related("contract").get(code="lojas-aurora")
    assert (customer.name, customer.contract.support_seats, Customer.objects.count()) == ("Aurora Varejo S.A.", 3, 1)


def test_it_deactivates_alice_when_she_is_missing_from_the_new_people_file_and_takes_her_seat() -> None:
    import_files(contracts(AURORA), people(ALICE, DORA, CAROL, BOB))
    report = import_files(people(DORA, CAROL.replace("alice@aurora.example", ""), BOB))
    assert (report.people.deactivated, report.people.updated, report.people.unchanged) == (1, 1, 2)
    alice = person("alice@aurora.example")
    assert (alice.is_active, alice.support_seat) == (False, False)
    assert check(email="alice@aurora.example").reason == INACTIVE


def test_it_reactivates_alice_when_she_comes_back() -> None:
    import_files(contracts(AURORA), people(ALICE, DORA))
    import_files(people(DORA))
    report = import_files(people(ALICE, DORA))
    assert (report.people.updated, report.people.created) == (1, 0)
    assert check(email="alice@aurora.example").reason == ENTITLED


def test_it_deactivates_the_people_of_a_customer_in_the_contracts_file_but_not_in_the_people_file() -> None:
    import_files(contracts(AURORA, MOVEIS), people(ALICE, GABRIELA, IGOR))
    report = import_files(contracts(AURORA, MOVEIS), people(ALICE))
    assert report.people.deactivated == 2
    assert list(Person.objects.filter(is_active=True).values_list("email", flat=True)) == ["alice@aurora.example"]


def test_it_leaves_people_alone_when_only_contracts_are_imported() -> None:
    import_files(contracts(AURORA), people(ALICE, BOB, CAROL))
    report = import_files(contracts(AURORA.replace(",sim,não,sim,", ",não,não,não,")))
    assert (report.customers.updated, report.people.deactivated) == (1, 0)
    assert Person.objects.filter(is_active=True).count() == 3


def test_it_accepts_people_of_a_customer_already_in_the_database() -> None:
    import_files(contracts(AURORA))
    report = import_files(people(ALICE, DORA))
    assert report.people.created == 2
    assert person("dora@aurora.example").customer.code == "lojas-aurora"


def test_it_refuses_a_manager_of_another_customer_in_the_database() -> None:
    import_files(contracts(AURORA, MOVEIS), people(ALICE, GABRIELA))
    assert problems(people(GABRIELA, IGOR.replace("não,", "não,alice@aurora.example"))) == [
        "people.csv:3: manager_email: 'alice@aurora.example' is a person of customer 'lojas-aurora', "
        "not of 'moveis-do-sul' (a manager is of the same one)"
    ]
    assert not Person.objects.filter(email="igor@moveisdosul.example").exists()


def test_it_refuses_a_manager_of_another_customer_in_the_same_files() -> None:
    found = problems(
        contracts(AURORA, MOVEIS), people(ALICE, GABRIELA, IGOR.replace("não,", "não,alice@aurora.example"))
    )
    assert found == [
        "people.csv:4: manager_email: 'alice@aurora.example' is a person of customer 'lojas-aurora', "
        "not of 'moveis-do-sul' (a manager is of the same one)"
    ]
    assert ImportRun.objects.get().problems == found


def test_it_clears_a_manager_left_empty() -> None:
    import_files(contracts(AURORA), people(ALICE, CAROL, BOB))
    import_files(people(ALICE, CAROL, BOB.replace("carol@aurora.example", "")))
    assert person("bob@aurora.example").manager is None


def test_it_creates_a_partner_once_whatever_the_case_of_its_name() -> None:
    other = MOVEIS.replace("moveis-do-sul", "casa-gaucha").replace("Parceira TechRS", "PARCEIRA techrs")
    report = import_files(contracts(MOVEIS, other))
    assert (report.partners_created, Partner.objects.count()) == (1, 1)
    assert Contract.objects.filter(partner__name="Parceira TechRS").count() == 2


def test_it_drops_the_partner_when_a_contract_becomes_self_service() -> None:
    import_files(contracts(MOVEIS))
    import_files(contracts(MOVEIS.replace("partner,Parceira TechRS", "self_service,")))
    contract = Contract.objects.get(customer__code="moveis-do-sul")
    assert (contract.model, contract.partner) == ("self_service", None)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        *[("sim", True), ("SIM", True), ("yes", True), ("True", True), ("1", True)],
        *[("não", False), ("NÃO", False), ("nao", False), ("No", False), ("false", False), ("0", False), ("", False)],
    ],
)
def test_it_reads_every_yes_no_spelling(cell: str, expected: bool) -> None:
    import_files(contracts(AURORA.replace(",sim,não,sim,", f",{cell},não,sim,")))
    assert Contract.objects.get().csm is expected


@pytest.mark.parametrize(("cell", "oto", "context"), [("oto", True, False), ("Context", False, True)])
def test_it_reads_one_platform(cell: str, oto: bool, context: bool) -> None:
    import_files(contracts(AURORA.replace("oto;context", cell)))
    assert Contract.objects.get().platforms == [name for name, on in (("oto", oto), ("context", context)) if on]


def test_it_reads_both_platforms_in_either_order() -> None:
    import_files(contracts(AURORA.replace("oto;context", "context; oto")))
    assert Contract.objects.get().platforms == ["oto", "context"]


def test_it_reads_a_spreadsheet_export_with_bom_crlf_blank_lines_and_columns_in_another_order() -> None:
    header = ",".join(reversed(PEOPLE_COLUMNS))
    rows = [",".join(reversed(ALICE.split(","))), "", ",,,,,,,", ",".join(reversed(DORA.split(",")))]
    Path("people.csv").write_bytes(("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode())
    import_files(contracts(AURORA), "people.csv")
    alice = person("alice@aurora.example")
    assert (alice.name, alice.support_seat, Person.objects.count()) == ("Alice Andrade", True, 2)


def test_it_reads_a_quoted_name_with_a_comma() -> None:
    import_files(contracts(AURORA.replace("Lojas Aurora Ltda.", '"Aurora, Lojas e Cia."')))
    assert Customer.objects.get().name == "Aurora, Lojas e Cia."


def test_it_counts_but_writes_nothing_on_a_dry_run() -> None:
    report = import_files(contracts(AURORA, MOVEIS), people(ALICE, CAROL, BOB, GABRIELA), dry_run=True)
    assert report.lines() == [
        "customers: 2 created, 0 updated, 0 unchanged",
        "people: 4 created, 0 updated, 0 deactivated, 0 unchanged",
        "stores: 1 created",
        "partners: 1 created",
        "moves: 0 person(s) to another customer",
    ]
    assert (Customer.objects.count(), Person.objects.count(), Store.objects.count(), Partner.objects.count()) == (
        0,
        0,
        0,
        0,
    )


def test_it_says_on_a_dry_run_who_would_be_deactivated() -> None:
    import_files(contracts(AURORA), people(ALICE, DORA))
    report = import_files(people(DORA), dry_run=True)
    assert report.people.deactivated == 1
    assert person("alice@aurora.example").is_active


def test_it_writes_nothing_when_a_write_fails_half_way(monkeypatch: pytest.MonkeyPatch) -> None:
    save_people = actions._save_people

    def broken(*args: object) -> None:
        save_people(*args)  # type: ignore[arg-type]
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "_save_people", broken)
    received = receive_files([contracts(AURORA), people(ALICE, CAROL, BOB)])
    with pytest.raises(RuntimeError, match="disk full"):
        do_import_directory(received)
    assert (Customer.objects.count(), Person.objects.count(), Store.objects.count()) == (0, 0, 0)


def test_it_records_an_import_with_problems_as_rejected_and_writes_nothing_else() -> None:
    outcome = do_import_directory(receive_files([contracts(AURORA), people(ALICE.replace("gestor", "diretor"))]))
    assert outcome.report is None
    assert (outcome.run.outcome, outcome.run.problems) == (
        "rejected",
        ["people.csv:2: role: 'diretor' is not one of vendedor, gerente, gestor"],
    )
    assert (Customer.objects.count(), ImportRun.objects.count()) == (0, 1)


# Problems, each named by file, line and column ------------------------------------------------

DAN = "lojas-aurora,Centro,Dan Duarte,dan@aurora.example,,{role},{seat},"
ROW_PROBLEMS = [
    (
        [ALICE, DAN.format(role="diretor", seat="não")],
        "people.csv:3: role: 'diretor' is not one of vendedor, gerente, gestor",
    ),
    (
        [ALICE, DORA.replace("não", "sim"), DAN.format(role="gestor", seat="sim")],
        "people.csv:4: support_seat: customer 'lojas-aurora' has 3 seat holders (lines 2, 3, 4) "
        "but its contract has 2 support seats",
    ),
    (
        [BOB.replace("não", "sim").replace("carol@aurora.example", "")],
        "people.csv:2: support_seat: only a gestor may hold a support seat (this person is a vendedor)",
    ),
    (
        [ALICE, DORA.replace("dora@aurora.example", "ALICE@aurora.example")],
        "people.csv:3: email: 'alice@aurora.example' is already used on people.csv:2",
    ),
    (
        [ALICE.replace("lojas-aurora", "lojas-boreal")],
        "people.csv:2: customer: unknown customer 'lojas-boreal' "
        "(not in the contracts files given nor in the database)",
    ),
    ([ALICE.replace("alice@aurora.example", "alice@")], "people.csv:2: email: 'alice@' is not a valid email address"),
    ([ALICE.replace("alice@aurora.example", "")], "people.csv:2: email: is required"),
    ([ALICE.replace("Alice Andrade", "")], "people.csv:2: name: is required"),
    ([ALICE, CAROL, BOB.replace("Centro", "")], "people.csv:4: store: is required for a vendedor"),
    ([ALICE, CAROL.replace("Centro", "")], "people.csv:3: store: is required for a gerente"),
    (
        [ALICE.replace("sim", "talvez")],
        "people.csv:2: support_seat: 'talvez' is not a yes/no value (sim, não, yes, no, true, false, 1, 0)",
    ),
    (
        [ALICE, CAROL, BOB.replace("carol@aurora.example", "caroline@aurora.example")],
        "people.csv:4: manager_email: 'caroline@aurora.example' matches nobody in the people files or the database",
    ),
    (
        [ALICE.replace("sim,", "sim,alice@aurora.example")],
        "people.csv:2: manager_email: a person cannot be their own manager",
    ),
    ([ALICE, DORA + ",extra"], "people.csv:3: 9 columns, expected 8 as in the header"),
    ([ALICE, "lojas-aurora,,Dora"], "people.csv:3: 3 columns, expected 8 as in the header"),
]


@pytest.mark.parametrize(("rows", "expected"), ROW_PROBLEMS)
def test_it_names_file_line_and_column_of_a_bad_people_row(rows: list[str], expected: str) -> None:
    assert problems(contracts(AURORA), people(*rows)) == [expected]


CONTRACT_PROBLEMS = [
    (AURORA.replace("self_service", "franquia"), "model: 'franquia' is not one of self_service, partner"),
    (MOVEIS.replace("Parceira TechRS", ""), "partner: is required for model partner (the partner company's name)"),
    (AURORA.replace("self_service,", "self_service,TechRS"), "partner: must be empty for model self_service (found"),
    (AURORA.replace(",2,", ",dois,"), "support_seats: 'dois' is not a whole number (0 or more)"),
    (AURORA.replace(",2,", ",-1,"), "support_seats: '-1' is not a whole number (0 or more)"),
    (AURORA.replace("oto;context", "oto;crm"), "platforms: 'oto;crm' is not oto, context or oto;context"),
    (AURORA.replace("oto;context", ""), "platforms: '' is not oto, context or oto;context"),
    (AURORA.replace("oto;context", "oto;oto"), "platforms: 'oto;oto' is not oto, context or oto;context"),
    (AURORA.replace(",sim,não,sim,", ",sim,talvez,sim,"), "partner_hours: 'talvez' is not a yes/no value"),
    (AURORA.replace("2026-01-01", "01/01/2026"), "starts_on: '01/01/2026' is not a date YYYY-MM-DD"),
    (AURORA.replace("2026-01-01", "2026-02-30"), "starts_on: '2026-02-30' is not a date YYYY-MM-DD (no such day)"),
    (AURORA.replace("2026-01-01", ""), "starts_on: '' is not a date YYYY-MM-DD"),
    (AURORA + "2025-12-31", "ends_on: '2025-12-31' is before starts_on '2026-01-01'"),
    (AURORA + "20261231", "ends_on: '20261231' is not a date YYYY-MM-DD"),
    (AURORA.replace("lojas-aurora", ""), "customer: is required"),
]


@pytest.mark.parametrize(("row", "expected"), CONTRACT_PROBLEMS)
def test_it_names_file_line_and_column_of_a_bad_contract_row(row: str, expected: str) -> None:
    found = problems(contracts(row))
    assert len(found) == 1
    assert found[0].startswith(f"contracts.csv:2: {expected}")


def test_it_names_both_lines_of_a_customer_with_two_contracts() -> None:
    assert problems(contracts(AURORA, MOVEIS, AURORA)) == [
        "contracts.csv:4: customer: 'lojas-aurora' already has a contract on contracts.csv:2"
    ]


def test_it_names_both_files_of_an_email_used_in_two_people_files() -> None:
    found = problems(contracts(AURORA), people(ALICE, name="lojas.csv"), people(DORA, ALICE, name="more.csv"))
    assert found == ["more.csv:3: email: 'alice@aurora.example' is already used on lojas.csv:2"]


def test_it_says_which_headers_are_recognised() -> None:
    write("pessoas.csv", "cliente,loja,nome,email", "lojas-aurora,Centro,Bob,bob@aurora.example")
    [found] = problems("pessoas.csv")
    assert found.startswith("pessoas.csv:1: header: not a recognised header (unknown column(s): cliente, loja, nome;")
    assert f"contracts: {','.join(CONTRACT_COLUMNS)}; people: {','.join(PEOPLE_COLUMNS)}" in found


def test_it_names_the_missing_column_of_a_nearly_right_header() -> None:
    write("people.csv", ",".join(c for c in PEOPLE_COLUMNS if c != "phone"), "x")
    [found] = problems("people.csv")
    assert "(missing for people: phone)" in found


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "people.csv: is empty (expected a header row)"),
        (b"customer,store\n\xff\xfe,x\n", "people.csv:2: is not UTF-8 text"),
        (",".join(PEOPLE_COLUMNS).encode() + b'\n"lojas-aurora"x,,\n', "people.csv:2: malformed CSV"),
    ],
)
def test_it_names_a_file_it_cannot_read(content: bytes, expected: str) -> None:
    Path("people.csv").write_bytes(content)
    [found] = problems("people.csv")
    assert found.startswith(expected)


def test_it_names_a_missing_file() -> None:
    assert problems("nowhere.csv") == ["nowhere.csv: cannot read the file (No such file or directory)"]


def test_it_counts_lines_as_an_editor_does_across_blank_lines_and_quoted_line_breaks() -> None:
    note = '"Alice\nAndrade"'
    found = problems(contracts(AURORA), people(ALICE.replace("Alice Andrade", note), "", DAN.format(role="x", seat="")))
    assert found == [
        "people.csv:2: name: holds a control character (U+000A at character 6), which no cell may hold",
        "people.csv:5: role: 'x' is not one of vendedor, gerente, gestor",
    ]


def test_it_collects_every_problem_of_every_file_in_the_order_given() -> None:
    write("notes.csv", "a,b", "1,2")
    found = problems(
        people(ALICE.replace("gestor", "diretor"), DORA.replace("dora@aurora.example", "dora")),
        contracts(AURORA.replace(",2,", ",x,"), AURORA.replace("oto;context", "crm")),
        "notes.csv",
    )
    assert [line.split(": ")[0:2] for line in found] == [
        ["people.csv:2", "role"],
        ["people.csv:3", "email"],
        ["contracts.csv:2", "support_seats"],
        ["contracts.csv:3", "customer"],
        ["contracts.csv:3", "platforms"],
        ["notes.csv:1", "header"],
    ]


def test_it_reports_all_problems_of_one_row_in_column_order() -> None:
    bad = "lojas-aurora,Centro,,dan@,,diretor,talvez,"
    assert [p.split(": ")[1] for p in problems(contracts(AURORA), people(bad))] == [
        "name",
        "email",
        "role",
        "support_seat",
    ]


# Problems that need the database -------------------------------------------------------------


def test_it_counts_seat_holders_against_a_contract_already_in_the_database() -> None:
    import_files(contracts(MOVEIS))
    second = GABRIELA.replace("gabriela@", "helena@").replace("Gabriela Gomes", "Helena Hahn")
    assert problems(people(GABRIELA, second)) == [
        "people.csv:3: support_seat: customer 'moveis-do-sul' has 2 seat holders (lines 2, 3) "
        "but its contract has 1 support seat"
    ]


def test_it_refuses_a_seat_at_a_customer_without_a_contract() -> None:
    Customer.objects.create(code="lojas-aurora", name="Lojas Aurora Ltda.")
    assert problems(people(ALICE, DORA)) == [
        "people.csv:2: support_seat: customer 'lojas-aurora' has 1 seat holders (lines 2) but it has no contract"
    ]


def test_it_refuses_fewer_seats_than_the_seat_holders_kept_in_the_database() -> None:
    import_files(contracts(AURORA), people(ALICE, DORA.replace("não", "sim")))
    assert problems(contracts(AURORA.replace(",2,", ",1,"))) == [
        "contracts.csv:2: support_seats: customer 'lojas-aurora' has 2 seat holders in the database, "
        "more than 1 support seat (import its people file too)"
    ]


def test_it_refuses_a_manager_who_has_been_deactivated() -> None:
    import_files(contracts(AURORA, MOVEIS), people(ALICE, GABRIELA))
    import_files(people(DORA))  # Alice leaves Lojas Aurora
    assert problems(people(GABRIELA, IGOR.replace("não,", "não,alice@aurora.example"))) == [
        "people.csv:3: manager_email: 'alice@aurora.example' is a deactivated person"
    ]


def test_it_refuses_a_manager_whom_the_same_import_deactivates() -> None:
    import_files(contracts(AURORA), people(ALICE, CAROL))
    assert problems(people(CAROL)) == [
        "people.csv:2: manager_email: 'alice@aurora.example' is missing from the people files, "
        "so this import deactivates them"
    ]


def test_it_reads_the_database_a_fixed_number_of_times(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    rows = [DAN.format(role="vendedor", seat="não").replace("dan@", f"dan{i}@") for i in range(60)]
    paths = [contracts(AURORA), people(ALICE, *rows)]
    batch = parse_files(receive_files(paths).files)
    with django_assert_max_num_queries(3):
        check_import(batch)
    assert batch.problems == []


def test_it_parses_the_files_without_the_database(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    received = receive_files([contracts(AURORA), people(ALICE, DORA)])
    with django_assert_num_queries(0):
        batch = parse_files(received.files)
    assert ([r.email for r in batch.people], batch.problems) == (["alice@aurora.example", "dora@aurora.example"], [])
