"""Fuzzing ``process_message``: whatever the bytes (random, truncated MIME, deep multiparts,
huge headers, invalid charsets), never an exception, always a stored outcome."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.intake.models import InboundMail, Outcome
from sladesk.intake.process import process_message
from tests.intake.conftest import Cast, at, email

NOW = at("2026-11-24 10:00")
BASE = email(body="Sistema fora do ar para todas as lojas desde as 9h. Erro 503.")


def deep(levels: int) -> bytes:
    head = b"From: alice@acme.example\r\nTo: suporte@sladesk.example\r\nSubject: fundo\r\nMIME-Version: 1.0\r\n"
    parts = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(levels))
    return head + parts + b"Content-Type: text/plain\r\n\r\noi\r\n"


messages = st.one_of(
    st.binary(max_size=2_000),
    st.integers(0, len(BASE)).map(lambda n: BASE[:n]),  # truncated anywhere
    st.tuples(st.integers(0, len(BASE) - 1), st.binary(min_size=1, max_size=8)).map(
        lambda pair: BASE[: pair[0]] + pair[1] + BASE[pair[0] + len(pair[1]) :]  # bytes overwritten
    ),
    st.integers(1, 120).map(deep),
    st.integers(1_000, 300_000).map(lambda n: b"Subject: " + b"A" * n + b"\r\n\r\nbody"),
    st.sampled_from(["x-unknown", "utf-7", "", "utf-8'", "iso-8859-99", "\x00"]).map(
        lambda cs: BASE.replace(b'charset="utf-8"', b'charset="' + cs.encode("latin-1") + b'"')
    ),
    st.lists(
        st.sampled_from([b"From: ", b"\r\n", b"=?utf-8?b?", b"?=", b"--", b"Content-Type: multipart/x"]), max_size=40
    ).map(b"".join),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(raw=messages)
def test_any_bytes_get_an_outcome_and_are_kept(cast: Cast, raw: bytes) -> None:
    result = process_message(raw, NOW)
    assert result.outcome in Outcome.values
    assert InboundMail.objects.filter(pk=result.mail_id).exists()
    assert result.reason != "processing_error", InboundMail.objects.get(pk=result.mail_id).detail  # no bug swallowed
