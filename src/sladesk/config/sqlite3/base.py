"""Django's SQLite backend, except that a statement's ``%s`` placeholders are turned into
SQLite's ``?`` once per distinct statement instead of by a regular expression at every
execution: the intake runs the same few statements for every email, and that conversion was
a tenth of their cost. Everything else is Django's (``ENGINE = "sladesk.config.sqlite3"``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db.backends.sqlite3 import base


@lru_cache(maxsize=2048)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name: Any = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)
