"""Bad parameters on the desk's pages (the queue, a ticket, the phone intake, the mail list)
are ignored or answered 400, never 500: the values the issue found, then whatever Hypothesis
makes of every GET parameter (and the phone's form)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.tickets import queue as queue_
from sladesk.tickets.models import Ticket
from tests.web.conftest import World, open_ticket
from tests.web.test_queue import client_for, rows

QUEUE = reverse("tickets:queue")
PHONE = reverse("tickets:phone")
MAIL = reverse("intake:list")
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.mark.parametrize(
    "query",
    [
        "after=" + "1" * 40 + ".1",  # more microseconds than any calendar holds
        "after=253402300800000000.1",  # the first instant of year 10000
        "after=-99999999999999999.1",  # before year 1
        "after=1." + "9" * 30,  # an id no column holds
        "after=1.%C2%B2",  # a superscript two: a digit to str.isdigit, not to int()
        "after=%D9%A3.1",  # an Arabic-Indic three
        "after=n.0",
        "assignee=999999999999",
        "assignee=%C2%B2",
        "assignee=-1",
        "assignee=0",
        "customer=%00",  # PostgreSQL refuses NUL in a query
        "partner=a%00b",
        "customer=" + "x" * 10_000,
    ],
)
def test_a_bad_queue_parameter_is_ignored(world: World, query: str) -> None:
    ticket = open_ticket(world.gabriela, "Erro ao salvar")
    response = client_for(world.sam).get(f"{QUEUE}?{query}")
    assert response.status_code == 200
    name = query.split("=", maxsplit=1)[0]
    if name in ("after", "assignee"):  # dropped: the first page, unfiltered
        assert rows(response) == [ticket.number]
        assert getattr(response.context["filters"], name) == ""


def test_the_cursor_the_desk_writes_still_pages() -> None:
    assert queue_.parse_cursor("1772546400000000.42") is not None
    assert queue_.parse_cursor("n.7") == queue_.Cursor("n", None, 7)
    for bad in ("1" * 40 + ".1", "253402300800000000.1", "1.²", "x.y", "1.", ".1", "1.1.1", "n.-3"):
        assert queue_.parse_cursor(bad) is None, bad


def test_an_assignee_is_a_user_id_or_nothing() -> None:
    assert queue_.parse_id("42") == 42
    for bad in ("999999999999", "²", "٣", "-1", "0", "007", " 4", "4 ", ""):
        assert queue_.parse_id(bad) is None, bad


def test_control_characters_in_the_callers_email_are_dropped_not_a_500(world: World) -> None:
    response = client_for(world.ana).post(PHONE, {"check": "1", "email": "gab\x00riela@aurora.example\r\n"})
    assert response.status_code == 200
    assert "Quem ligou tem direito a suporte" in response.content.decode()


# ---- fuzzing ------------------------------------------------------------------------------
DIGITS = st.sampled_from(["0", "1", "9", "²", "٣", "１", "-", "."])
values = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.lists(DIGITS, max_size=45).map("".join),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.tuples(st.integers(-(10**20), 10**20), st.integers(-(10**20), 10**20)).map(lambda p: f"{p[0]}.{p[1]}"),
    st.sampled_from(["me", "-", "n.1", "P1", "new", "in_progress", "1", "on", "\x00", "%", "' OR 1=1 --"]),
)


def params(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(names), values, max_size=len(names))


QUEUE_PARAMS = ["customer", "partner", "priority", "status", "assignee", "breached", "after", "partial"]


@pytest.fixture
def desk(world: World) -> dict[str, Any]:
    ticket = open_ticket(world.beatriz, "Botão some", priority="P2")
    return {"sam": client_for(world.sam), "pedro": client_for(world.pedro), "ticket": ticket}


@FUZZ
@given(query=params(QUEUE_PARAMS), who=st.sampled_from(["sam", "pedro"]))
def test_the_queue_answers_any_parameters(desk: dict[str, Any], query: dict[str, str], who: str) -> None:
    assert desk[who].get(QUEUE, query).status_code == 200


@FUZZ
@given(query=params(["q", "page", "action", "after", "tab", "lang"]))
def test_a_ticket_page_answers_any_parameters(desk: dict[str, Any], query: dict[str, str]) -> None:
    ticket: Ticket = desk["ticket"]
    assert desk["pedro"].get(reverse("tickets:detail", args=[ticket.code]), query).status_code == 200


@FUZZ
@given(query=params(["review", "outcome", "reason", "page"]))
def test_the_mail_list_answers_any_filters(desk: dict[str, Any], query: dict[str, str]) -> None:
    assert desk["sam"].get(MAIL, query).status_code == 200


PHONE_FIELDS = ["phone", "email", "received_at", "subject", "description", "affected_email", "check"]


@FUZZ
@given(query=params(PHONE_FIELDS), form=params(PHONE_FIELDS), who=st.sampled_from(["sam", "pedro"]))
def test_the_phone_intake_answers_anything_typed(
    desk: dict[str, Any], query: dict[str, str], form: dict[str, str], who: str
) -> None:
    client: Client = desk[who]
    assert client.get(PHONE, query).status_code == 200
    assert client.post(PHONE, form).status_code in (200, 302, 400)


def test_a_ticket_code_with_a_nul_or_other_bytes_is_not_found_never_a_500(world: World) -> None:
    client = client_for(world.ana)
    for code in ("%00", "abc%00def", "%C2%B2", "..%2F..", "a b"):
        assert client.get(f"/t/{code}/").status_code == 404
        assert client.post(f"/t/{code}/note/", {"text": "x"}).status_code == 404
