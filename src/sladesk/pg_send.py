"""PostgreSQL: a statement sent without waiting for its answer, the answer read later.

``sql.writes_together`` sends what it kept this way when what comes next is another write (no
read needs it yet): the database runs it while this process builds the next email's rows, and
its answer (an error raised then) is read before the connection's next statement. One statement
at a time is in flight; nothing else may use the connection until ``Sent.answer()``.

psycopg has no public call for this (its pipeline mode defers every statement's answer, row
counts included, which Django reads): this drives the steps of ``Cursor.execute`` itself (the
query converted and prepared as psycopg would, sent, flushed; the results fetched and checked
later). These are psycopg 3.3's internals, the version the lock file pins;
``tests/tickets/test_writes_together.py`` runs them.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import errors, generators, pq
from psycopg._preparing import Prepare


class Sent:
    """A statement sent on ``connection`` (a psycopg connection, in a transaction)."""

    def __init__(self, connection: psycopg.Connection[Any], statement: str, params: list[Any]) -> None:
        self.cursor = cursor = psycopg.RawCursor(connection)
        with connection.lock:
            connection.wait(cursor._start_query(statement))
            pgq = cursor._convert_query(statement, params)
            prep, name = cursor._get_prepared(pgq, None)
            if prep is Prepare.NO:
                cursor._execute_send(pgq, force_extended=True)
            else:
                if prep is Prepare.SHOULD:  # once per statement: prepared first, waiting for it
                    cursor._send_prepare(name, pgq)
                    for result in connection.wait(generators.execute(cursor._pgconn)):
                        if result.status == pq.ExecStatus.FATAL_ERROR:
                            raise errors.error_from_result(result, encoding=cursor._encoding)
                cursor._send_query_prepared(name, pgq)
            self.key = connection._prepared.maybe_add_to_cache(pgq, prep, name)
            self.prep, self.name = prep, name
            connection.wait(generators.send(cursor._pgconn))

    def answer(self) -> None:
        """Wait for the answer; raise the statement's error (psycopg's)."""
        cursor = self.cursor
        connection = cursor.connection
        with connection.lock:
            results = connection.wait(generators.fetch_many(cursor._pgconn))
            if self.key is not None:
                connection._prepared.validate(self.key, self.prep, self.name, results)
            cursor._check_results(results)
            connection.wait(connection._prepared.maintain_gen(connection))
