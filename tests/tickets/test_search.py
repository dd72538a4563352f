"""Full-text search (tickets/search.py): tables of queries against one set of tickets, on the
database the run uses (SQLite FTS5 or PostgreSQL full text); the index kept by the database's
triggers as tickets, messages, people and customers change; only what the viewer may see."""

from __future__ import annotations

import pytest

from sladesk.directory.models import Person
from sladesk.staff.access import profile_of
from sladesk.tickets import actions, search
from sladesk.tickets.models import Ticket
from tests.tickets.conftest import Cast, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(cast: Cast) -> dict[str, Ticket]:
    """Four tickets: ACME's report (open), José's goal (a reply and a note, resolved), Beta's ERP
    (Bea's phone), ACME's invoice (closed)."""
    cast.bea.phone = "+55 51 99100-0001"
    cast.bea.save()
    report = cast.ticket(subject="Relatório de vendas não carrega")
    goal = cast.ticket(subject="Erro ao salvar meta", description="O JOSÉ tentou três vezes.", affected_person=cast.gil)
    actions.do_reply_ticket(goal, cast.ana, "Estamos verificando o atendimento.", now=at("2027-03-01 10:00"))
    actions.do_add_note(goal, cast.ana, "Cliente pediu retorno por telefone.", now=at("2027-03-01 10:05"))
    actions.do_resolve_ticket(goal, cast.ana, "Meta salva.", now=at("2027-03-01 11:00"))
    erp = cast.ticket(subject="Integração com o ERP parou", requester=cast.bea)
    invoice = cast.ticket(subject="Nota fiscal duplicada", description="Pedido 4021 saiu duas vezes.")
    actions.do_resolve_ticket(invoice, cast.ana, "Cancelada.", now=at("2027-03-01 12:00"))
    actions.do_close_ticket(invoice, cast.ana, now=at("2027-03-01 12:01"))
    return {"report": report, "goal": goal, "erp": erp, "invoice": invoice}


def found(text: str, profile: object = None) -> set[str]:
    tickets = search.find(profile, search.parse(text))  # type: ignore[arg-type]
    names = {t.pk: name for name, t in NAMES.items()}
    return {names[t.pk] for t in tickets}


NAMES: dict[str, Ticket] = {}


