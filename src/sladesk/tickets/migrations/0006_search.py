"""The full-text index of tickets (``tickets/search.py`` reads it): one document per ticket made
of its subject and description, its messages and notes, its requester's and affected person's
name, email and phone, and its customer's name and code.

Kept by triggers, so every way a message or a ticket is written (the actions, the intake's
batches, the demo's bulk COPY, a merge moving messages) keeps it without knowing of it:

- PostgreSQL: ``tickets_search(ticket_id, document tsvector)`` with a GIN index; the document is
  the text under two configurations, ``sladesk_pt`` (``portuguese`` with ``unaccent`` before the
  stemmer: "relatórios" finds "Relatório") and ``sladesk_simple`` (``simple`` with ``unaccent``:
  the words as written, for prefixes, "atendim" finds "atendimento"), without positions;
  insertions are statement triggers over their transition tables (a COPY of 5,000 tickets is
  one refresh), updates row triggers that fire only when a searched column changed.
- SQLite: the FTS5 table ``tickets_search(document)`` with ``rowid`` = the ticket's id and the
  ``unicode61 remove_diacritics 2`` tokenizer (case and accents folded); its row triggers are
  ``tickets/search_index.py``'s, created after every ``migrate`` (not here: Django remakes a
  SQLite table to change it, which drops its triggers).

ASCII punctuation separates words on both ("ana.souza@acme.com.br" is five words, as FTS5 sees
it). A phone adds its last 8 digits as a word: the number however it is typed. A document holds
its first 100,000 characters.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

MAX_CHARS = 100_000
PUNCTUATION = r"[!-/:-@\[-`{-~]+"  # ASCII punctuation and symbols, whatever the database's locale

# ---- PostgreSQL ------------------------------------------------------------------------------
PG_DOCUMENT = f"""
concat_ws(' ', t.subject, c.name, c.code,
          r.name, r.email, r.phone_digits, right(r.phone_digits, 8),
          a.name, a.email, a.phone_digits, right(a.phone_digits, 8),
          t.description,
          (SELECT string_agg(m.body, ' ' ORDER BY m.id) FROM tickets_message m WHERE m.ticket_id = t.id))
