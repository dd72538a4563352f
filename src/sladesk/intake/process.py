"""``process_message(raw, received_at) -> Outcome``: what one email does to the desk.

The SMTP listener, the IMAP poller and ``sladesk ingest`` all call this (the listener and the
poller through ``process_messages``, several at a time), and nothing else. Read down:

1. the raw bytes are kept with the email's row, in the transaction that records its outcome
   (a message over ``RAW_IN_ROW`` bytes is written under the data directory and synced first):
   no outcome without its bytes, and until that commits the sender's side still holds them
   (the listener's spool, the IMAP server, the MTA waiting for ``ingest``);
2. the message is parsed (``parse.py``, no database); too large or unreadable: quarantined;
3. a Message-ID (or the same bytes without trace headers) already seen: ``duplicate``;
4. our own mail coming back (``loop``), or, with a trusted authentication server set, a sender
   it does not vouch for (``unauthenticated``): quarantined, never answered;
5. bounces and automatic mail: ``ignored`` (a bounce of our email marks it failed on its ticket);
6. an answer in a ticket's thread (a Message-ID the ticket knows, or ``[#N]`` from a person of
   that ticket's customer): a customer reply (``ticket_updated``; a follow-up when closed);
7. else a new request: only an entitled Gestor opens a ticket (``ticket_created``, with the
   triage's suggestions and an acknowledgement); everyone else is ``rejected`` with a reason
   and, unless they are unknown, told why and what to do.

All of it in one transaction with the email's own row: the outcome, the ticket and the emails
scheduled in answer exist together or not at all. ``process_messages`` puts a batch in one
transaction (one commit, one sync of the database) with a savepoint for each email: an email
that fails rolls back only its own work. What fails unexpectedly is quarantined
(``processing_error``) with its raw bytes, never lost, and the caller still gets an outcome.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from sladesk import sql
from sladesk.directory import entitlement
from sladesk.directory.models import Person
from sladesk.intake import directory_cache, replies, rows
from sladesk.intake.ahead import Guess
from sladesk.intake.auth import verdict
from sladesk.intake.message import InboundMessage
from sladesk.intake.models import InboundMail, MailEvent, Outcome, Review
from sladesk.intake.parse import parse_within
from sladesk.intake.store import keep_attachment, keep_raws
from sladesk.intake.triage import triage
from sladesk.outbound.actions import LOOP_HEADER, our_domain_id
from sladesk.outbound.headers import one_line
from sladesk.outbound.models import OutboxMessage
from sladesk.policies.service import current_policy
from sladesk.policies.service import snapshot as policy_snapshot
from sladesk.tickets import notices
from sladesk.tickets.actions import NOT_ENTITLED, ActionError, do_add_customer_reply, do_create_ticket
from sladesk.tickets.models import Attachment, Message, Ticket
from sladesk.tickets.search_later import write_after_commit

logger = logging.getLogger(__name__)

TAG = re.compile(r"\[#(\d{1,9})\]")
REASONS = {  # entitlement's codes -> the intake's stable reason codes
    entitlement.UNKNOWN_SENDER: "unknown_sender",
    entitlement.NOT_A_GESTOR: "role_not_entitled",
    entitlement.NO_SEAT: "no_support_seat",
    entitlement.NO_CONTRACT: "no_active_contract",
    entitlement.INACTIVE: "inactive_person",
}
EMPTY_BODY = "(mensagem sem texto)"
RAW_IN_ROW = 1 << 20  # bytes: a larger message is kept as a file under mail/, not in its row


@dataclass(frozen=True)
class Result:
    """What processing decided; ``as_json`` is what ``sladesk ingest`` prints."""

    outcome: str
    ticket: int | None = None
    reason: str | None = None
    auto_reply: bool = False
    mail_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "ticket": self.ticket, "reason": self.reason, "auto_reply": self.auto_reply}


@dataclass(frozen=True)
class Incoming:
    """One email as a way in hands it over: its bytes, when we received it, and from where."""

    raw: bytes
    received_at: datetime
    source: str = "pipe"  # smtp | imap | pipe
    source_id: str | None = None  # the spool item or IMAP message: processed at most once


@dataclass
class _Mail:
    """One email being processed: its bytes, what they say, and its row."""

    raw: bytes
    msg: InboundMessage
    row: InboundMail
    released_from: str = ""  # the quarantine reason an agent released it from
    notes: list[str] = field(default_factory=list)
    events: list[MailEvent] = field(default_factory=list)  # inserted with the batch's
    number: int | None = None  # the number of the ticket it concerns, once known
    recorded: bool = False  # its outcome is written already
    tried: bool = False  # its row's claim was tried with the batch's (and failed if its pk is None)
    guess: Guess | None = None  # its triage done ahead, if it looked like a request

    @property
    def received_at(self) -> datetime:
        return self.row.received_at


class _SourceTaken(Exception):
    """Another process stored this very item (its ``source_id``) at the same moment."""


def process_message(raw: bytes, received_at: datetime, *, source: str = "pipe", source_id: str | None = None) -> Result:
    """One email in, one outcome out (stored with the raw message). Never raises for what
    the message holds; raises only when the raw bytes cannot be stored (the caller retries)."""
    return process_messages([Incoming(raw, received_at, source, source_id)])[0]


def process_messages(
    batch: Sequence[Incoming],
    parsed: Sequence[InboundMessage] | None = None,
    snapshot: directory_cache.Snapshot | None = None,
    guesses: dict[int, Guess] | None = None,
    search_later: bool = False,
) -> list[Result]:
    """Each email's outcome, in order, all committed together on return (``parsed``,
    ``snapshot``, ``guesses``: what ``stream.process_stream`` read of the batch ahead: its emails parsed
    in its order, the directory as read for it, its likely requests triaged by their index).
    ``search_later``: its tickets' search documents are left to a flush after its commit
    (``tickets.search_later``; PostgreSQL), which the caller runs or pokes.

    One transaction for the batch. It is first tried without a savepoint for each email (two
    statements less per email) and with every email's row claimed in one statement (its
    duplicate key taken: an email whose key was taken, earlier or by an earlier email of the
    batch, is then found a duplicate on its own); if any email fails, that attempt is rolled back
    whole and the batch runs again with a savepoint for each, each claiming its own row, so that
    the one that fails rolls back only its own work and is quarantined. Raises, with nothing
    committed, only when nothing could be stored (the database away or locked past its timeout):
    the caller keeps every email of the batch and tries again."""
    earlier = _processed_already([item.source_id for item in batch if item.source_id])
    ready = parsed if parsed is not None and len(parsed) == len(batch) else [None] * len(batch)
    todo, messages, guessed = [], [], []
    for index, (item, msg) in enumerate(zip(batch, ready, strict=True)):
        if item.source_id not in earlier:
            todo.append(item)
            messages.append(msg if msg is not None else _parse(item.raw))
            guessed.append((guesses or {}).get(index) if msg is not None else None)
    big = [item.raw for item in todo if len(item.raw) > RAW_IN_ROW]
    files = dict(zip(big, keep_raws(big), strict=True))  # synced before anything refers to them
    directory_cache.begin(snapshot)
    directory_cache.read_senders(msg.from_address for msg in messages)
    try:
        results = _batch(todo, messages, guessed, files, isolated=len(todo) == 1, later=search_later)
    except _Redo:
        results = _batch(todo, messages, guessed, files, isolated=True, later=search_later)
    return [earlier[item.source_id] if item.source_id in earlier else results[id(item)] for item in batch]


class _Redo(Exception):
    """An email failed in a batch tried without savepoints: the batch runs again with them."""


def _batch(
    todo: Sequence[Incoming],
    parsed: Sequence[InboundMessage],
    guessed: Sequence[Guess | None],
    files: dict[bytes, tuple[str, str]],
    *,
    isolated: bool,
    later: bool = False,
) -> dict[int, Result]:
    mails = [
        _Mail(item.raw, msg, _new_row(item, files.get(item.raw)), guess=guess)
        for item, msg, guess in zip(todo, parsed, guessed, strict=True)
    ]
    results: dict[int, Result] = {}
    # The versions in force read once per batch; without savepoints, the rows claimed in one
    # statement (a row not claimed takes its own way), the outcomes written together, and the
    # senders' automatic replies of the last hour counted together.
    with transaction.atomic(), policy_snapshot(), contextlib.ExitStack() as together:
        if later:
            write_after_commit()
        if not isolated:
            together.enter_context(sql.writes_together())  # the outer wrapper: its writes run first
            if not sql.writing_together():  # (on PostgreSQL each outcome is kept with its email's writes)
                together.enter_context(rows.outcomes_together())
            together.enter_context(replies.counted(mail.msg.from_address for mail in mails))
            rows.insert_many([_keyed(mail) for mail in mails])
            for mail in mails:
                mail.tried = True
        events: list[MailEvent] = []
        for item, mail in zip(todo, mails, strict=True):
            results[id(item)] = _run(mail) if isolated else _run_unguarded(mail)
            events += mail.events
        _close(together, isolated)  # the outcomes written, and on PostgreSQL what was kept
        rows.insert_events(events)
    return results


def _close(together: contextlib.ExitStack, isolated: bool) -> None:
    """The batch's writes kept till its end written: what fails there (a kept write run at the
    end, ``sql.writes_together``) is one email's fault, found when the batch runs again with a
    savepoint for each."""
    try:
        together.close()
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        if isolated:
            raise
        raise _Redo from exc


def reprocess(row: InboundMail, raw: bytes, released_from: str) -> Result:
    """An agent released a quarantined or rejected email: processed again, skipping the
    check that held it (``released_from``), into the same row."""
    directory_cache.begin()
    mail = _Mail(raw, _parse(raw), row, released_from)
    with transaction.atomic():
        result = _run(mail)
        rows.insert_events(mail.events)
    return result


def _processed_already(source_ids: list[str]) -> dict[str | None, Result]:
    """This very item was processed already (a restart, a retry): its first outcome."""
    if not source_ids:
        return {}
    found = InboundMail.objects.filter(source_id__in=source_ids).defer("raw")
    return {row.source_id: result_of(row) for row in found}


def _new_row(item: Incoming, file: tuple[str, str] | None) -> InboundMail:
    path, sha = file or ("", hashlib.sha256(item.raw).hexdigest())
    return InboundMail(
        received_at=item.received_at, source=item.source, source_id=item.source_id or None, raw_path=path,
        raw_sha256=sha, raw=None if file else item.raw, size=len(item.raw),
    )  # fmt: skip


def _work(mail: _Mail) -> Result:
    """The email's work: its row claimed (or found a duplicate), its outcome decided and recorded."""
    if mail.row.pk is None and (duplicate := _claim(mail)) is not None:
        return duplicate
    _decide(mail)
    _save(mail)
    return _result(mail)


