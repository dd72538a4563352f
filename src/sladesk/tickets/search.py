"""Finding any ticket: words typed in the header's box (or ``tickets list --search``) against the
full-text index of migration 0006 (subjects, descriptions, messages and notes, the requester's and
affected person's name, email and phone, the customer's name and code).

Each word must be found, as a word or the start of one ("relat" finds "Relatório"), whatever
its accents and case; on PostgreSQL a word also finds its other forms ("relatórios" finds
"relatório", the ``portuguese`` stemmer). A text that is a phone number ("+55 51 99100-0001",
"(51) 99100-0001", "99100-0001") also finds the tickets of whoever has that number, on its last
8 digits. "#1234" or "1234" is also ticket number 1234. Every state is found (resolved and
closed too); only what the viewer may see (``queries.visible_to``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext

from sladesk.directory.models import digits
from sladesk.staff.models import StaffProfile
from sladesk.tickets.models import OPEN_STATUSES, Status, Ticket
from sladesk.tickets.queries import visible_to

MAX_CHARS = 200  # of the text looked up
MAX_WORDS = 8
MAX_WORD = 64
FEW = 1000  # matches a page may sort itself (see ``_few``)
PHONE_TAIL = 8  # the digits a phone is matched on (the index holds each phone's last 8)
NUMBER = re.compile(r"#?\s*([1-9][0-9]{0,9})")
PHONE = re.compile(r"\+?[0-9\s().-]+")
WORD = re.compile(r"[^\W_]+")
# Words that say nothing alone: dropped when the text has others ("erro de login" = "erro login").
STOP_WORDS = frozenset({
    "a", "o", "e", "as", "os", "ao", "aos", "à", "às", "de", "da", "do", "das", "dos", "em", "no", "na",
    "nos", "nas", "um", "uma", "uns", "umas", "para", "por", "com", "sem", "que", "se",
})  # fmt: skip


OPEN = "open"
# The status filter of the results: every state (""), the open ones, or one.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "": (),
    OPEN: tuple(OPEN_STATUSES),
    **{s.value: (s.value,) for s in Status},
}


def status_choices() -> list[tuple[str, str]]:
    """The status filter's options, in the page's language: every state is one."""
    return [("", gettext("todas")), (OPEN, gettext("abertas")), *((s.value, str(s.label)) for s in Status)]


@dataclass(frozen=True)
class Query:
    """A text as the search reads it."""

    text: str
    words: tuple[str, ...]
    number: int | None = None  # "#1234" or "1234"
    phone: str = ""  # the last 8 digits, when the whole text is a phone number

    @property
    def empty(self) -> bool:
        return not self.words and self.number is None and not self.phone


def parse(text: str) -> Query:
    """The words of ``text`` (NFKC, at most 8 of at most 64 characters), the ticket number and
    the phone it may be."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 4]).strip()[:MAX_CHARS]
    words = [w[:MAX_WORD] for w in WORD.findall(text)]
    meaningful = [w for w in words if w.casefold() not in STOP_WORDS]
    words = (meaningful or words)[:MAX_WORDS]
    match = NUMBER.fullmatch(text)
    number = int(match[1]) if match and int(match[1]) < 2**31 else None
    phone = digits(text) if PHONE.fullmatch(text) else ""
    return Query(text, tuple(words), number, phone[-PHONE_TAIL:] if len(phone) >= PHONE_TAIL else "")


def matching(query: Query) -> Q:
    """The tickets that match ``query`` (an empty query matches nothing)."""
    return _matching(query, _few(query))


def _matching(query: Query, few: list[int] | None) -> Q:
    found = Q(pk__in=[])
    if query.words or query.phone:
        if few is not None:
            found |= Q(pk__in=few)
        else:
            sql, params = _index_sql(query)
            found |= Q(pk__in=RawSQL(sql, params))  # noqa: S611 (our SQL; the words are parameters)
    if query.number is not None:
        found |= Q(number=query.number)
    return found


