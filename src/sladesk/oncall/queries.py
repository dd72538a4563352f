"""Reading the rota: who is on call at an instant, the shifts of a period, its gaps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from sladesk.oncall.models import OnCallShift


def shift_at(at: datetime) -> OnCallShift | None:
    """The shift covering ``at`` (start included, end excluded); of overlapping ones, the one
    that started last (the newest arrangement wins)."""
    shifts = OnCallShift.objects.filter(starts_at__lte=at, ends_at__gt=at).select_related("user")
    return shifts.order_by("-starts_at", "-id").first()


def on_call_at(at: datetime) -> User | None:
    """The person on call at ``at``, or None (what ``notifications.plan`` pages for P1)."""
    shift = shift_at(at)
    return shift.user if shift is not None else None


def shifts_between(start: datetime, end: datetime) -> QuerySet[OnCallShift]:
    """The shifts that overlap ``[start, end)``, by start."""
    return (
        OnCallShift.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("user")
        .order_by("starts_at", "id")
    )


def gaps(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The intervals of ``[start, end)`` that no shift covers, in order."""
    out: list[tuple[datetime, datetime]] = []
    covered_to = start
    for starts_at, ends_at in shifts_between(start, end).values_list("starts_at", "ends_at"):
        if starts_at > covered_to:
            out.append((covered_to, starts_at))
        covered_to = max(covered_to, ends_at)
        if covered_to >= end:
            return out
    if covered_to < end:
        out.append((covered_to, end))
    return out


def person_name(user: Any) -> str:
    return str(user.get_full_name() or user.email)