@pytest.fixture(autouse=True, params=["few", "many"])
def _plans(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test twice: the index's ids taken as they are (a word in few tickets), and the plan
    for a word in many (PostgreSQL's walk of the tickets, SQLite's batches newest first)."""
    if request.param == "many":
        monkeypatch.setattr(search, "FEW", 0)


@pytest.fixture(autouse=True)
def _names(desk: dict[str, Ticket]) -> None:
    NAMES.clear()
    NAMES.update(desk)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # accents and case ignored, both ways
        ("relatorio", {"report"}),
        ("RELATÓRIO", {"report"}),
        ("Relatório", {"report"}),
        ("jose", {"goal"}),
        ("JOSÉ", {"goal"}),
        ("josé", {"goal"}),
        ("integracao", {"erp"}),
        # other forms of a word
        ("relatórios", {"report"}),
        ("metas", {"goal"}),
        # the start of a word
        ("relat", {"report"}),
        ("atendim", {"goal"}),
        ("integ", {"erp"}),
        # every word must be found, in any field; words that say nothing are dropped
        ("relatório vendas", {"report"}),
        ("vendas carrega", {"report"}),
        ("relatorio erp", set()),
        ("erro de meta", {"goal"}),
        # messages and notes
        ("verificando", {"goal"}),
        ("retorno telefone", {"goal"}),
        # people: name, email, and customers: name, code
        ("gil", {"goal"}),
        ("bea@beta.example", {"erp"}),
        ("lojas beta", {"erp"}),
        ("acme", {"report", "goal", "invoice"}),
        # a number in the text; resolved and closed tickets are found too
        ("4021", {"invoice"}),
        ("nota fiscal", {"invoice"}),
        ("meta salva", {"goal"}),
        # a phone however it is typed
        ("+55 51 99100-0001", {"erp"}),
        ("(51) 99100-0001", {"erp"}),
        ("99100-0001", {"erp"}),
        ("991000001", {"erp"}),
        ("5551991000001", {"erp"}),
        ("99100-0002", set()),
        # nothing
        ("inexistente", set()),
        ("", set()),
        ("   ", set()),
        ("!!! ???", set()),
    ],
)
def test_it_finds_tickets_by_their_words(text: str, expected: set[str]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize("text", ['"', "'", "*", "a* OR b", "NEAR(x y)", "x:*", "&|!():*", "\x00", "é\u0301", "½ ² ٣"])
def test_it_takes_any_text_without_failing(text: str) -> None:
    found(text)  # no syntax of FTS5 or tsquery reaches the database


def test_it_finds_a_ticket_by_its_number(desk: dict[str, Ticket]) -> None:
    n = desk["goal"].number
    assert found(f"#{n}") == {"goal"}
    assert search.jump(None, search.parse(f"#{n}")) == desk["goal"]
    assert search.jump(None, search.parse(f" {n} ")) == desk["goal"]
    assert search.jump(None, search.parse("#99999")) is None
    assert search.jump(None, search.parse("relatório")) is None


def test_a_partner_agent_finds_only_its_customers_tickets(cast: Cast, desk: dict[str, Ticket]) -> None:
    pedro, otto, ana = profile_of(cast.pedro), profile_of(cast.otto), profile_of(cast.ana)
    assert found("relatorio", pedro) == set()
    assert found("integração", pedro) == {"erp"}
    assert found("99100-0001", pedro) == {"erp"}
    assert found("integração", otto) == set()
    assert found("acme", ana) == {"report", "goal", "invoice"}
    assert search.jump(pedro, search.parse(f"#{desk['report'].number}")) is None  # as if it did not exist
    assert search.jump(pedro, search.parse(f"#{desk['erp'].number}")) == desk["erp"]


def test_it_filters_by_status(desk: dict[str, Ticket]) -> None:
    query = search.parse("acme")
    names = {t.pk: n for n, t in desk.items()}
    by = {s: {names[t.pk] for t in search.find(None, query, statuses=f)} for s, f in search.STATUS_FILTERS.items()}
    assert by[""] == {"report", "goal", "invoice"}
    assert by[search.OPEN] == {"report"}
    assert by["resolved"] == {"goal"}
    assert by["closed"] == {"invoice"}


def test_it_lists_the_newest_first_a_page_at_a_time(desk: dict[str, Ticket]) -> None:
    query = search.parse("acme")
    first = search.find(None, query, limit=2)
    assert [t.number for t in first] == sorted([t.number for t in first], reverse=True)
    rest = search.find(None, query, before=first[-1].pk)
    assert len(first) + len(rest) == 3 and not {t.pk for t in first} & {t.pk for t in rest}


# ---- the index follows every change -------------------------------------------------------------
def test_a_new_message_is_found(cast: Cast, desk: dict[str, Ticket]) -> None:
    actions.do_add_customer_reply(desk["report"], None, "Continua travando no Chrome.", now=at("2027-03-01 13:00"))
    assert found("chrome") == {"report"}


def test_a_renamed_customer_is_found_by_its_new_name_only(cast: Cast) -> None:
    cast.beta.name = "Óticas Horizonte"
    cast.beta.save()
    assert found("horizonte") == {"erp"}
    assert found("lojas beta") == set()


def test_a_person_s_new_phone_and_name_are_found(cast: Cast) -> None:
    Person.objects.filter(pk=cast.bea.pk).update(phone="(54) 3222-1000", phone_digits="5432221000")
    assert found("3222-1000") == {"erp"}
    assert found("99100-0001") == set()
    cast.bea.refresh_from_db()
    cast.bea.name = "Beatriz Brito"
    cast.bea.save()
    assert found("beatriz") == {"erp"}


def test_a_changed_subject_and_affected_person_are_found(cast: Cast, desk: dict[str, Ticket]) -> None:
    Ticket.objects.filter(pk=desk["report"].pk).update(subject="Painel em branco")
    assert found("painel") == {"report"}
    assert found("relatório") == set()
    actions.do_set_ticket_affected(desk["report"], cast.ana, cast.bob, None, now=at("2027-03-01 14:00"))
    assert found("bob") == {"report"}


def test_a_deleted_ticket_is_gone(desk: dict[str, Ticket]) -> None:
    desk["goal"].delete()
    assert found("jose") == set()


def test_it_fills_a_page_past_what_the_viewer_may_not_see(cast: Cast, desk: dict[str, Ticket]) -> None:
    for k in range(12):  # newer than Beta's ticket, and not Pedro's to see
        cast.ticket(subject=f"Relatório {k}", when=f"2027-03-02 09:{k:02d}")
    pedro = profile_of(cast.pedro)
    assert [t.pk for t in search.find(pedro, search.parse("lojas"), limit=1)] == [desk["erp"].pk]
    assert [t.pk for t in search.find(pedro, search.parse(f"#{desk['erp'].number}"), limit=1)] == [desk["erp"].pk]
    everyone = search.find(None, search.parse("lojas"), limit=20)
    assert [t.pk for t in everyone] == sorted((t.pk for t in everyone), reverse=True) and len(everyone) == 16