def narrow(tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """``tickets`` that match ``text``."""
    return tickets.filter(matching(parse(text)))


def find(
    profile: StaffProfile | None, query: Query, *, statuses: tuple[str, ...] = (), before: int | None = None,
    limit: int = 50,
) -> list[Ticket]:  # fmt: skip
    """The tickets ``profile`` may see that match, the newest first (the last opened: ids and
    numbers grow together), at most ``limit``; ``before``: only ids below it (the next page)."""
    if query.empty:
        return []
    tickets = visible_to(profile).select_related("customer", "requester", "assignee").order_by("-pk")
    if statuses:
        tickets = tickets.filter(status__in=statuses)
    if before is not None:
        tickets = tickets.filter(pk__lt=before)
    first = _first(query)
    few = first if len(first) <= FEW else None
    if few is None and connection.vendor == "sqlite":
        return _newest_first(tickets, query, before, limit, first)
    return list(tickets.filter(_matching(query, few))[:limit])


def _few(query: Query) -> list[int] | None:
    """The ids the index finds when there are at most ``FEW`` of them; None when there are more.

    Few: the tickets are those ids (a page sorts them in a moment). More: PostgreSQL walks the
    tickets newest first (or by deadline) checking each against the index, soon filling a page,
    and SQLite reads the index newest first (``_newest_first``). Asked alone, the planners
    cannot tell a word in 3 tickets from one in 30,000, and walking every ticket for 3 found
    costs as much as sorting 30,000."""
    first = _first(query)
    return first if len(first) <= FEW else None


def _first(query: Query) -> list[int]:
    """At most ``FEW + 1`` ids the index finds (on SQLite the newest first, as cheap)."""
    if not query.words and not query.phone:
        return []
    sql, params = _index_sql(query)
    newest = " ORDER BY rowid DESC" if connection.vendor == "sqlite" else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the documents not written yet, first (one statement)
            cursor.execute(
                # this transaction's changes (migration 0011), and those the intake's batches
                # committed for their flusher to write (0013, ``search_later.py``)
                "SELECT tickets_search_flush_now(), tickets_search_flush_later()"
                if connection.in_atomic_block
                else "SELECT tickets_search_flush_later()"
            )
        cursor.execute(f"{sql}{newest} LIMIT {FEW + 1}", params)
        return [row[0] for row in cursor.fetchall()]


def _newest_first(
    tickets: QuerySet[Ticket], query: Query, before: int | None, limit: int, first: list[int]
) -> list[Ticket]:
    """SQLite, a text found in many tickets: FTS5 hands its ids newest first (its lists are in
    rowid order), a batch at a time (the first: ``first``, the ids ``_first`` read, unless the
    page starts ``before`` an id), each batch 4 times the last, until ``limit`` of them pass
    ``tickets``' filters (who may see, status) or the index has no more. The ticket numbered as
    the text says is taken in the batch whose ids it falls between."""
    sql, params = _index_sql(query)
    found: list[Ticket] = []
    size, high = len(first), before
    while True:
        if high is None:
            ids = first
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"{sql} AND rowid < {int(high)} ORDER BY rowid DESC LIMIT {size}", params)
                ids = [row[0] for row in cursor.fetchall()]
        low = ids[-1] if len(ids) == size else 0
        batch = Q(pk__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)]))
        if query.number is not None:
            batch |= Q(number=query.number, pk__gte=low, **({} if high is None else {"pk__lt": high}))
        found += tickets.filter(batch)[: limit - len(found)]
        if len(found) >= limit or low == 0:
            return found
        size, high = size * 4, low


def jump(profile: StaffProfile | None, query: Query) -> Ticket | None:
    """The ticket numbered as the text says, if ``profile`` may see it (else None, whether it
    does not exist or is another's)."""
    if query.number is None:
        return None
    return visible_to(profile).filter(number=query.number).first()


# ---- the index's own language --------------------------------------------------------------------
def _index_sql(query: Query) -> tuple[str, list[str]]:
    if connection.vendor == "postgresql":
        return _postgres(query)
    return "SELECT rowid FROM tickets_search WHERE tickets_search MATCH %s", [_fts5(query)]


def _fts5(query: Query) -> str:
    """An FTS5 query: each word a prefix ("relat"*), all of them; or the phone's last digits.
    Words are letters and digits only, so quoting them is enough."""
    words = " AND ".join(_fts5_word(w) for w in query.words)
    if not query.phone:
        return words
    return f'"{query.phone}" OR ({words})' if words else f'"{query.phone}"'


def _fts5_word(word: str) -> str:
    """A word or the start of one; a plural also as its singular ("relatórios" finds
    "relatório", as PostgreSQL's stemmer does)."""
    if len(word) < 2:
        return f'"{word}"'
    if len(word) > 3 and word[-1] in "sS":
        return f'("{word}"* OR "{word[:-1]}")'
    return f'"{word}"*'


def _postgres(query: Query) -> tuple[str, list[str]]:
    """A tsquery: each word as the stemmer reads it or as the start of a word as written, all of
    them; or the phone's last digits. Words are letters and digits only: no tsquery syntax."""
    parts, params = [], []
    for w in query.words:
        prefix = ":*" if len(w) > 1 else ""
        parts.append("(to_tsquery('sladesk_pt', %s) || to_tsquery('sladesk_simple', %s))")
        params += [w, w + prefix]
    tsquery = " && ".join(parts)
    if query.phone:
        phone = "to_tsquery('sladesk_simple', %s)"
        tsquery = f"{phone} || ({tsquery})" if parts else phone
        params.insert(0, query.phone)
    return f"SELECT ticket_id FROM tickets_search WHERE document @@ ({tsquery})", params  # noqa: S608
