"""Reading ahead: the next batch of emails parsed in a helper process while this one is written.

An email's work is part reading (MIME, charsets, HTML to text: ``parse.py``, pure) and part
writing (the database). When a drain has more than one batch in hand (mail arriving faster than
it is processed, a back-fill), ``process.process_stream`` hands batch k+1 to a helper while this
process writes batch k: on a machine with two cores the reading then costs the writing nothing.

The helper is ``python -m sladesk.intake.ahead``: no Django, no database, no state. It reads
requests on its standard input and writes answers on its standard output, one at a time, each a
length-prefixed pickle (our own process at the other end of a private pipe). It exits when its
input ends, so it never outlives the process that started it, whatever killed that one.

At most one request is outstanding: ``read`` takes the answer to the previous one before it
sends the next, so neither side can block writing while the other does. When the helper is not
there, has died or answers nonsense, ``read`` returns ``None`` and the caller parses the batch
itself, as it always could: the helper saves time, it is never needed.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import struct
import subprocess
import sys
from collections.abc import Sequence
from typing import IO, Any

from sladesk.intake.message import InboundMessage
from sladesk.intake.parse import parse_within

logger = logging.getLogger(__name__)

_SIZE = struct.Struct("!Q")


def _send(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_SIZE.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(_SIZE.size)
    if len(head) < _SIZE.size:
        raise EOFError("the other side closed the pipe")
    size = _SIZE.unpack(head)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other side closed the pipe mid-message")
    return pickle.loads(data)  # noqa: S301 - our own helper at the other end of a private pipe


class Ahead:
    """The helper process, started on ``start`` (or the first ``ask``) and stopped on ``close``."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._asked = False  # a request is outstanding
        self.broken = False  # it died or misbehaved: the caller parses itself from then on
        self.answers = 0  # the batches it parsed

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
                [sys.executable, "-m", "sladesk.intake.ahead"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                close_fds=True,
            )  # fmt: skip
        except OSError:
            logger.warning("intake: the reading-ahead helper could not start; emails are parsed here", exc_info=True)
            self.broken = True

    def ask(self, raws: Sequence[bytes], limit: int) -> None:
        """Hand the helper a batch to parse as ``parse_within(raw, limit)`` does (after taking any
        answer still outstanding: ``read``)."""
        self.start()
        if self._asked:
            self.read()
        proc = self._proc
        if proc is None or proc.stdin is None:
            return
        try:
            _send(proc.stdin, (limit, list(raws)))
            self._asked = True
        except (OSError, ValueError):
            self._fail("sending a batch")

    def read(self) -> list[InboundMessage] | None:
        """The parsed emails of the batch last asked for, in its order; ``None`` when there is
        none (nothing asked, or the helper is gone): the caller parses them itself."""
        proc = self._proc
        if not self._asked or proc is None or proc.stdout is None:
            return None
        self._asked = False
        try:
            answer = _receive(proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError):
            self._fail("reading its answer")
            return None
        if not isinstance(answer, list) or not all(isinstance(m, InboundMessage) for m in answer):
            self._fail("an answer that is not a list of messages")
            return None
        self.answers += 1
        return answer

    def close(self) -> None:
        proc, self._proc, self._asked = self._proc, None, False
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _fail(self, what: str) -> None:
        logger.warning("intake: the reading-ahead helper failed %s; emails are parsed here from now on", what)
        self.broken = True
        self.close()


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The helper's loop: each request ``(limit, raws)`` answered with ``raws`` parsed, until
    the input ends."""
    while True:
        try:
            limit, raws = _receive(stdin)
        except EOFError:
            return
        _send(stdout, [parse_within(raw, limit) for raw in raws])


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
