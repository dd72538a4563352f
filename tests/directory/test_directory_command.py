"""`sladesk directory import|export` as operators' scripts call it."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sladesk.directory.models import Customer, ImportRun, Person
from tests.conftest import run_sladesk
from tests.directory.conftest import (
    ALICE,
    AURORA,
    BOB,
    CAROL,
    DORA,
    EXAMPLES,
    GABRIELA,
    MOVEIS,
    contracts,
    import_files,
    people,
)


def directory(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("directory", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> tuple[str, str]:
    err = StringIO()
    with pytest.raises(CommandError) as info:
        call_command("directory", *args, stdout=StringIO(), stderr=err)
    assert info.value.returncode == 1
    return str(info.value), err.getvalue()


@pytest.mark.django_db
def test_it_imports_the_example_files() -> None:
    out, err = directory("import", str(EXAMPLES / "contracts.csv"), str(EXAMPLES / "people.csv"))
    assert err == ""
    assert "customers: 2 created, 0 updated, 0 unchanged\n" in out
    assert "people: 9 created, 0 updated, 0 deactivated, 0 unchanged\n" in out
    roles = set(Person.objects.values_list("role", flat=True))
    assert roles == {"vendedor", "gerente", "gestor"}
    assert set(Customer.objects.values_list("contract__model", flat=True)) == {"self_service", "partner"}


@pytest.mark.django_db
def test_it_prints_every_problem_on_stderr_and_writes_nothing() -> None:
    bad_people = people(ALICE, BOB.replace("vendedor", "diretor"))
    message, err = refused("import", contracts(AURORA.replace("2026-01-01", "2026-1-1")), bad_people)
    assert err.splitlines()[-1].startswith("the files as received are kept in ")
    assert err.splitlines()[:-1] == [
        "contracts.csv:2: starts_on: '2026-1-1' is not a date YYYY-MM-DD",
        "people.csv:3: role: 'diretor' is not one of vendedor, gerente, gestor",
        "people.csv:3: manager_email: 'carol@aurora.example' matches nobody in the people files or the database",
    ]
    assert message == "3 problem(s) found; nothing was imported"
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_a_dry_run_and_the_import_print_who_moves_from_which_customer_to_which() -> None:
    import_files(contracts(AURORA, MOVEIS), people(ALICE, DORA, GABRIELA))
    files = people(ALICE, DORA.replace("lojas-aurora", "moveis-do-sul"), GABRIELA)
    move = "  dora@aurora.example moves from customer 'lojas-aurora' to 'moveis-do-sul'"
    for args in (("import", "--dry-run", files), ("import", files)):
        out, _ = directory(*args)
        assert out.splitlines()[-2:] == ["moves: 1 person(s) to another customer", move]
    assert Person.objects.get(email="dora@aurora.example").customer.code == "moveis-do-sul"
    assert [run.report[-1] for run in ImportRun.objects.order_by("pk")][1:] == [move, move]


@pytest.mark.django_db
def test_a_database_refusal_is_one_line_on_stderr_and_a_failed_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import DataError

    from sladesk.directory import actions

    def refuse(plan: object) -> None:
        raise DataError("a value the database cannot store")

    monkeypatch.setattr(actions, "_write", refuse)
    message, err = refused("import", contracts(AURORA))
    assert (
        message == "the database refused the import, nothing was written: DataError: a value the database cannot store"
    )
    assert err.startswith("the files as received are kept in ")
    assert ImportRun.objects.get().outcome == ImportRun.Outcome.FAILED


@pytest.mark.django_db
def test_it_says_what_a_dry_run_would_change_and_writes_nothing() -> None:
    import_files(contracts(AURORA), people(ALICE, DORA))
    out, _ = directory("import", "--dry-run", people(ALICE, CAROL, BOB))
    assert out.splitlines() == [
        "dry run: nothing was written; the import would make these changes",
        "people.csv: 3 person row(s)",
        "customers: 0 created, 0 updated, 0 unchanged",
        "people: 2 created, 0 updated, 1 deactivated, 1 unchanged",
        "stores: 1 created",
        "partners: 0 created",
        "moves: 0 person(s) to another customer",
    ]
    assert sorted(Person.objects.filter(is_active=True).values_list("email", flat=True)) == [
        "alice@aurora.example",
        "dora@aurora.example",
    ]


@pytest.mark.django_db
def test_it_checks_a_dry_run_like_an_import() -> None:
    _, err = refused("import", "--dry-run", people(ALICE))
    assert "people.csv:2: customer: unknown customer 'lojas-aurora'" in err


@pytest.mark.django_db
def test_it_exports_into_a_directory(tmp_path: Path) -> None:
    import_files(contracts(AURORA), people(ALICE, DORA))
    out, _ = directory("export", str(tmp_path / "out"))
    assert "1 customer(s)" in out and "2 active people" in out
    assert (tmp_path / "out" / "people.csv").read_text().count("\n") == 3


@pytest.mark.django_db
def test_it_warns_about_a_customer_it_cannot_export(tmp_path: Path) -> None:
    Customer.objects.create(code="demo-sem-contrato", name="Demo")
    _, err = directory("export", str(tmp_path))
    assert err == "customer 'demo-sem-contrato' has no contract: not exported, nor are its people\n"


@pytest.mark.django_db
def test_it_refuses_to_export_into_a_file(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    message, _ = refused("export", str(tmp_path / "taken"))
    assert message.startswith(f"{tmp_path / 'taken'}: cannot write the files")


# The real command line, on its own SQLite database --------------------------------------------


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "sladesk.sqlite3"
    result = run_sladesk("migrate", "-v", "0", env=sqlite_env(path))
    assert result.returncode == 0, result.stderr.decode()
    return path


def sqlite_env(path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{path}", "SLADESK_DATA_DIR": str(path.parent)}


@pytest.fixture
def env(migrated: Path, tmp_path: Path) -> dict[str, str]:
    database = tmp_path / "data" / "sladesk.sqlite3"
    database.parent.mkdir()
    shutil.copy(migrated, database)
    return sqlite_env(database)


def test_it_imports_reimports_and_exports_through_the_real_command_line(env: dict[str, str], tmp_path: Path) -> None:
    files = (str(EXAMPLES / "contracts.csv"), str(EXAMPLES / "people.csv"))
    first = run_sladesk("directory", "import", *files, env=env)
    assert first.returncode == 0, first.stderr.decode()
    assert "people: 9 created" in first.stdout.decode()
    again = run_sladesk("directory", "import", *files, env=env)
    assert "people: 0 created, 0 updated, 0 deactivated, 9 unchanged" in again.stdout.decode()
    exported = run_sladesk("directory", "export", str(tmp_path / "out"), env=env)
    assert exported.returncode == 0, exported.stderr.decode()
    written = (tmp_path / "out" / "people.csv").read_text(encoding="utf-8")
    assert written == (EXAMPLES / "people.csv").read_text(encoding="utf-8").replace(",+55", ",'+55")
    again = run_sladesk("directory", "import", str(tmp_path / "out" / "people.csv"), env=env)
    assert "people: 0 created, 0 updated, 0 deactivated, 9 unchanged" in again.stdout.decode()


def test_it_exits_1_with_the_problems_on_stderr_through_the_real_command_line(env: dict[str, str]) -> None:
    bad = people(ALICE.replace("gestor", "diretor"))
    result = run_sladesk("directory", "import", contracts(AURORA), bad, env=env)
    assert result.returncode == 1
    assert result.stdout == b""
    assert result.stderr.decode().splitlines()[0] == (
        "people.csv:2: role: 'diretor' is not one of vendedor, gerente, gestor"
    )
    dry = run_sladesk("directory", "import", "--dry-run", contracts(AURORA), env=env)
    assert dry.returncode == 0 and "customers: 1 created" in dry.stdout.decode()
    assert "customers: 1 created" in run_sladesk("directory", "import", contracts(AURORA), env=env).stdout.decode()


@pytest.mark.django_db
def test_it_keeps_rejected_and_imported_files_and_audits_each_run(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    bad = people(ALICE, BOB.replace("vendedor", "diretor"))
    received = Path(bad).read_bytes()
    refused("import", contracts(AURORA), bad)
    directory("import", contracts(AURORA), people(ALICE, DORA))
    rejected, imported = ImportRun.objects.order_by("at")
    assert (rejected.outcome, imported.outcome) == ("rejected", "imported")
    assert "role: 'diretor' is not one of vendedor, gerente, gestor" in rejected.problems[0]
    assert imported.report[0] == "customers: 1 created, 0 updated, 0 unchanged"
    kept = sorted(Path(rejected.kept_in).iterdir())
    assert [p.read_bytes() for p in kept][-1] == received
    assert Path(rejected.kept_in).is_relative_to(tmp_path / "imports")
