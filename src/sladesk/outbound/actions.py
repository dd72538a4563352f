"""Scheduling and delivering outbox messages.

Delivery never holds a transaction across the network: a row is claimed (its
``send_after`` pushed past a lease, its attempt counted) and committed, then sent,
then its outcome recorded. Two workers never take the same row; a worker that dies
mid-send leaves the row to be taken again when the lease runs out (at least once).
After the last attempt the row is marked failed (``failed_at``): its ticket's page and the
admin show it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from sladesk import sql
from sladesk.outbound.headers import one_line
from sladesk.outbound.models import OutboxMessage

if TYPE_CHECKING:
    from sladesk.tickets.models import Ticket

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)
LOOP_HEADER = "X-Sladesk-Loop"  # longer than any SMTP conversation takes


def schedule_email(
    to: str,
    subject: str,
    body: str,
    template: str,
    ticket: Ticket | None = None,
    *,
    in_reply_to: str = "",
    references: Sequence[str] = (),
    automatic: bool = False,
) -> OutboxMessage:
    """Called inside an action's transaction: the row commits (or not) with the change.

    ``automatic``: sent by the desk itself, not written by an agent (RFC 3834's
    ``Auto-Submitted: auto-replied``, so that the other side's robots do not answer it)."""
    row = OutboxMessage(
        to=one_line(to).lower(), subject=one_line(subject)[:300], body=body, template=template, ticket=ticket,
        send_after=timezone.now(), message_id=new_message_id(), in_reply_to=one_line(in_reply_to),
        references=" ".join(one_line(r) for r in references), automatic=automatic,
    )  # fmt: skip
    sql.insert([row])  # the intake schedules one for many emails: SQL built once
    if automatic and _counts.by_address is not None:
        _counts.by_address[row.to] = _counts.by_address.get(row.to, 0) + 1
    return row


# ---- how many automatic emails an address had --------------------------------------------------
class _Counts(threading.local):
    by_address: dict[str, int] | None = None  # within ``automatic_counted``: address -> count


_counts = _Counts()


def automatic_sent(address: str, since: datetime) -> int:
    """How many automatic emails went (or wait to go) to ``address`` since ``since``: one
    statement built once (the intake asks for every email), or, within ``automatic_counted``,
    the count it read for the batch and kept up to date."""
    address = address.lower()
    if _counts.by_address is not None and address in _counts.by_address:
        return _counts.by_address[address]
    with connection.cursor() as cursor:
        cursor.execute(_count_sql(connection.vendor), [address, connection.ops.adapt_datetimefield_value(since)])
        (count,) = cursor.fetchone()
    return int(count)


@contextlib.contextmanager
def automatic_counted(addresses: Iterable[str], since: datetime) -> Iterator[None]:
    """Within it (a batch of work in one transaction, with no savepoint that could undo part of
    it), the automatic emails of each of ``addresses`` since ``since`` are counted in one
    statement, and every automatic email scheduled meanwhile counts on top: ``automatic_sent``
    answers from that. ``since`` is the batch's, as if it all happened at its start."""
    wanted = sorted({a.lower() for a in addresses if a})
    counts = dict.fromkeys(wanted, 0)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found = OutboxMessage.objects.filter(to__in=chunk, automatic=True, created_at__gte=since)
        counts.update(found.values_list("to").annotate(n=Count("pk")).values_list("to", "n"))
    _counts.by_address = counts
    try:
        yield
    finally:
        _counts.by_address = None


@functools.cache
def _count_sql(vendor: str) -> str:
    q, meta = connection.ops.quote_name, OutboxMessage._meta
    column = {name: q(str(meta.get_field(name).column)) for name in ("to", "automatic", "created_at")}  # type: ignore[union-attr]
    # Names from the model, values as parameters.
    return (
        f"SELECT COUNT(*) FROM {q(meta.db_table)} WHERE {column['to']} = %s AND {column['automatic']}"  # noqa: S608
        f" AND {column['created_at']} >= %s"
    )


def schedule_webhook(url: str, subject: str, payload: str, template: str) -> OutboxMessage:
    """A JSON post to ``url``, delivered (and retried) like an email. Called inside an
    action's transaction."""
    return OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.WEBHOOK, to=url, subject=one_line(subject)[:300], body=payload, template=template,
        send_after=timezone.now(), automatic=True,
    )  # fmt: skip


