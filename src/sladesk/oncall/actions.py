"""Every change to the rota: one transaction each, with its ``OnCallEvent`` audit row."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from sladesk.oncall.access import may_be_on_call, may_edit_rota
from sladesk.oncall.models import OnCallEvent, OnCallShift
from sladesk.staff.models import StaffProfile

# A longer shift is a typing mistake (a year off), not a rota.
LONGEST_SHIFT = timedelta(days=92)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class OnCallError(ValueError):
    """A change the rota refuses; ``code`` says which rule, the message says why."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def do_set_oncall(
    *, user: User, starts_at: datetime, ends_at: datetime, actor: User | None, now: datetime | None = None
) -> tuple[OnCallShift, bool]:
    """Put ``user`` on call over ``[starts_at, ends_at)``; returns (shift, created). The same
    person over the same span twice is the same shift (a script run again changes nothing).
    ``actor`` None is the operator's shell."""
    now = now or timezone.now()
    _check_actor(actor)
    _check_span(starts_at, ends_at)
    _check_person(user)
    with transaction.atomic():
        existing = OnCallShift.objects.filter(user=user, starts_at=starts_at, ends_at=ends_at).first()
        if existing is not None:
            return existing, False
        shift = OnCallShift.objects.create(
            user=user, starts_at=starts_at, ends_at=ends_at, created_by=actor, created_at=now
        )
        _audit(OnCallEvent.Action.SET, shift, actor, now)
    return shift, True


def do_remove_oncall(shift: OnCallShift, *, actor: User | None, now: datetime | None = None) -> None:
    """Take a shift off the rota (its values stay in the audit)."""
    now = now or timezone.now()
    _check_actor(actor)
    with transaction.atomic():
        locked = OnCallShift.objects.select_for_update().select_related("user").filter(pk=shift.pk).first()
        if locked is None:
            raise OnCallError(f"shift #{shift.pk} is no longer on the rota", "not_found")
        _audit(OnCallEvent.Action.REMOVED, locked, actor, now)
        locked.delete()


def _audit(action: str, shift: OnCallShift, actor: User | None, now: datetime) -> None:
    OnCallEvent.objects.create(
        action=action, at=now, shift_id=shift.pk, user_email=shift.user.email, starts_at=shift.starts_at,
        ends_at=shift.ends_at, actor=actor, actor_label=actor.email if actor is not None else _shell(),
    )  # fmt: skip


def _shell() -> str:
    try:
        return f"shell:{getpass.getuser()}"
    except (KeyError, OSError):
        return "shell"


def _check_actor(actor: User | None) -> None:
    if actor is None:
        return
    profile = StaffProfile.objects.filter(user=actor).first()
    if not actor.is_active or profile is None or not may_edit_rota(profile):
        raise OnCallError("only supervisors change the on-call rota", "forbidden")


def _check_span(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise OnCallError("a shift's start and end must carry a time zone", "naive")
    if ends_at <= starts_at:
        raise OnCallError("the shift must end after it starts", "ends_before_start")
    if ends_at - starts_at > LONGEST_SHIFT:
        raise OnCallError(f"a shift lasts at most {LONGEST_SHIFT.days} days", "too_long")
    if starts_at < EARLIEST:
        raise OnCallError(f"a shift cannot start before {EARLIEST.year}", "too_early")


def _check_person(user: User) -> None:
    profile = StaffProfile.objects.filter(user=user).first()
    if profile is None:
        raise OnCallError(f"{user.email} is not a member of the support staff", "not_staff")
    if not user.is_active:
        raise OnCallError(f"{user.email} is inactive and cannot be on call", "inactive")
    if not may_be_on_call(profile):
        raise OnCallError(f"{user.email} is a partner's agent; only the vendor's staff are on call", "partner_agent")
