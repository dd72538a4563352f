"""PostgreSQL: a transaction may leave its tickets' search documents to be written right after
its commit, by another connection, instead of at its commit (0011).

The intake's batches do (``tickets/search_later.py``): a batch of 50 emails spent a tenth of its
time at commit writing its tickets' documents (the text of each ticket through two text-search
configurations), with the next batch waiting behind it. Now its notes are committed with it,
marked ``later``, and a flusher on another connection (the listener's and the IMAP poller's,
the worker's every sweep, and any search before it reads the index) writes them while the next
batch is processed.

- ``tickets_search_note`` marks its notes ``later`` when the transaction set
  ``sladesk.search_later`` (``SET LOCAL``); its commit then writes nothing (the deferred trigger
  fires only for notes not ``later``).
- ``tickets_search_flush_later()`` writes the documents of every ``later`` note committed so far,
  deleting the notes, and returns how many tickets it wrote (0 at once when there are none).
- Every writer of documents takes one advisory lock first, held until its transaction ends:
  ``flush_later`` and the flush at a commit or before a search inside a transaction
  (``tickets_search_flush_now``). One at a time, each computes its documents after every other
  has committed: two writers computing the same ticket's document from different snapshots
  could otherwise leave the older one last. The flusher and a flush at a commit wait for
  nothing else while holding it (the commit has done its waiting; ``flush_later`` reads and
  writes only the search's own tables). A search inside a writing transaction holds it until
  that transaction ends: were that transaction then to wait for a row whose writer waits for
  this lock at its commit, PostgreSQL would find the deadlock and fail one of them. The web's
  searches run outside any transaction (no ``ATOMIC_REQUESTS``) and hold it for one statement.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

LOCK = 7_323_626_471  # the advisory lock of the documents' writers (any constant of our own)

FORWARD = [
    "ALTER TABLE tickets_search_dirty ADD COLUMN later boolean NOT NULL DEFAULT false",
    "CREATE INDEX tickets_search_dirty_later ON tickets_search_dirty (ticket_id) WHERE later",
    """
    CREATE OR REPLACE FUNCTION tickets_search_note(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('sladesk.search_later', true) = 'on' THEN
            -- every note kept (one of another transaction may be taken by a flush right now)
            INSERT INTO tickets_search_dirty (ticket_id, later)
            SELECT DISTINCT id, true FROM unnest(ids) AS id WHERE id IS NOT NULL;
            RETURN;
        END IF;
        PERFORM set_config('sladesk.search_pending', 'on', true);
        INSERT INTO tickets_search_dirty (ticket_id)
        SELECT DISTINCT id FROM unnest(ids) AS id
        WHERE id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM tickets_search_dirty d WHERE d.ticket_id = id AND NOT d.later);
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION tickets_search_flush_now() RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        ids bigint[];
    BEGIN
        PERFORM set_config('sladesk.search_pending', 'off', true);
        IF NOT EXISTS (SELECT 1 FROM tickets_search_dirty WHERE NOT later) THEN
            RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock({LOCK});
        WITH taken AS (DELETE FROM tickets_search_dirty WHERE NOT later RETURNING ticket_id)
        SELECT array_agg(DISTINCT ticket_id) INTO ids FROM taken;
        IF ids IS NOT NULL THEN
            PERFORM tickets_search_refresh(ids);
        END IF;
    END $$
    """,
    f"""
    CREATE FUNCTION tickets_search_flush_later() RETURNS integer LANGUAGE plpgsql AS $$
    DECLARE
        ids bigint[];
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM tickets_search_dirty WHERE later) THEN
            RETURN 0;
        END IF;
        PERFORM pg_advisory_xact_lock({LOCK});
        WITH taken AS (DELETE FROM tickets_search_dirty WHERE later RETURNING ticket_id)
        SELECT array_agg(DISTINCT ticket_id) INTO ids FROM taken;
        IF ids IS NULL THEN
            RETURN 0;
        END IF;
        PERFORM tickets_search_refresh(ids);
        RETURN array_length(ids, 1);
    END $$
    """,
    "DROP TRIGGER tickets_search_flush ON tickets_search_dirty",
    """CREATE CONSTRAINT TRIGGER tickets_search_flush AFTER INSERT ON tickets_search_dirty
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NOT NEW.later) EXECUTE FUNCTION tickets_search_flush()""",
]
BACKWARD = [
    "SELECT tickets_search_flush_later()",
    "DROP TRIGGER tickets_search_flush ON tickets_search_dirty",
    """CREATE CONSTRAINT TRIGGER tickets_search_flush AFTER INSERT ON tickets_search_dirty
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tickets_search_flush()""",
    "DROP FUNCTION tickets_search_flush_later()",
    """
    CREATE OR REPLACE FUNCTION tickets_search_flush_now() RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        ids bigint[];
    BEGIN
        PERFORM set_config('sladesk.search_pending', 'off', true);
        WITH taken AS (DELETE FROM tickets_search_dirty RETURNING ticket_id)
        SELECT array_agg(DISTINCT ticket_id) INTO ids FROM taken;
        IF ids IS NOT NULL THEN
            PERFORM tickets_search_refresh(ids);
        END IF;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION tickets_search_note(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM set_config('sladesk.search_pending', 'on', true);
        INSERT INTO tickets_search_dirty (ticket_id)
        SELECT DISTINCT id FROM unnest(ids) AS id
        WHERE id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tickets_search_dirty d WHERE d.ticket_id = id);
    END $$
    """,
    "DROP INDEX tickets_search_dirty_later",
    "ALTER TABLE tickets_search_dirty DROP COLUMN later",
]


def run(statements: list[str]) -> Any:
    def apply(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_search_note_plpgsql")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
