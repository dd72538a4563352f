"""``process_stream``: batches of emails processed in turn, the coming ones read ahead.

The SMTP listener's drain and the IMAP poller hand their batches here. Each batch is
``process.process_messages``'s (one transaction); with an ``ahead.Ahead``, what can be read of
the coming batches without the database (parsing, the triage of likely requests) is done by its
helper process while this one writes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings

from sladesk.core.policy.model import Policy
from sladesk.intake import directory_cache, process
from sladesk.intake.ahead import Ahead, Answer, Guess, Job, Request
from sladesk.intake.message import InboundMessage
from sladesk.intake.process import TAG, Incoming, Result
from sladesk.intake.triage import Candidate
from sladesk.intake.triage.rules import TriageRules
from sladesk.policies.service import current_policy
from sladesk.tickets.search_later import Flusher


def process_stream(
    batches: Iterable[Sequence[Incoming]], ahead: Ahead | None = None, flusher: Flusher | None = None
) -> Iterator[tuple[Sequence[Incoming], list[Result]]]:
    """``process_messages`` for each batch in turn, each with its results, as soon as committed.

    With ``ahead`` (an ``ahead.Ahead``), while batch k is written here its helper process parses
    batch k+2 and triages batch k+1's likely requests, against the directory as read for batch
    k+1 (``directory_cache.prepare``) and the policy in force: a request's triage done ahead is
    used only when its batch meets the same people and the same policy, else done again here.
    Without it, or when the helper fails, each batch is parsed and triaged here. Batches are
    taken from ``batches`` up to two ahead of the one being written (taking one commits nothing).

    With ``flusher`` (a ``search_later.Flusher``, started: on PostgreSQL), each batch leaves its
    tickets' search documents to it, poked after the batch's commit: they are written on its
    connection while the next batch is written here."""
    items = iter(batches)
    queue: deque[_Waiting] = deque()
    while True:
        while len(queue) < (3 if ahead is not None else 1):
            batch = next(items, None)
            if batch is None:
                break
            queue.append(_Waiting(batch))
        if not queue:
            return
        current = queue[0]
        asked = _ask(ahead, list(queue)[1:]) if ahead is not None else None
        later = flusher is not None and flusher.running  # else the documents are written at commit
        results = process.process_messages(current.batch, current.parsed, current.snapshot, current.guesses, later)
        if flusher is not None and later:
            flusher.poke()
        yield current.batch, results
        queue.popleft()
        if ahead is not None and asked is not None:
            asked.take(ahead.read())


@dataclass
class _Waiting:
    """A batch waiting its turn, with what was read of it ahead."""

    batch: Sequence[Incoming]
    asked: bool = False
    parsed: list[InboundMessage] | None = None
    snapshot: directory_cache.Snapshot | None = None
    guesses: dict[int, Guess] = field(default_factory=dict)  # by index in the batch


@dataclass
class _Asked:
    """A request to the helper: which batches it parses, which requests of the next it triages."""

    parse: list[_Waiting]
    triage: _Waiting | None = None
    jobs: list[tuple[int, int]] = field(default_factory=list)  # (index in the batch, customer)
    policy: Policy | None = None

    def take(self, answer: Answer | None) -> None:
        if answer is None or len(answer.batches) != len(self.parse):
            for waiting in self.parse:
                waiting.asked = False  # parsed here when its turn comes
            return
        for waiting, messages in zip(self.parse, answer.batches, strict=True):
            waiting.parsed = messages if len(messages) == len(waiting.batch) else None
        nxt = self.triage
        if nxt is None or nxt.snapshot is None or self.policy is None or len(answer.triages) != len(self.jobs):
            return
        for (index, customer), suggested in zip(self.jobs, answer.triages, strict=True):
            nxt.guesses[index] = Guess(suggested, nxt.snapshot.people[customer], self.policy)


def _ask(ahead: Ahead, waiting: list[_Waiting]) -> _Asked | None:
    """Ask the helper for what it can read of the waiting batches: the unparsed ones parsed, and
    the next one's likely requests triaged (its directory read now, here, for the purpose)."""
    asked = _Asked([w for w in waiting if w.parsed is None and not w.asked])
    people: dict[int, list[Candidate]] = {}
    nxt = waiting[0] if waiting else None
    if nxt is not None and nxt.parsed is not None and nxt.snapshot is None:
        nxt.snapshot = snapshot = directory_cache.prepare(msg.from_address for msg in nxt.parsed)
        for index, msg in enumerate(nxt.parsed):
            sender = snapshot.senders.get(msg.from_address.strip().lower()) if _likely_request(msg) else None
            if sender is not None:
                people[sender.customer_id] = snapshot.people[sender.customer_id]
                asked.jobs.append((index, sender.customer_id))
        asked.triage, asked.policy = nxt, current_policy() if asked.jobs else None
    if not asked.parse and not asked.jobs:
        return None
    jobs = [Job(nxt.parsed[i].subject, nxt.parsed[i].text, c) for i, c in asked.jobs] if nxt and nxt.parsed else []
    request = Request(
        settings.MAX_MESSAGE_BYTES, [[item.raw for item in w.batch] for w in asked.parse], jobs, people,
        TriageRules.of(asked.policy) if asked.policy is not None else None,
    )  # fmt: skip
    if not ahead.ask(request):
        return None
    for w in asked.parse:
        w.asked = True
    return asked


def _likely_request(msg: InboundMessage) -> bool:
    """Whether an email will likely be a new request (worth triaging ahead): not an answer in a
    thread, not automatic mail, readable."""
    return not (
        msg.malformed or msg.in_reply_to or msg.references or msg.is_bounce or msg.list_id
        or msg.auto_submitted not in ("", "no") or TAG.search(msg.subject)
    )  # fmt: skip