def _run_unguarded(mail: _Mail) -> Result:
    """The email's work without a savepoint: any failure but the database's is a ``_Redo``."""
    try:
        return _work(mail)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        raise _Redo from exc


def _run(mail: _Mail) -> Result:
    """The email's work in a savepoint of its own: all of it, or none of it and a quarantine."""
    row = mail.row
    try:
        with transaction.atomic():
            return _work(mail)
    except (OperationalError, InterfaceError):
        # The database is away or busy past its timeout: nothing was committed, and this is no
        # fault of the message. The caller keeps it and tries again (the spool keeps its file,
        # IMAP leaves it unseen, `ingest` exits 75), instead of quarantining a good email.
        raise
    except _SourceTaken:  # another process took this very item at the same moment
        mail.events.clear()
        done = InboundMail.objects.filter(source_id=row.source_id).defer("raw").first()
        if done is None:
            raise
        return result_of(done)
    except IntegrityError:
        logger.exception("email %s: an integrity error; quarantined", row.raw_sha256)
        mail.events.clear()
        return _failed(mail, "integrity error (see the log)")
    except Exception as exc:  # never lose the message: quarantine it with the error
        logger.exception("email %s: processing failed; quarantined", row.raw_sha256)
        mail.events.clear()
        return _failed(mail, f"{type(exc).__name__}: {exc}")


