"""The SQLite backend (``sladesk.config.sqlite3``): Django's, with each statement's placeholder
conversion kept; what a statement means is unchanged."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from sladesk.config.sqlite3 import base

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backend only")


def test_the_desk_runs_on_it(db: None) -> None:
    assert connection.settings_dict["ENGINE"] == "sladesk.config.sqlite3"
    assert isinstance(connections[DEFAULT_DB_ALIAS], base.DatabaseWrapper)


def test_placeholders_and_literal_percent_signs_mean_what_they_meant(db: None) -> None:
    with connection.cursor() as cursor:
        for value in ("a", "b"):  # the second time from the kept conversion
            cursor.execute("SELECT '100%%' || %s || %s", [value, "%s"])
            assert cursor.fetchone() == (f"100%{value}%s",)
        cursor.execute("SELECT %(x)s || %(y)s", {"x": "1", "y": "2"})  # named parameters, as Django allows
        assert cursor.fetchone() == ("12",)
    assert base._qmark("SELECT '100%%' || %s || %s") == "SELECT '100%' || ? || ?"
    assert base._qmark.cache_info().hits >= 1