WEBHOOK_TIMEOUT = 10  # seconds


def post_webhook(row: OutboxMessage) -> None:
    """POST the row's JSON; anything but a 2xx answer raises (and the row is retried).
    Only http and https (the webhook form and model refuse other schemes; checked again here)."""
    if not row.to.startswith(("http://", "https://")):
        raise ValueError(f"webhook URL {row.to!r} is not http or https")
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        row.to, data=row.body.encode(), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "sladesk"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as answer:  # noqa: S310
        if not 200 <= answer.status < 300:
            raise urllib.error.HTTPError(row.to, answer.status, "not a 2xx answer", answer.headers, None)


def new_message_id() -> str:
    """A Message-ID in the desk's own domain (the sender address's)."""
    domain = str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip("> ") or "sladesk.invalid"
    return f"<{uuid.uuid4().hex}.sladesk@{domain}>"


def our_domain_id(message_id: str) -> bool:
    """Whether a Message-ID looks like one of ours (a loop check: our mail coming back)."""
    return ".sladesk@" in message_id


def email_of(row: OutboxMessage) -> EmailMessage:
    headers = {"Message-ID": row.message_id or new_message_id()}
    if row.in_reply_to:
        headers["In-Reply-To"] = row.in_reply_to
    if row.references:
        headers["References"] = row.references
    if row.automatic:
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"  # Exchange's own way to say it
    headers[LOOP_HEADER] = "1"  # a copy that comes back to the desk (a forwarder) is a loop
    return EmailMessage(row.subject, row.body, None, [row.to], headers=headers)


def deliver_due(now: datetime | None = None, limit: int = 50) -> int:
    """Send what is due: claim, commit, send, record. Returns how many were sent."""
    now = now or timezone.now()
    return sum(_deliver_one(pk, now) for pk in _claim(now, limit))


def _claim(now: datetime, limit: int) -> list[int]:
    """Take up to ``limit`` due rows in one short transaction (SKIP LOCKED on PostgreSQL;
    SQLite's IMMEDIATE transaction serialises claimers). A claimed row is not due again
    until its lease runs out."""
    with transaction.atomic():
        due = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now
        )
        ids = list(due.order_by("send_after").values_list("pk", flat=True)[:limit])
        OutboxMessage.objects.filter(pk__in=ids).update(send_after=now + LEASE, attempts=F("attempts") + 1)
    return ids


def _deliver_one(pk: int, now: datetime) -> int:
    row = OutboxMessage.objects.get(pk=pk)
    try:  # no transaction is open here
        if row.kind == OutboxMessage.Kind.WEBHOOK:
            post_webhook(row)
        else:
            email_of(row).send()
    except Exception as exc:  # any delivery failure is retried later, with backoff
        _failed(row, exc, now)
        return 0
    OutboxMessage.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
    return 1


def _failed(row: OutboxMessage, exc: Exception, now: datetime) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts < MAX_ATTEMPTS:
        retry = now + timedelta(minutes=2**row.attempts)
        OutboxMessage.objects.filter(pk=row.pk).update(last_error=error, send_after=retry)
        return
    # Failed for good: shown on its ticket's page and in the admin (``failed_at``), and logged.
    logger.error("email %s to %s failed for good after %s attempts: %s", row.pk, row.to, row.attempts, error)
    OutboxMessage.objects.filter(pk=row.pk).update(last_error=error, failed_at=now)