def _parse(raw: bytes) -> InboundMessage:
    return parse_within(raw, settings.MAX_MESSAGE_BYTES)


def _claim(mail: _Mail) -> Result | None:
    """Take the email's duplicate key (its Message-ID, else its digest), or say it is a duplicate.

    The key is unique among the mail that counted: the row is inserted with it, or not at all
    when it is taken (``rows.insert``). Of two copies processed at the same moment, the second
    waits for the first's transaction and then finds the key taken."""
    row = _keyed(mail)
    if not mail.tried and rows.insert(row):
        return None
    first = InboundMail.objects.filter(dedupe_key=row.dedupe_key).values_list("pk", "ticket_id", "ticket__number")
    found = first.first()
    row.dedupe_key = None
    row.outcome, row.reason = Outcome.DUPLICATE, ""
    row.ticket_id, mail.number = (found[1], found[2]) if found is not None else (None, None)
    row.detail = f"the same email as #{found[0]}" if found is not None else ""
    if not rows.insert(row):  # the key is not what was taken: the source is
        raise _SourceTaken(row.source_id)
    mail.recorded = True
    _event(mail, "received")
    return _result(mail)


def _keyed(mail: _Mail) -> InboundMail:
    """The email's row as it is claimed: its duplicate key, what it says, and "quarantined"
    until its outcome is decided (in the same transaction)."""
    key = mail.msg.message_id or f"sha256:{mail.msg.digest or mail.row.raw_sha256}"
    row = mail.row
    row.message_id, row.from_address = mail.msg.message_id[:998], mail.msg.from_address[:320]
    row.subject = one_line(mail.msg.subject)[:300]
    row.dedupe_key, row.outcome = key[:998], Outcome.QUARANTINED  # until decided
    return row


