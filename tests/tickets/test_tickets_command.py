"""`sladesk tickets` and `sladesk staff` run as operators' scripts run them: real
processes on a real database file, checking output, messages and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_sladesk

SETUP = """
from datetime import date
from sladesk.directory.models import *
acme = Customer.objects.create(code="acme", name="ACME")
Contract.objects.create(customer=acme, support_seats=1, starts_on=date(2020, 1, 1))
sul = Partner.objects.create(name="Parceiros Sul")
beta = Customer.objects.create(code="beta", name="Beta")
Contract.objects.create(customer=beta, model="partner", partner=sul, support_seats=1, starts_on=date(2020, 1, 1))
centro = Store.objects.create(customer=acme, name="Centro")
Person.objects.create(customer=acme, name="Alice", email="alice@acme.example", role="gestor", support_seat=True)
Person.objects.create(customer=acme, store=centro, name="Bob", email="bob@acme.example", role="vendedor")
Person.objects.create(customer=beta, name="Bea", email="bea@beta.example", role="gestor", support_seat=True)
"""

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Run:
    data = tmp_path_factory.mktemp("desk")
    env = {"SLADESK_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'desk.sqlite3'}"}

    def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        result = run_sladesk(*args, stdin=stdin, env=env)
        return result.returncode, result.stdout.decode(), result.stderr.decode()

    assert run("migrate", "-v0")[0] == 0
    assert run("manage", "shell", "-c", SETUP)[0] == 0
    assert run("staff", "add", "ana@vendor.example", "--name", "Ana", "--role", "agent")[0] == 0
    code, _, err = run(
        "staff", "add", "pedro@sul.example", "--name", "Pedro", "--role", "partner_agent", "--partner", "Parceiros Sul"
    )
    assert code == 0, err
    return run


def create(desk: Run, *extra: str) -> tuple[int, str, str]:
    args = ["tickets", "create", "--as", "ana@vendor.example", "--channel", "phone", "--requester"]
    return desk(*args, *extra)


def test_it_logs_a_call_and_prints_its_number(desk: Run) -> None:
    code, out, _ = create(
        desk, "alice@acme.example", "--subject", "Oto fora do ar", "--received-at", "2026-01-05T02:00:00-03:00"
    )
    assert code == 0
    number = json.loads(out)["number"]
    code, out, _ = desk("tickets", "show", str(number), "--json")
    ticket = json.loads(out)
    assert (ticket["channel"], ticket["priority"], ticket["status"]) == ("phone", "P1", "new")
    assert ticket["received_at"] == "2026-01-05T02:00:00-03:00"
    assert ticket["metrics"]["response"]["rule"] == "2 h, 24x7"
    # Logged months late: its deadlines had passed, and the breach is recorded with the call.
    created, breach = ticket["events"]
    assert (created["seq"], created["action"], created["actor"]) == (1, "created", "ana@vendor.example")
    assert created["at"] == "2026-01-05T02:00:00-03:00"
    assert (breach["seq"], breach["action"], breach["metrics"]) == (2, "sla_breached", ["resolution", "response"])
    assert breach["after"]["breached"]["response"] == "2026-01-05T07:00:00+00:00"


def test_show_json_equals_replay_of_show_timeline(desk: Run) -> None:
    _, out, _ = create(desk, "alice@acme.example", "--subject", "Relatórios lentos")
    number = str(json.loads(out)["number"])
    for action in (["set-priority", "P2"], ["start"], ["reply", "Verificando"], ["resolve", "Corrigido"]):
        code, _, err = desk("tickets", "act", number, "--as", "ana@vendor.example", *action)
        assert code == 0, err
    _, timeline, _ = desk("tickets", "show", number, "--timeline")
    code, replayed, _ = desk("sla", "replay", "-", stdin=timeline.encode())
    assert code == 0
    types = [e["type"] for e in json.loads(timeline)["events"]]
    assert types == ["priority_set", "handling_started", "public_reply", "resolved"]
    _, shown, _ = desk("tickets", "show", number, "--json")
    metrics = json.loads(shown)["metrics"]
    expected = json.loads(replayed)["metrics"]
    for name in ("response", "resolution"):  # stopped: identical whatever the moment
        assert metrics[name] == expected[name]
    assert metrics["reply"] == {"state": "not_applicable"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bob@acme.example", "--subject", "x"], "not_a_gestor"),
        (["nobody@x.example", "--subject", "x"], "no person 'nobody@x.example' in the directory"),
        (["alice@acme.example", "--subject", "x", "--priority", "P2"], "the phone channel takes P1 only"),
        (["alice@acme.example", "--subject", "x", "--received-at", "2999-01-01T00:00:00-03:00"], "in the future"),
        (["alice@acme.example", "--subject", "x", "--received-at", "ontem"], "is not an ISO 8601 instant"),
    ],
)
def test_create_says_what_is_wrong(desk: Run, args: list[str], message: str) -> None:
    code, out, err = create(desk, *args)
    assert code == 1
    assert out == ""
    assert message in err


def test_act_refuses_forbidden_transitions_unknown_tickets_and_other_partners(desk: Run) -> None:
    _, out, _ = create(desk, "alice@acme.example", "--subject", "Erro 500")
    number = str(json.loads(out)["number"])
    code, _, err = desk("tickets", "act", number, "--as", "ana@vendor.example", "close")
    assert (code, "[forbidden_transition]" in err) == (1, True)
    code, _, err = desk("tickets", "act", "9999", "--as", "ana@vendor.example", "start")
    assert (code, "no ticket #9999" in err) == (1, True)
    code, _, err = desk("tickets", "act", number, "--as", "pedro@sul.example", "note", "oi")
    assert (code, f"no ticket #{number}" in err) == (1, True)
    code, _, err = desk("tickets", "act", number, "--as", "ana@vendor.example", "reply")
    assert (code, "reply needs TEXT" in err) == (1, True)
    code, _, err = desk("tickets", "act", number, "--as", "ghost@vendor.example", "start")
    assert (code, "no staff account 'ghost@vendor.example'" in err) == (1, True)


def test_a_partner_agent_works_on_its_customers(desk: Run) -> None:
    code, out, err = desk(
        "tickets", "create", "--as", "pedro@sul.example", "--channel", "phone", "--requester", "bea@beta.example",
        "--subject", "Context fora do ar",
    )  # fmt: skip
    assert code == 0, err
    number = str(json.loads(out)["number"])
    code, out, _ = desk("tickets", "act", number, "--as", "pedro@sul.example", "start")
    assert json.loads(out) == {"number": int(number), "status": "in_progress", "priority": "P1"}
    code, _, err = create(desk, "bea@beta.example", "--subject", "x")
    assert code == 0  # a vendor agent sees every customer
    code, out, _ = desk("tickets", "list", "--json", "--as", "pedro@sul.example")
    assert {t["customer"] for t in json.loads(out)} == {"beta"}


def test_list_filters_and_orders_by_nearest_deadline(desk: Run) -> None:
    for requester, when in (
        ("alice@acme.example", "2026-11-24T10:00:00-03:00"),
        ("bea@beta.example", "2026-11-24T09:00:00-03:00"),
    ):
        code, _, err = create(desk, requester, "--subject", "Lista", "--received-at", when)
        assert code == 0, err  # its own tickets: the test does not lean on the others'
    code, out, _ = desk("tickets", "list", "--json", "--open")
    rows = json.loads(out)
    assert code == 0 and rows
    dues = [r["next_due_at"] for r in rows if r["next_due_at"]]
    assert dues == sorted(dues)
    code, out, _ = desk("tickets", "list", "--json", "--customer", "beta")
    beta = json.loads(out)
    assert beta and {r["customer"] for r in beta} == {"beta"}
    code, _, err = desk("tickets", "list", "--status", "lost")
    assert (code, "--status 'lost' is not one of" in err) == (1, True)


def test_staff_add_updates_and_validates(desk: Run, tmp_path: Path) -> None:
    code, out, _ = desk("staff", "add", "Ana@Vendor.example", "--name", "Ana Souza", "--role", "supervisor")
    assert (code, out.splitlines()[0]) == (0, "updated ana@vendor.example (supervisor)")
    code, _, err = desk("staff", "add", "x@vendor.example", "--name", "X", "--role", "partner_agent")
    assert (code, "needs --partner" in err) == (1, True)
    code, _, err = desk(
        "staff", "add", "y@vendor.example", "--name", "Y", "--role", "agent", "--password-stdin", stdin=b"123\n"
    )
    assert code == 1 and "password refused" in err
    code, out, _ = desk("staff", "list", "--json")
    assert {r["email"]: r["role"] for r in json.loads(out)}["ana@vendor.example"] == "supervisor"


def test_act_sets_the_affected_user_by_email(desk: Run) -> None:
    _, out, _ = create(desk, "alice@acme.example", "--subject", "App lento na loja")
    number = str(json.loads(out)["number"])
    code, _, err = desk("tickets", "act", number, "--as", "ana@vendor.example", "affected", "bob@acme.example")
    assert code == 0, err
    code, _, err = desk("tickets", "act", number, "--as", "ana@vendor.example", "affected", "bea@beta.example")
    assert (code, "is not of ACME" in err) == (1, True)
    code, _, err = desk("tickets", "act", number, "--as", "ana@vendor.example", "affected", "ghost@acme.example")
    assert (code, "no person 'ghost@acme.example'" in err) == (1, True)


def test_a_partner_agent_hears_the_same_for_a_ticket_it_may_not_see_as_for_none(desk: Run) -> None:
    _, out, _ = create(desk, "alice@acme.example", "--subject", "Erro 500")  # ACME: not Sul's
    number = json.loads(out)["number"]
    answers = {}
    for n in (number, 99999):
        for command in (["show", str(n)], ["show", str(n), "--json"], ["act", str(n), "start"]):
            code, out, err = desk("tickets", *command, "--as", "pedro@sul.example")
            answers[(n, command[0], len(command))] = (code, out, err.replace(str(n), "N"))
    assert (
        answers[(number, "show", 2)]
        == answers[(99999, "show", 2)]
        == (1, "", "sladesk: no ticket #N (sladesk tickets list shows them)\n")
    )
    assert answers[(number, "show", 3)] == answers[(99999, "show", 3)]
    assert answers[(number, "act", 3)] == answers[(99999, "act", 3)]


@pytest.mark.parametrize("requester", ["alice@acme.example", "bob@acme.example"])
def test_a_partner_agent_hears_the_same_for_a_person_it_does_not_serve_as_for_nobody(desk: Run, requester: str) -> None:
    """An entitled Gestora and a Vendedor of a customer Sul does not serve: not their customer's
    name, not their seat, not whether they may ask; the words said for an unknown email."""
    args = ["tickets", "create", "--as", "pedro@sul.example", "--channel", "phone", "--subject", "x", "--requester"]
    code, out, err = desk(*args, requester)
    unknown = desk(*args, "nobody@x.example")
    assert (code, out, err.replace(requester, "EMAIL")) == (
        unknown[0],
        unknown[1],
        unknown[2].replace("nobody@x.example", "EMAIL"),
    )
    assert code == 1 and "ACME" not in err and "acme" not in err.replace(requester, "")


def test_a_partner_agent_cannot_set_an_affected_user_of_another_customer(desk: Run) -> None:
    code, out, err = desk(
        "tickets", "create", "--as", "pedro@sul.example", "--channel", "phone", "--requester", "bea@beta.example",
        "--subject", "Caixa travado",
    )  # fmt: skip
    assert code == 0, err
    number = str(json.loads(out)["number"])
    code, _, err = desk("tickets", "act", number, "--as", "pedro@sul.example", "affected", "bob@acme.example")
    assert (code, "no person 'bob@acme.example' in the directory" in err, "ACME" in err) == (1, True, False)


def test_a_subject_with_line_breaks_and_control_characters_is_kept_on_one_line(desk: Run) -> None:
    code, out, err = create(
        desk, "alice@acme.example", "--subject", "Erro\r\nBcc: x@evil.example\x1b[31m\u2028ao salvar "
    )
    assert code == 0, err
    _, shown, _ = desk("tickets", "show", str(json.loads(out)["number"]), "--json")
    assert json.loads(shown)["subject"] == "Erro Bcc: x@evil.example [31m ao salvar"
