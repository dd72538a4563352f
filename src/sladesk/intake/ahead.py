"""Reading ahead: the coming batches of emails parsed, and their likely requests triaged, in a
helper process while this one writes the current batch.

An email's work is part reading (MIME, charsets, HTML to text: ``parse.py``; the triage's tables
of signals: ``triage/``; both pure, no database) and part writing (the database). When a drain has
more than one batch in hand (mail arriving faster than it is processed, a back-fill),
``stream.process_stream`` hands the helper batch k+2 to parse and batch k+1's likely requests to
triage (with the directory's people read for batch k+1 and the policy's triage rules) while this
process writes batch k: on a machine with two cores the reading then costs the writing nothing.

The helper is ``python -c 'from sladesk.intake.ahead import main; main()'``: no Django, no
database, no state but the last triage rules. It reads requests on its standard input and writes
answers on its standard output, one at a time, each a length-prefixed pickle (our own process at
the other end of a private pipe).
It exits when its input ends, so it never outlives the process that started it, whatever killed
that one.

At most one request is outstanding: ``ask`` takes the answer to the previous one before it sends
the next, so neither side can block writing while the other does. An answer not there within
``ANSWER_SECONDS`` means a stuck helper: it is killed, and not asked again. When the helper is not there,
has died or answers nonsense, ``read`` returns ``None`` and the caller parses and triages itself,
as it always could: the helper saves time, it is never needed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any

from sladesk.core.policy.model import Policy
from sladesk.intake.message import InboundMessage
from sladesk.intake.parse import parse_within
from sladesk.intake.triage import Candidate, Triage, triage
from sladesk.intake.triage.rules import TriageRules

logger = logging.getLogger(__name__)

_SIZE = struct.Struct("!Q")
HELPER = "from sladesk.intake.ahead import main; main()"
# Seconds an answer may take: a batch is at most 50 emails or 32 MB, read in well under a second;
# a helper this late is stuck (stopped, swapping, a parser's bug) and the caller reads itself.
ANSWER_SECONDS = 120.0


def _send(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_SIZE.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read_within(fd: int, size: int, deadline: float) -> bytes:
    """``size`` bytes from ``fd``, or TimeoutError at ``deadline`` (``time.monotonic``), EOFError
    when the other side closed it."""
    chunks, left = [], size
    while left:
        wait = deadline - time.monotonic()
        if wait <= 0 or not select.select([fd], [], [], wait)[0]:
            raise TimeoutError("no answer in time")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive_within(fd: int, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    size = _SIZE.unpack(_read_within(fd, _SIZE.size, deadline))[0]
    return pickle.loads(_read_within(fd, size, deadline))  # noqa: S301 - our own helper, a private pipe


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(_SIZE.size)
    if len(head) < _SIZE.size:
        raise EOFError("the other side closed the pipe")
    size = _SIZE.unpack(head)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other side closed the pipe mid-message")
    return pickle.loads(data)  # noqa: S301 - our own helper at the other end of a private pipe


@dataclass(frozen=True)
class Job:
    """A likely request to triage: its subject and text, and whose people it may name."""

    subject: str
    text: str
    people: int  # a key of the request's ``people``: the sender's customer


@dataclass(frozen=True)
class Request:
    limit: int  # parse_within's: over it, an email's header section only
    batches: list[list[bytes]]  # to parse, each batch in its order
    jobs: list[Job] = field(default_factory=list)
    people: dict[int, list[Candidate]] = field(default_factory=dict)
    rules: TriageRules | None = None  # None: the last ones sent


@dataclass(frozen=True)
class Answer:
    batches: list[list[InboundMessage]]
    triages: list[Triage]


@dataclass(frozen=True)
class Guess:
    """A request's triage done ahead, and what it was done with."""

    triage: Triage
    people: list[Candidate]
    policy: Policy


class Ahead:
    """The helper process, started on ``start`` (or the first ``ask``) and stopped on ``close``."""

    def __init__(self, timeout: float = ANSWER_SECONDS) -> None:
        self.timeout = timeout  # an answer later than this: the helper is stuck, killed, not asked again
        self._proc: subprocess.Popen[bytes] | None = None
        self._asked = False  # a request is outstanding
        self.broken = False  # it died or misbehaved: the caller parses itself from then on
        self.answers = 0  # the requests it answered
        self.parsed = 0  # the batches it parsed
        self.triaged = 0  # the emails it triaged

    def __enter__(self) -> Ahead:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        if self._proc is not None or self.broken:
            return
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", HELPER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                close_fds=True,
            )  # fmt: skip
        except OSError:
            logger.warning("intake: the reading-ahead helper could not start; emails are parsed here", exc_info=True)
            self.broken = True

    def ask(self, request: Request) -> bool:
        """Hand the helper batches to parse as ``parse_within(raw, limit)`` does and requests to
        triage (after taking any answer still outstanding: ``read``); whether it was handed."""
        self.start()
        if self._asked:
            self.read()
        proc = self._proc
        if proc is None or proc.stdin is None:
            return False
        try:
            _send(proc.stdin, request)
        except (OSError, ValueError, pickle.PicklingError):
            self._fail("sending a request")
            return False
        self._asked = True
        return True

    def read(self) -> Answer | None:
        """The answer to the request last asked: its batches parsed, in order, and its jobs'
        triages; ``None`` when there is none (nothing asked, or the helper is gone): the caller
        parses and triages itself."""
        proc = self._proc
        if not self._asked or proc is None or proc.stdout is None:
            return None
        self._asked = False
        try:
            answer = _receive_within(proc.stdout.fileno(), self.timeout)
        except TimeoutError:
            self._fail(f"to answer within {self.timeout:g} s")
            return None
        except Exception:  # whatever it sent (EOF, a broken pickle): not believed
            self._fail("reading its answer")
            return None
        if not isinstance(answer, Answer) or not _well_formed(answer):
            self._fail("an answer that is not one")
            return None
        self.answers += 1
        self.parsed += len(answer.batches)
        self.triaged += len(answer.triages)
        return answer

    def close(self) -> None:
        proc, self._proc, self._asked = self._proc, None, False
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self.broken:  # stuck or misbehaving: no time given
            proc.kill()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _fail(self, what: str) -> None:
        logger.warning("intake: the reading-ahead helper failed %s; emails are parsed here from now on", what)
        self.broken = True
        self.close()


def _well_formed(answer: Answer) -> bool:
    return (
        isinstance(answer.batches, list)
        and isinstance(answer.triages, list)
        and all(isinstance(m, InboundMessage) for batch in answer.batches for m in batch)
        and all(isinstance(t, Triage) for t in answer.triages)
    )


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The helper's loop: each ``Request`` answered, until the input ends."""
    rules: TriageRules | None = None
    while True:
        try:
            request: Request = _receive(stdin)
        except EOFError:
            return
        rules = request.rules or rules
        parsed = [[parse_within(raw, request.limit) for raw in batch] for batch in request.batches]
        triages = []
        if request.jobs and rules is not None:
            triages = [triage(j.subject, j.text, rules, request.people[j.people]) for j in request.jobs]
        _send(stdout, Answer(parsed, triages))


def main() -> None:
    """The helper process (started as ``-c``, not ``-m``: what it pickles must be this module's
    classes, not ``__main__``'s)."""
    serve(sys.stdin.buffer, sys.stdout.buffer)