# ---- deciding ---------------------------------------------------------------------------------
def _decide(mail: _Mail) -> None:
    for check in (_too_large, _malformed, _loop, _bounce, _automatic, _unauthenticated):
        if check(mail):
            return
    sender = directory_cache.sender(mail.msg.from_address)
    ticket = _thread(mail.msg, sender)
    if ticket is not None:
        _answer(mail, ticket, sender)
    else:
        _request(mail, sender)


def _set(mail: _Mail, outcome: str, reason: str = "", detail: str = "", ticket: Ticket | None = None) -> bool:
    row = mail.row
    row.outcome, row.reason, row.detail = outcome, reason, detail
    row.ticket = ticket
    mail.number = ticket.number if ticket is not None else None
    row.review = Review.OPEN if outcome in (Outcome.REJECTED, Outcome.QUARANTINED) else Review.NONE
    return True


def _quarantine(mail: _Mail, reason: str, detail: str) -> bool:
    if mail.released_from == reason:  # an agent let it through this check
        return False
    return _set(mail, Outcome.QUARANTINED, reason, detail)


def _too_large(mail: _Mail) -> bool:
    limit = settings.MAX_MESSAGE_BYTES
    if len(mail.raw) <= limit:
        return False
    return _quarantine(mail, "too_large", f"{len(mail.raw)} bytes, more than SLADESK_MAX_MESSAGE_BYTES={limit}")


def _malformed(mail: _Mail) -> bool:
    return bool(mail.msg.malformed) and _quarantine(mail, "malformed", mail.msg.malformed)


def _loop(mail: _Mail) -> bool:
    msg = mail.msg
    head = mail.raw[: max(mail.raw.find(b"\n\n"), 0) or 65_536].lower()
    ours = {c.address.lower() for c in current_policy().channels.values() if getattr(c, "address", "")}
    why = ""
    if LOOP_HEADER.lower().encode() + b":" in head:
        why = f"it carries our {LOOP_HEADER} header: one of our own emails came back"
    elif our_domain_id(msg.message_id):
        why = f"its Message-ID {msg.message_id} is one of ours"
    elif msg.from_address and msg.from_address in ours:
        why = f"it comes from our own support address {msg.from_address}"
    elif head.count(b"\nreceived:") > 40:
        why = "it went through more than 40 relays"
    return bool(why) and _quarantine(mail, "loop", why)


def _bounce(mail: _Mail) -> bool:
    """A bounce: recorded on the ticket of the email it reports on (shown there as not delivered)."""
    if not mail.msg.is_bounce:
        return False
    bounced = OutboxMessage.objects.filter(message_id__in=mail.msg.bounced_message_ids).first()
    if bounced is not None and bounced.sent_at is not None:
        error = f"bounced: {one_line(mail.msg.text)[:500]}"
        OutboxMessage.objects.filter(pk=bounced.pk).update(failed_at=mail.received_at, last_error=error)
    ticket = bounced.ticket if bounced is not None else None
    return _set(mail, Outcome.IGNORED, "bounce", "a delivery status notification", ticket)


