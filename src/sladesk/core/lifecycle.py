"""The ticket lifecycle rules the desk and ``sla replay`` share."""

from __future__ import annotations

from sladesk.core.instants import HOUR_US
from sladesk.core.policy.model import Policy


def reopens(policy: Policy, resolved_at: int, at: int) -> bool:
    """A customer reply at ``at`` reopens a ticket resolved at ``resolved_at`` (instants in
    microseconds) when it comes within the policy's reopen window; after it, it does not."""
    return at - resolved_at <= policy.lifecycle.reopen_window_days * 24 * HOUR_US
