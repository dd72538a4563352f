"""Bad input to the directory import, each with its clear answer (issue 8): customer codes,
people who move to another customer, managers of another customer, partner names in any
case and alphabet, control characters (a NUL on PostgreSQL) and a database that refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import DataError

from sladesk.directory import actions
from sladesk.directory.actions import ImportFailed, do_import_directory
from sladesk.directory.audit import receive_files
from sladesk.directory.entitlement import ENTITLED, check
from sladesk.directory.fields import CODE_ALLOWED, PEOPLE_COLUMNS
from sladesk.directory.models import Contract, Customer, ImportRun, Partner, Person, name_key
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
    problems,
)

pytestmark = pytest.mark.django_db


# Customer codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("lojas/aurora", "'lojas/aurora' is not a customer code"),
        ("lojas aurora", "'lojas aurora' is not a customer code"),
        ("..", "'..' is not a customer code"),
        ("-aurora", "'-aurora' is not a customer code"),
        ("lojas?aurora", "'lojas?aurora' is not a customer code"),
        ("lojas%2Faurora", "'lojas%2Faurora' is not a customer code"),
        ("lojas-aurora-ção", "'lojas-aurora-ção' is not a customer code"),
        ("a" * 65, "is longer than 64 characters"),
    ],
)
def test_it_refuses_a_customer_code_that_cannot_go_into_a_url(code: str, said: str) -> None:
    found = problems(contracts(AURORA.replace("lojas-aurora", code)))
    assert len(found) == 1
    assert found[0].startswith(f"contracts.csv:2: customer: {said}")
    if "not a customer code" in said:
        assert found[0].endswith(f"only {CODE_ALLOWED}")
    assert Customer.objects.count() == 0


def test_it_refuses_such_a_code_in_a_people_file_too() -> None:
    import_files(contracts(AURORA))
    found = problems(people(ALICE.replace("lojas-aurora", "lojas/aurora")))
    assert found == [f"people.csv:2: customer: 'lojas/aurora' is not a customer code: only {CODE_ALLOWED}"]


def test_it_accepts_letters_digits_dots_underscores_and_dashes() -> None:
    import_files(contracts(AURORA.replace("lojas-aurora", "Lojas_Aurora.2026-rs")))
    assert Customer.objects.get().code == "Lojas_Aurora.2026-rs"


# People who move, managers of another customer ----------------------------------------------


def test_a_dry_run_says_who_moves_from_which_customer_to_which_and_moves_nobody() -> None:
    import_files(contracts(AURORA, MOVEIS), people(ALICE, DORA, GABRIELA))
    dora_moves = DORA.replace("lojas-aurora", "moveis-do-sul")
    outcome = do_import_directory(receive_files([people(ALICE, dora_moves, GABRIELA)]), dry_run=True)
    assert outcome.report is not None
    assert [str(move) for move in outcome.report.moves] == [
        "dora@aurora.example moves from customer 'lojas-aurora' to 'moveis-do-sul'"
    ]
    assert outcome.run.report[-2:] == [
        "moves: 1 person(s) to another customer",
        "  dora@aurora.example moves from customer 'lojas-aurora' to 'moveis-do-sul'",
    ]
    assert person("dora@aurora.example").customer.code == "lojas-aurora"


def test_the_import_moves_the_person_the_file_moves_and_records_it() -> None:
    import_files(contracts(AURORA, MOVEIS), people(ALICE, DORA, GABRIELA))
    report = import_files(people(ALICE, DORA.replace("lojas-aurora", "moveis-do-sul"), GABRIELA))
    assert (report.people.updated, len(report.moves)) == (1, 1)
    assert person("dora@aurora.example").customer.code == "moveis-do-sul"
    assert (
        "  dora@aurora.example moves from customer 'lojas-aurora' to 'moveis-do-sul'"
        in ImportRun.objects.first().report
    )  # type: ignore[union-attr]


def test_a_person_who_moves_may_not_leave_people_they_manage_behind() -> None:
    """Carol manages Bob; Carol moves in a file that lists only Móveis do Sul: Bob would keep a
    manager of another customer."""
    import_files(contracts(AURORA, MOVEIS), people(ALICE, CAROL, BOB, GABRIELA))
    carol_moves = CAROL.replace("lojas-aurora,Centro", "moveis-do-sul,Caxias").replace("alice@aurora.example", "")
    found = problems(people(GABRIELA, carol_moves))
    assert found == [
        "people.csv:3: customer: 'carol@aurora.example' moves from customer 'lojas-aurora' to 'moveis-do-sul' "
        "but still manages 1 person(s) of 'lojas-aurora' not in the people files (bob@aurora.example): "
        "list them with their new manager, or leave the person where they are"
    ]
    assert person("carol@aurora.example").customer.code == "lojas-aurora"


def test_a_manager_of_another_customer_is_an_error_naming_file_line_and_column() -> None:
    igor = IGOR.replace("não,", "não,alice@aurora.example")
    found = problems(contracts(AURORA, MOVEIS), people(ALICE, GABRIELA, igor))
    assert found == [
        "people.csv:4: manager_email: 'alice@aurora.example' is a person of customer 'lojas-aurora', "
        "not of 'moveis-do-sul' (a manager is of the same one)"
    ]


# One casefold for names ----------------------------------------------------------------------


def test_a_partner_name_in_capitals_with_a_cedilla_is_the_same_partner_on_every_database() -> None:
    Partner.objects.create(name="[DEMO] Parceira Serviços")
    shouting = MOVEIS.replace("Parceira TechRS", "[DEMO] PARCEIRA SERVIÇOS")
    report = import_files(contracts(shouting))
    assert report.partners_created == 0
    contract = Contract.objects.select_related("partner").get()
    assert contract.partner is not None and contract.partner.name == "[DEMO] Parceira Serviços"
    assert not import_files(contracts(shouting.replace("SERVIÇOS", "serviços"))).changed
    assert list(Partner.objects.named("[demo] parceira SERVIÇOS")) == [contract.partner]


def test_the_name_key_is_casefold_so_german_sharp_s_matches_too() -> None:
    Partner.objects.create(name="Straße Serviços")
    assert Partner.objects.get().name_key == name_key("STRASSE SERVIÇOS") == "strasse serviços"
    report = import_files(contracts(MOVEIS.replace("Parceira TechRS", "STRASSE SERVIÇOS")))
    assert (report.partners_created, Partner.objects.count()) == (0, 1)


# Control characters --------------------------------------------------------------------------


def test_a_nul_byte_is_a_problem_with_file_line_and_column_and_the_run_is_recorded(tmp_path: Path) -> None:
    """On PostgreSQL a NUL in text was a DataError traceback and no record of the run."""
    import_files(contracts(AURORA))
    bad = people(ALICE.replace("Alice Andrade", "Alice\x00Andrade"), DORA)
    outcome = do_import_directory(receive_files([bad]))
    assert outcome.problems == [
        "people.csv:2: name: holds a control character (U+0000 at character 6), which no cell may hold"
    ]
    run = ImportRun.objects.get(outcome=ImportRun.Outcome.REJECTED)
    assert run.problems == outcome.problems
    kept = Path(run.kept_in) / "00-people.csv"
    assert kept.read_bytes() == Path(bad).read_bytes()
    assert Person.objects.count() == 0


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f", "\x85", "\u2028", "\t"])
def test_other_control_characters_are_problems_too(char: str) -> None:
    found = problems(contracts(AURORA.replace("Lojas Aurora", f"Lojas{char}Aurora")))
    assert found == [
        f"contracts.csv:2: customer_name: holds a control character (U+{ord(char):04X} at character 6), "
        "which no cell may hold"
    ]


def test_a_nul_in_the_header_is_said_with_an_escape() -> None:
    header = ",".join(PEOPLE_COLUMNS).replace("phone", "ph\x00one")
    Path("people.csv").write_text(f"{header}\n{ALICE}\n", encoding="utf-8")
    (found,) = problems("people.csv")
    assert found.startswith("people.csv:1: header: not a recognised header (unknown column(s): ph\\x00one;")
    assert ImportRun.objects.get().problems == [found]


def test_a_database_that_refuses_the_writing_leaves_a_failed_run_and_nothing_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(plan: object) -> None:
        Customer.objects.create(code="half-written", name="Half")
        raise DataError("invalid byte sequence")

    monkeypatch.setattr(actions, "_write", refuse)
    with pytest.raises(ImportFailed, match="the database refused the import, nothing was written: DataError"):
        do_import_directory(receive_files([contracts(AURORA)]))
    run = ImportRun.objects.get()
    assert run.outcome == ImportRun.Outcome.FAILED
    assert run.problems == ["the database refused the import, nothing was written: DataError: invalid byte sequence"]
    assert not Customer.objects.exists()


def test_an_email_with_capital_accented_letters_finds_its_person_on_every_database() -> None:
    """SQLite's iexact folds ASCII only: ``SERVIÇOS`` and ``serviços`` were two domains there."""
    import_files(contracts(AURORA), people(ALICE.replace("alice@aurora.example", "ALICE@AURORA-SERVIÇOS.example")))
    assert person("alice@aurora-serviços.example").name == "Alice Andrade"
    found = check(email="Alice@Aurora-SERVIÇOS.example")
    assert (
        found.reason == ENTITLED and found.person is not None and found.person.email == "alice@aurora-serviços.example"
    )
