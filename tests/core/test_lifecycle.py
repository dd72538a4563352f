"""The reopen rule the desk and ``sla replay`` share (``core.lifecycle.reopens``)."""

from __future__ import annotations

import pytest

from sladesk.core.lifecycle import DAY_US, reopens
from sladesk.core.policy import Policy, load_default_policy
from tests.core.policies import variant

DEFAULT = load_default_policy()  # reopen_window_days = 7
HALF_DAY = variant({"reopen_window_days = 7 ": "reopen_window_days = 0.5 "})
NONE = variant({"reopen_window_days = 7 ": "reopen_window_days = 0 "})
RESOLVED = 1_800_000_000_000_000  # 2027-01-15T08:00:00Z

REOPENS = [
    (DEFAULT, 0, True, "at the instant of the resolution"),
    (DEFAULT, 3 * DAY_US, True, "within the window"),
    (DEFAULT, 7 * DAY_US, True, "at the window's last instant"),
    (DEFAULT, 7 * DAY_US + 1, False, "a microsecond after the window"),
    (DEFAULT, 30 * DAY_US, False, "long after"),
    (HALF_DAY, DAY_US // 2, True, "a window of half a day, at its end"),
    (HALF_DAY, DAY_US // 2 + 1, False, "a window of half a day, just after it"),
    (NONE, 0, True, "no window: only at the very instant"),
    (NONE, 1, False, "no window: a microsecond later is late"),
]


@pytest.mark.parametrize(("policy", "after", "expected", "why"), REOPENS, ids=[r[3] for r in REOPENS])
def test_it_reopens_within_the_window_and_not_after(policy: Policy, after: int, expected: bool, why: str) -> None:
    assert reopens(policy, RESOLVED, RESOLVED + after) is expected