def _automatic(mail: _Mail) -> bool:
    msg = mail.msg
    if msg.auto_submitted not in ("", "no"):
        return _set(mail, Outcome.IGNORED, "auto_submitted", f"Auto-Submitted: {msg.auto_submitted}")
    if msg.list_id or msg.precedence in ("bulk", "list", "junk"):
        return _set(mail, Outcome.IGNORED, "bulk", f"a list or bulk email ({msg.list_id or msg.precedence})")
    return False


def _unauthenticated(mail: _Mail) -> bool:
    server = settings.TRUSTED_AUTHSERV_ID
    if not server:
        return False
    said = verdict(mail.msg.authentication_results, server)
    if said == "pass":
        return False
    detail = (
        f"{server} found no SPF or DKIM pass, or DMARC failed"
        if said == "fail"
        else f"no Authentication-Results from {server}"
    )
    return _quarantine(mail, "unauthenticated", detail)


def _thread(msg: InboundMessage, sender: Person | None) -> Ticket | None:
    """The ticket this email answers: by a Message-ID the ticket knows (ours or the
    customer's), newest first; else by ``[#N]`` when the sender is of that ticket's customer."""
    if sender is None:
        return None
    ids = list(dict.fromkeys([*msg.in_reply_to, *reversed(msg.references)]))[:50]
    if ids:
        known = rows.threads(ids, sender.customer_id)
        for mid in ids:  # newest first: the first of the sender's customer
            if mid in known:
                pk, number = known[mid]
                # The rest is read under the lock the reply takes (and on demand, as .only() would).
                return Ticket.from_db(
                    DEFAULT_DB_ALIAS, ["id", "number", "customer_id"], [pk, number, sender.customer_id]
                )
    tag = TAG.search(msg.subject)
    if tag:
        tagged = _TAGGED.first(number=int(tag.group(1)))
        return tagged if tagged is not None and tagged.customer_id == sender.customer_id else None
    return None


# By its number alone (unique), the customer compared after: asked for both, a planner whose
# statistics are stale (a desk just loaded) reads the customer's tickets instead.
_TAGGED = sql.Prepared(
    lambda number: Ticket.objects.filter(number=number).only("id", "number", "customer_id"), number=int
)


def _answer(mail: _Mail, ticket: Ticket, sender: Person | None) -> None:
    """A customer's message in the thread of ``ticket``: it reaches the ticket as the
    actions say (ends a wait, reopens, or opens a follow-up)."""
    person = sender or ticket.requester
    try:
        result = do_add_customer_reply(ticket, None, mail.msg.text.strip() or EMPTY_BODY, person, mail.received_at)
    except ActionError as exc:
        if exc.code != NOT_ENTITLED:
            raise
        reason = REASONS.get(entitlement.check_person(person, timezone.localdate(mail.received_at)).reason)
        _set(mail, Outcome.REJECTED, reason or "unknown_sender", str(exc), ticket)
        _auto_reject(mail, reason or "unknown_sender", person)
        return
    if result.pk == ticket.pk:
        _set(mail, Outcome.TICKET_UPDATED, ticket=result)
    else:
        _set(mail, Outcome.TICKET_CREATED, "follow_up", f"ticket #{ticket.number} was closed", result)
    _keep_attachments(mail, result)


def _request(mail: _Mail, sender: Person | None) -> None:
    """A new request: a ticket for an entitled Gestor, a reasoned refusal for anyone else."""
    found = entitlement.check_person(sender, timezone.localdate(mail.received_at))
    if not found.ok or sender is None:
        reason = REASONS.get(found.reason, "unknown_sender")
        _set(mail, Outcome.REJECTED, reason, found.explain())
        _auto_reject(mail, reason, sender if reason != "unknown_sender" else None)
        return
    msg, policy, guess = mail.msg, current_policy(), mail.guess
    people = directory_cache.candidates(sender.customer_id)
    if guess is not None and guess.people is people and guess.policy is policy:
        suggested = guess.triage  # done ahead with these very people and rules
    else:
        suggested = triage(msg.subject, msg.text, policy, people)
    ticket = do_create_ticket(
        actor=None, channel="email", requester=sender, subject=one_line(msg.subject) or "(sem assunto)",
        description=msg.text.strip() or EMPTY_BODY, received_at=mail.received_at,
        missing_information=list(suggested.missing),
        affected_person=directory_cache.affected(sender.customer_id, suggested.affected_email),
        suggested_priority=suggested.priority, suggested_category=suggested.category, acknowledge=False,
        triage={
            "priority_reason": suggested.priority_reason, "category_reason": suggested.category_reason,
            "outage": suggested.outage,
        },
    )  # fmt: skip
    _set(mail, Outcome.TICKET_CREATED, ticket=ticket)
    answer = replies.may_auto_reply(msg)
    mail.row.auto_reply = answer
    _note_attachments(mail)
    _save(mail)  # the ticket knows this email's Message-ID before it answers it
    if answer:
        notices.email_requester(ticket, notices.ACKNOWLEDGEMENT, "")
    _keep_attachments(mail, ticket)


