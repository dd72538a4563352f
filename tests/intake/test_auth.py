"""verdict(): only our own server's Authentication-Results count (issue 9, section 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sladesk.intake.auth import read_results, verdict
from sladesk.intake.parse import parse

OURS = "mx.sladesk.example"


@pytest.mark.parametrize(
    ("results", "said"),
    [
        ([f"{OURS}; spf=pass smtp.mailfrom=a@x.example; dkim=none; dmarc=none"], "pass"),
        ([f"{OURS}; spf=fail smtp.mailfrom=a@x.example; dkim=pass header.d=x.example"], "pass"),
        ([f"{OURS}; spf=softfail; dkim=fail"], "fail"),
        ([f"{OURS}; spf=pass; dkim=pass; dmarc=fail (p=reject) header.from=x.example"], "fail"),
        ([f"{OURS}; none"], "fail"),
        ([OURS], "fail"),
        ([f"{OURS} 1; spf=pass"], "pass"),  # with a version
        (["MX.Sladesk.Example; dkim=pass"], "pass"),
        ([f"Authentication-Results: {OURS}; dkim=pass"], "pass"),
        ([f"{OURS};\r\n\tdkim=pass\r\n\t header.d=x.example;\r\n spf = neutral"], "pass"),  # folded, spaced
        ([f"{OURS} (our mx; spf=pass); spf=fail (it said (dkim=pass; ok)) smtp.mailfrom=a@x"], "fail"),  # comments
        ([f'{OURS}; spf=fail reason="dkim=pass; spf=pass"'], "fail"),  # a quoted string
        ([f"{OURS}; spf=fail dkim=pass header.d=x.example"], "pass"),  # a sloppy server's missing ";"
        ([f"{OURS}; dkim=fail; dkim=pass header.s=second"], "pass"),  # two signatures, one good
        (["mx.evil.example; spf=pass; dkim=pass"], "none"),  # another server's: ignored
        ([], "none"),
        ([f"{OURS}; spf=fail", f"{OURS}; spf=pass; dkim=pass"], "fail"),  # below ours: forged by the sender
        (["mx.evil.example; spf=pass; dkim=pass", f"{OURS}; spf=fail; dkim=fail"], "fail"),
        (["mx.sladesk.example.evil.example; spf=pass"], "none"),
    ],
)
def test_it_counts_only_the_topmost_header_of_our_server(results: list[str], said: str) -> None:
    assert verdict(results, OURS) == said


def test_it_says_none_without_a_server_to_trust() -> None:
    assert verdict([f"{OURS}; spf=pass"], "") == "none"


def test_it_reads_the_results_of_a_real_message() -> None:
    msg = parse((Path(__file__).resolve().parent / "mail" / "utf8.eml").read_bytes())
    assert read_results(msg.authentication_results[0]) == (OURS, {"dkim": ["pass"], "spf": ["pass"], "dmarc": ["pass"]})
    assert verdict(msg.authentication_results, OURS) == "pass"


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.text(alphabet=st.sampled_from('ab=;()"\\ \r\n\tspfdkimrcpasfil.-' + OURS), max_size=80), max_size=4))
def test_it_never_raises(results: list[str]) -> None:
    assert verdict(results, OURS) in ("pass", "fail", "none")
