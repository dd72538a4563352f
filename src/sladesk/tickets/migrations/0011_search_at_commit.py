"""PostgreSQL: each ticket's search document written once per transaction, at its commit, for
every ticket the transaction touched together, instead of once for every statement that touched
the ticket (0006's triggers wrote a new ticket's document twice, for the ticket and for its first
message, and one statement each; an intake batch of 50 emails wrote about 70 documents one by one).

The triggers of 0006 now only note which tickets changed, in ``tickets_search_dirty`` (the ids
this transaction has not noted yet, so a ticket is noted once however often it changes). A
deferred constraint trigger on that table runs ``tickets_search_flush()`` at commit: the first
firing takes every id noted (deleting them) and writes their documents in one statement; the
others (one per id noted) see at once, from a setting local to the transaction, that nothing was
noted since (``sladesk.search_pending``: set by each note, cleared by each flush, and undone with
a rolled-back savepoint as the notes are), instead of each reading the table again (which held,
dead, every id just taken: thousands of firings reading thousands of rows). Each transaction sees and takes only its own notes (another's are not
committed, and none are ever committed: the flush deletes them in the same transaction), and no
unique index makes one writer wait for another's. A reader inside the writing transaction (the
search, ``tickets/search.py``; a test) calls ``tickets_search_flush_now()`` first.

SQLite keeps its row triggers (``tickets/search_index.py``): it writes in-process, one statement
costs it little.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _trigger_functions(call: str) -> list[str]:
    """0006's two trigger functions, each handing the ids of the tickets changed to ``call``."""
    return [
        f"""
    CREATE OR REPLACE FUNCTION tickets_search_statement() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'tickets_ticket' THEN
            PERFORM {call}(ARRAY(SELECT id FROM changed));
        ELSE
            PERFORM {call}(ARRAY(SELECT DISTINCT ticket_id FROM changed));
        END IF;
        RETURN NULL;
    END $$
    """,
        f"""
    CREATE OR REPLACE FUNCTION tickets_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'tickets_ticket' THEN
            PERFORM {call}(ARRAY[NEW.id]);
        ELSIF TG_TABLE_NAME = 'tickets_message' THEN
            PERFORM {call}(ARRAY[OLD.ticket_id, NEW.ticket_id]);
        ELSIF TG_TABLE_NAME = 'directory_person' THEN
            PERFORM {call}(ARRAY(
                SELECT id FROM tickets_ticket WHERE requester_id = NEW.id
                UNION SELECT id FROM tickets_ticket WHERE affected_person_id = NEW.id));
        ELSE
            PERFORM {call}(ARRAY(SELECT id FROM tickets_ticket WHERE customer_id = NEW.id));
        END IF;
        RETURN NULL;
    END $$
    """,
    ]


FORWARD = [
    "CREATE TABLE tickets_search_dirty (ticket_id bigint NOT NULL)",
    "CREATE INDEX tickets_search_dirty_ticket ON tickets_search_dirty (ticket_id)",
    """
    CREATE FUNCTION tickets_search_note(ids bigint[]) RETURNS void LANGUAGE sql AS $$
        SELECT set_config('sladesk.search_pending', 'on', true);
        INSERT INTO tickets_search_dirty (ticket_id)
        SELECT DISTINCT id FROM unnest(ids) AS id
        WHERE id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tickets_search_dirty d WHERE d.ticket_id = id);
    $$
    """,
    """
    CREATE FUNCTION tickets_search_flush_now() RETURNS void LANGUAGE plpgsql AS $$
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
    CREATE FUNCTION tickets_search_flush() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('sladesk.search_pending', true) = 'on' THEN
            PERFORM tickets_search_flush_now();
        END IF;
        RETURN NULL;
    END $$
    """,
    """CREATE CONSTRAINT TRIGGER tickets_search_flush AFTER INSERT ON tickets_search_dirty
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tickets_search_flush()""",
    # 0006's trigger functions, noting instead of writing
    *_trigger_functions("tickets_search_note"),
]
BACKWARD = [
    *_trigger_functions("tickets_search_refresh"),  # as 0006 wrote them
    "SELECT tickets_search_flush_now()",
    "DROP TRIGGER tickets_search_flush ON tickets_search_dirty",
    "DROP FUNCTION tickets_search_flush()",
    "DROP FUNCTION tickets_search_flush_now()",
    "DROP FUNCTION tickets_search_note(bigint[])",
    "DROP TABLE tickets_search_dirty",
]


def run(statements: list[str]) -> Any:
    def apply(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_saved_filter")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
