"""The search index's triggers on SQLite, kept through Django's migrations (``tickets/search.py``
reads the index; migration 0006 creates it).

Django changes a SQLite table by remaking it: a new table, the rows copied, the old one dropped,
the new one renamed. Dropping a table drops its triggers, and the rename fails while another
trigger's body names the dropped table. So on SQLite the triggers are not a migration's:
``migrate`` drops them before it changes anything (``pre_migrate``, when there is something to
do) and creates them after (``post_migrate``); when they had to be created, every document is
written again (what changed meanwhile, a data migration's rows, was not indexed). PostgreSQL
changes tables in place: its triggers are migration 0006's and stay.

The document of a ticket, on both databases: its subject, its customer's name and code, its
requester's and affected person's name, email, phone digits and their last 8 digits (a phone
however it is typed), its description and its messages, the first 100,000 characters.
"""

# ruff: noqa: S608 (SQL of our own tables and columns: no text from outside)
from __future__ import annotations

from typing import Any

from django.db import connections, transaction

MAX_CHARS = 100_000
DOCUMENT = f"""
substr(t.subject || ' ' || c.name || ' ' || c.code
       || ' ' || r.name || ' ' || r.email || ' ' || r.phone_digits || ' ' || substr(r.phone_digits, -8)
       || coalesce(' ' || a.name || ' ' || a.email || ' ' || a.phone_digits || ' ' || substr(a.phone_digits, -8), '')
       || ' ' || t.description
       || coalesce(' ' || (SELECT group_concat(body, ' ') FROM
                           (SELECT m.body FROM tickets_message m WHERE m.ticket_id = t.id ORDER BY m.id)), ''),
       1, {MAX_CHARS})
"""


def refresh(where: str) -> list[str]:
    """The two statements that write the documents of the tickets ``where`` selects (``t``)."""
    return [
        f"DELETE FROM tickets_search WHERE rowid IN (SELECT t.id FROM tickets_ticket t WHERE {where})",
        f"""INSERT INTO tickets_search (rowid, document)
        SELECT t.id, {DOCUMENT}
        FROM tickets_ticket t
        JOIN directory_customer c ON c.id = t.customer_id
        JOIN directory_person r ON r.id = t.requester_id
        LEFT JOIN directory_person a ON a.id = t.affected_person_id
        WHERE {where}""",
    ]


def _body(where: str) -> str:
    return "".join(f"\n    {sql};" for sql in refresh(where))


TICKET_CHANGED = """OLD.subject IS NOT NEW.subject OR OLD.description IS NOT NEW.description
    OR OLD.customer_id IS NOT NEW.customer_id OR OLD.requester_id IS NOT NEW.requester_id
    OR OLD.affected_person_id IS NOT NEW.affected_person_id"""
TRIGGERS = {
    "tickets_search_ticket_insert": f"AFTER INSERT ON tickets_ticket BEGIN{_body('t.id = NEW.id')}",
    "tickets_search_ticket_update": f"""AFTER UPDATE OF subject, description, customer_id, requester_id,
        affected_person_id ON tickets_ticket WHEN {TICKET_CHANGED} BEGIN{_body("t.id = NEW.id")}""",
    "tickets_search_ticket_delete": """AFTER DELETE ON tickets_ticket BEGIN
    DELETE FROM tickets_search WHERE rowid = OLD.id;""",
    "tickets_search_message_insert": f"AFTER INSERT ON tickets_message BEGIN{_body('t.id = NEW.ticket_id')}",
    "tickets_search_message_update": f"""AFTER UPDATE OF body, ticket_id ON tickets_message
        WHEN OLD.body IS NOT NEW.body OR OLD.ticket_id IS NOT NEW.ticket_id
        BEGIN{_body("t.id IN (OLD.ticket_id, NEW.ticket_id)")}""",
    "tickets_search_message_delete": f"AFTER DELETE ON tickets_message BEGIN{_body('t.id = OLD.ticket_id')}",
    "tickets_search_person_update": f"""AFTER UPDATE OF name, email, phone_digits ON directory_person
        WHEN OLD.name IS NOT NEW.name OR OLD.email IS NOT NEW.email OR OLD.phone_digits IS NOT NEW.phone_digits
        BEGIN{_body("t.requester_id = NEW.id OR t.affected_person_id = NEW.id")}""",
    "tickets_search_customer_update": f"""AFTER UPDATE OF name, code ON directory_customer
        WHEN OLD.name IS NOT NEW.name OR OLD.code IS NOT NEW.code BEGIN{_body("t.customer_id = NEW.id")}""",
}


def _sqlite(using: str) -> Any:
    connection = connections[using]
    return connection if connection.vendor == "sqlite" else None


def drop(using: str = "default") -> None:
    """Every trigger of the index gone (SQLite), so that a migration may remake any table."""
    connection = _sqlite(using)
    if connection is None:
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def ensure(using: str = "default") -> bool:
    """The triggers there (SQLite, when the index is); True when they had to be created, and
    then every document has been written again."""
    connection = _sqlite(using)
    if connection is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {name for _, name in cursor.fetchall()}
    if "tickets_search" not in present or all(name in present for name in TRIGGERS):
        return False
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for name, sql in TRIGGERS.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"CREATE TRIGGER {name} {sql}\nEND")
        cursor.execute("DELETE FROM tickets_search")
        for sql in refresh("1"):
            cursor.execute(sql)
    return True


def before_migrate(sender: Any, using: str = "default", plan: Any = None, **kwargs: Any) -> None:
    if plan:
        drop(using)


def after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    ensure(using)
