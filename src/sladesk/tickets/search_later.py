"""PostgreSQL: search documents written right after a writer's commit instead of at it
(migration 0013), for the intake's batches.

- ``write_after_commit()`` inside a transaction: its tickets' documents are noted ``later``
  and its commit does not write them.
- ``flush_later()`` writes every document noted ``later`` and committed (one statement; nothing
  to do costs one index probe). A search runs it before it reads the index (``search._first``),
  the worker at every sweep, and a ``Flusher`` whenever it is poked.
- ``Flusher``: a thread with its own connection that runs ``flush_later`` each time it is poked
  (after each batch's commit), while the writer goes on with its next batch: the documents'
  work (the text through two text-search configurations) runs on the database's other
  process, beside the intake's, instead of after it.

SQLite writes its documents in-process with each statement (``search_index.py``): here nothing
changes there.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from django.db import DatabaseError, connection, connections

logger = logging.getLogger(__name__)

_LATER = "SELECT set_config('sladesk.search_later', 'on', true)"
_FLUSH = "SELECT tickets_search_flush_later()"


def write_after_commit() -> None:
    """This transaction's tickets' documents: written after its commit, not at it (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LATER)


def flush_later() -> int:
    """Write the documents noted for after their commit: how many tickets (0 elsewhere than on
    PostgreSQL). In a transaction of its own unless the caller's."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_FLUSH)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


class Flusher:
    """``flush_later`` on a thread of its own (its own connection), run after each ``poke``;
    ``close`` runs it a last time and waits for it. On SQLite it does nothing (no thread).

    A failure is logged and tried again at the next poke: the notes stay until a flush
    succeeds (a search, the worker's sweep, or this thread's next round)."""

    def __init__(self) -> None:
        self.written = 0  # tickets whose documents it wrote
        self.rounds = 0
        self.failures = 0
        self._poked = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

    def start(self) -> Flusher:
        if connection.vendor == "postgresql" and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sladesk-search-flusher", daemon=True)
            self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """Its thread is started (on PostgreSQL, between ``start`` and ``close``)."""
        return self._thread is not None

    def poke(self) -> None:
        self._poked.set()

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop = True
        self._poked.set()
        thread.join()

    def __enter__(self) -> Flusher:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _run(self) -> None:
        try:
            while True:
                self._poked.wait()
                self._poked.clear()
                stopping = self._stop
                self._round()
                if stopping:
                    return
        finally:
            connections.close_all()  # this thread's own

    def _round(self) -> None:
        self.rounds += 1
        try:
            self.written += flush_later()
        except DatabaseError:
            self.failures += 1
            logger.exception("search documents: a flush after commit failed; tried again at the next")
            connections["default"].close()
