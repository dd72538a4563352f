"""Django's SQLite backend, except for two costs paid at every execution that the intake (the
same few statements for every email) felt:

- a statement's ``%s`` placeholders are turned into SQLite's ``?`` once per distinct statement
  instead of by a regular expression every time (a tenth of those statements' cost);
- an aware instant becomes its UTC text directly, without Django's general steps (settings read,
  awareness asked, conversion) for each of the dozen instants an email writes.

Everything else is Django's (``ENGINE = "sladesk.config.sqlite3"``)."""

from __future__ import annotations

from datetime import UTC, datetime, timezone
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db.backends.sqlite3 import base
from django.db.backends.sqlite3.operations import DatabaseOperations as _Operations


@lru_cache(maxsize=2048)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseOperations(_Operations):
    @cached_property
    def _in_utc(self) -> bool:
        """Django stores instants as UTC text here (USE_TZ, no TIME_ZONE for the database)."""
        return self.connection.timezone is UTC

    def adapt_datetimefield_value(self, value: Any) -> Any:
        # An instant with a zone that always has an offset: Django's make_naive(value, UTC) and str.
        if type(value) is datetime and type(value.tzinfo) in _ZONES and self._in_utc:
            return str(value.astimezone(UTC).replace(tzinfo=None))
        return super().adapt_datetimefield_value(value)


_ZONES = (timezone, ZoneInfo)  # (datetime.UTC is a timezone)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def create_cursor(self, name: Any = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)
