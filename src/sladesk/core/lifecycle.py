"""Ticket lifecycle rules that the desk and ``sla replay`` share: one rule, one place."""

from __future__ import annotations

from typing import Final

from sladesk.core.instants import HOUR_US
from sladesk.core.policy.model import Policy

DAY_US: Final = 24 * HOUR_US


def reopens(policy: Policy, resolved_at: int, at: int) -> bool:
    """Whether a customer's reply at ``at`` reopens a ticket resolved at ``resolved_at``
    (instants in microseconds since the epoch): it does within the policy's
    ``reopen_window_days`` of the resolution, its last instant included; after that it
    does not (the desk opens a follow-up ticket instead)."""
    # An int against a float compares exactly in Python, and a window of any size (even
    # ``inf``, which the policy allows) needs no conversion that could overflow.
    return at - resolved_at <= policy.lifecycle.reopen_window_days * DAY_US