"""
WORDS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"
PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION sladesk_pt (COPY = pg_catalog.portuguese)",
    f"ALTER TEXT SEARCH CONFIGURATION sladesk_pt ALTER MAPPING FOR {WORDS} WITH unaccent, portuguese_stem",
    "CREATE TEXT SEARCH CONFIGURATION sladesk_simple (COPY = pg_catalog.simple)",
    f"ALTER TEXT SEARCH CONFIGURATION sladesk_simple ALTER MAPPING FOR {WORDS} WITH unaccent, simple",
    f"""
    CREATE FUNCTION tickets_search_vector(body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT strip(to_tsvector('sladesk_pt', x) || to_tsvector('sladesk_simple', x))
        FROM (SELECT regexp_replace(left(body, {MAX_CHARS}), '{PUNCTUATION}', ' ', 'g') AS x) AS cleaned
    $$
    """,
    "CREATE TABLE tickets_search (ticket_id bigint PRIMARY KEY, document tsvector NOT NULL)",
    "CREATE INDEX tickets_search_document ON tickets_search USING gin (document)",
    f"""
    CREATE FUNCTION tickets_search_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO tickets_search (ticket_id, document)
        SELECT t.id, tickets_search_vector({PG_DOCUMENT})
        FROM tickets_ticket t
        JOIN directory_customer c ON c.id = t.customer_id
        JOIN directory_person r ON r.id = t.requester_id
        LEFT JOIN directory_person a ON a.id = t.affected_person_id
        WHERE t.id = ANY(ids)
        ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document;
        DELETE FROM tickets_search s
        WHERE s.ticket_id = ANY(ids) AND NOT EXISTS (SELECT 1 FROM tickets_ticket t WHERE t.id = s.ticket_id);
    $$
    """,
    # ticket_id from the transition table "changed" (insertions and deletions, per statement)
    """
    CREATE FUNCTION tickets_search_statement() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'tickets_ticket' THEN
            PERFORM tickets_search_refresh(ARRAY(SELECT id FROM changed));
        ELSE
            PERFORM tickets_search_refresh(ARRAY(SELECT DISTINCT ticket_id FROM changed));
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION tickets_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'tickets_ticket' THEN
            PERFORM tickets_search_refresh(ARRAY[NEW.id]);
        ELSIF TG_TABLE_NAME = 'tickets_message' THEN
            PERFORM tickets_search_refresh(ARRAY[OLD.ticket_id, NEW.ticket_id]);
        ELSIF TG_TABLE_NAME = 'directory_person' THEN
            PERFORM tickets_search_refresh(ARRAY(
                SELECT id FROM tickets_ticket WHERE requester_id = NEW.id
                UNION SELECT id FROM tickets_ticket WHERE affected_person_id = NEW.id));
        ELSE
            PERFORM tickets_search_refresh(ARRAY(SELECT id FROM tickets_ticket WHERE customer_id = NEW.id));
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION tickets_search_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE tickets_search;
        RETURN NULL;
    END $$
    """,
    # insertions and deletions: once per statement
    """CREATE TRIGGER tickets_search_ticket_insert AFTER INSERT ON tickets_ticket
       REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_statement()""",
    """CREATE TRIGGER tickets_search_ticket_delete AFTER DELETE ON tickets_ticket
       REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_statement()""",
    """CREATE TRIGGER tickets_search_ticket_truncate AFTER TRUNCATE ON tickets_ticket
       FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_truncate()""",
    """CREATE TRIGGER tickets_search_message_insert AFTER INSERT ON tickets_message
       REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_statement()""",
    """CREATE TRIGGER tickets_search_message_delete AFTER DELETE ON tickets_message
       REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION tickets_search_statement()""",
    # updates: only when a searched column changed (the WHEN is checked without calling anything)
    """CREATE TRIGGER tickets_search_ticket_update
       AFTER UPDATE OF subject, description, customer_id, requester_id, affected_person_id ON tickets_ticket
       FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.description IS DISTINCT FROM NEW.description
           OR OLD.customer_id IS DISTINCT FROM NEW.customer_id OR OLD.requester_id IS DISTINCT FROM NEW.requester_id
           OR OLD.affected_person_id IS DISTINCT FROM NEW.affected_person_id)
       EXECUTE FUNCTION tickets_search_row()""",
    """CREATE TRIGGER tickets_search_message_update AFTER UPDATE OF body, ticket_id ON tickets_message
       FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id)
       EXECUTE FUNCTION tickets_search_row()""",
    """CREATE TRIGGER tickets_search_person_update AFTER UPDATE OF name, email, phone_digits ON directory_person
       FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email
           OR OLD.phone_digits IS DISTINCT FROM NEW.phone_digits)
       EXECUTE FUNCTION tickets_search_row()""",
    """CREATE TRIGGER tickets_search_customer_update AFTER UPDATE OF name, code ON directory_customer
       FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.code IS DISTINCT FROM NEW.code)
       EXECUTE FUNCTION tickets_search_row()""",
    "SELECT tickets_search_refresh(ARRAY(SELECT id FROM tickets_ticket))",
    "ANALYZE tickets_search",
]
PG_BACKWARD = [
    "DROP TRIGGER tickets_search_ticket_insert ON tickets_ticket",
    "DROP TRIGGER tickets_search_ticket_delete ON tickets_ticket",
    "DROP TRIGGER tickets_search_ticket_truncate ON tickets_ticket",
    "DROP TRIGGER tickets_search_ticket_update ON tickets_ticket",
    "DROP TRIGGER tickets_search_message_insert ON tickets_message",
    "DROP TRIGGER tickets_search_message_delete ON tickets_message",
    "DROP TRIGGER tickets_search_message_update ON tickets_message",
    "DROP TRIGGER tickets_search_person_update ON directory_person",
    "DROP TRIGGER tickets_search_customer_update ON directory_customer",
    "DROP FUNCTION tickets_search_truncate()",
    "DROP FUNCTION tickets_search_row()",
    "DROP FUNCTION tickets_search_statement()",
    "DROP FUNCTION tickets_search_refresh(bigint[])",
    "DROP TABLE tickets_search",
    "DROP FUNCTION tickets_search_vector(text)",
    "DROP TEXT SEARCH CONFIGURATION sladesk_simple",
    "DROP TEXT SEARCH CONFIGURATION sladesk_pt",
]  # the unaccent extension stays: something else may use it

# ---- SQLite ----------------------------------------------------------------------------------
# The table only: its triggers, and the documents of the tickets already there, are written after
# every migrate by tickets/search_index.py (Django remakes SQLite tables, which drops triggers).
SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE tickets_search USING fts5(
        document, tokenize = 'unicode61 remove_diacritics 2', detail = none)""",
]
SQLITE_TRIGGERS = (
    "ticket_insert", "ticket_update", "ticket_delete", "message_insert", "message_update", "message_delete",
    "person_update", "customer_update",
)  # fmt: skip
SQLITE_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS tickets_search_{name}" for name in SQLITE_TRIGGERS),
    "DROP TABLE tickets_search",
]


def run(statements: dict[str, list[str]]) -> Any:
    def apply(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            for sql in statements.get(connection.vendor, []):
                cursor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("tickets", "0005_metric_warning"),
    ]

    operations = [
        migrations.RunPython(
            run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
