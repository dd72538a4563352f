"""The search index through migrations: Django remakes a SQLite table to change it (which drops
its triggers, and fails while another trigger names it), so tickets/search_index.py takes the
triggers away before ``migrate`` and writes them, and every document, after."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from sladesk.tickets import actions, search, search_index
from tests.tickets.conftest import Cast, at

pytestmark = pytest.mark.django_db(transaction=True)


def found(text: str) -> list[int]:
    return [t.pk for t in search.find(None, search.parse(text))]


def test_migrating_back_and_forth_keeps_the_index(cast: Cast) -> None:
    t = cast.ticket(subject="Relatório não abre")
    try:
        call_command("migrate", "tickets", "0005", verbosity=0)  # drops the index
        call_command("migrate", "directory", "0001", verbosity=0)  # remakes directory tables on SQLite
    finally:
        call_command("migrate", verbosity=0)
    assert found("relatorio") == [t.pk]
    actions.do_add_note(t, cast.ana, "Chrome travado.", now=at("2027-03-01 10:00"))
    cast.alice.name = "Alícia"
    cast.alice.save()
    assert found("chrome alicia") == [t.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's triggers are migration 0006's")
def test_lost_triggers_are_written_again_with_every_document(cast: Cast) -> None:
    t = cast.ticket(subject="Relatório não abre")
    search_index.drop()
    actions.do_add_note(t, cast.ana, "Chrome travado.", now=at("2027-03-01 10:00"))  # not indexed
    assert found("chrome") == []
    assert search_index.ensure() is True
    assert found("chrome") == [t.pk]
    assert search_index.ensure() is False  # already there: nothing written
