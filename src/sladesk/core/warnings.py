"""When a running SLA metric warns: once it has used a share of its target.

Pure: the instant is computed on the metric's own calendar from the anchor the engine
gives every running clock (``due == calendar.add(anchor, anchor_remaining)``), so the
warning moves with the deadline (a priority change, a pause, a reopen, a calendar change).
"""

from __future__ import annotations

from sladesk.core.calendar import Calendar


def warn_instant(calendar: Calendar, anchor: int, anchor_remaining_us: int, target_us: int, share: float) -> int:
    """The instant the metric will have used ``share`` of ``target_us``.

    At the anchor, ``anchor_remaining_us`` was left; the warning comes when only
    ``target_us * (1 - share)`` is left. A metric that had used more than the share at its
    anchor (a lower priority's clock moved to a shorter target) warns at the anchor."""
    left_at_warning = round(target_us * (1.0 - share))
    if anchor_remaining_us <= left_at_warning:
        return anchor
    return calendar.add_us(anchor, anchor_remaining_us - left_at_warning)
