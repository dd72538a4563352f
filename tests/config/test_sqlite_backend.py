"""The SQLite backend (``sladesk.config.sqlite3``): Django's, with each statement's placeholder
conversion kept and instants written directly; what a statement means and what it writes are
unchanged."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from hypothesis import given
from hypothesis import strategies as st

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


_ZONES = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=-3)), timezone(timedelta(hours=5, minutes=45)), ZoneInfo("America/Sao_Paulo")]
)


@given(moment=st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2999, 12, 31)), zone=_ZONES)
def test_an_instant_is_written_as_django_writes_it(moment: datetime, zone: Any) -> None:
    value = moment.replace(tzinfo=zone) if zone is not None else moment
    ours, django_s = connection.ops, base._Operations(connection)  # Django's own
    assert isinstance(ours, base.DatabaseOperations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a naive instant: Django's own way, and its warning
        assert ours.adapt_datetimefield_value(value) == django_s.adapt_datetimefield_value(value)
    assert ours.adapt_datetimefield_value(None) is None