def _auto_reject(mail: _Mail, reason: str, person: Person | None) -> None:
    if replies.may_auto_reply(mail.msg):
        replies.reply_rejected(mail.msg, reason, person)
        mail.row.auto_reply = True


def _note_attachments(mail: _Mail) -> None:
    """The attachments over the limit, said in the email's detail (they are not kept)."""
    limit = settings.MAX_ATTACHMENT_BYTES
    for item in mail.msg.attachments:
        if item.size > limit:
            mail.notes.append(f"attachment {item.name!r} ({item.size} bytes) is over the limit of {limit}: not kept")


def _keep_attachments(mail: _Mail, ticket: Ticket) -> None:
    """Each attachment stored and listed on the ticket, with the customer's message it came with."""
    if not mail.msg.attachments:
        return
    if not mail.recorded:
        _note_attachments(mail)
    message = ticket.messages.filter(kind=Message.Kind.INBOUND).order_by("-pk").first()
    for item in mail.msg.attachments:
        if item.size > settings.MAX_ATTACHMENT_BYTES:
            continue
        path, sha = keep_attachment(item.data)
        Attachment.objects.create(
            ticket=ticket, message=message, name=item.name[:200], size=item.size,
            content_type=item.content_type[:120], sha256=sha, path=path,
        )  # fmt: skip


# ---- recording --------------------------------------------------------------------------------
def _save(mail: _Mail) -> None:
    """The outcome written into the email's row (once) and its event (with the batch's)."""
    if mail.recorded:
        return
    row = mail.row
    if mail.notes:
        row.detail = "\n".join([row.detail, *mail.notes]).strip()
    rows.record(row)
    mail.recorded = True
    _event(mail, "released" if mail.released_from else "received")


def _event(mail: _Mail, action: str) -> None:
    row = mail.row
    event = MailEvent(
        mail=row, at=timezone.now(), action=action, actor_label="system", outcome=row.outcome,
        reason=row.reason, detail=row.detail[:2000],
    )  # fmt: skip
    mail.events.append(event)


def _failed(mail: _Mail, error: str) -> Result:
    """Processing broke: the email is kept, quarantined with the error, for an agent."""
    row = mail.row
    fresh = InboundMail(
        received_at=row.received_at, source=row.source, source_id=row.source_id, raw_path=row.raw_path,
        raw_sha256=row.raw_sha256, raw=row.raw, size=row.size, outcome=Outcome.QUARANTINED,
        reason="processing_error", detail=error[:2000], review=Review.OPEN, from_address=row.from_address[:320],
        subject=row.subject[:300], message_id=row.message_id[:998],
    )  # fmt: skip
    stored = InboundMail.objects.filter(pk=row.pk).defer("raw").first() if row.pk is not None else None
    if stored is not None:  # a release that failed: the row stays (and keeps its key), with the error
        fresh.pk, fresh.dedupe_key, fresh.ticket_id = stored.pk, stored.dedupe_key, stored.ticket_id
    fresh.save()
    mail.row, mail.number = fresh, None
    _event(mail, "received")
    return result_of(fresh)


def _result(mail: _Mail) -> Result:
    row = mail.row
    if row.ticket_id is not None and mail.number is None:
        return result_of(row)
    return Result(row.outcome, mail.number if row.ticket_id else None, row.reason or None, row.auto_reply, row.pk)


def result_of(row: InboundMail) -> Result:
    number = Ticket.objects.filter(pk=row.ticket_id).values_list("number", flat=True).first() if row.ticket_id else None
    return Result(row.outcome, number, row.reason or None, row.auto_reply, row.pk)
