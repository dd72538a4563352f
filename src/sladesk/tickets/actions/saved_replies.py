"""The saved replies agents use, kept by supervisors and admins."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from sladesk.outbound.headers import one_line
from sladesk.staff.access import profile_of
from sladesk.tickets.actions.base import (
    FORBIDDEN,
    INVALID,
    ActionError,
    _now,
    _text,
)
from sladesk.tickets.models import (
    SavedReply,
)


def _supervising(actor: User) -> None:
    if not profile_of(actor).leads:
        raise ActionError(FORBIDDEN, f"{actor} may not change saved replies: supervisors and admins do")


def do_save_saved_reply(
    actor: User, reply: SavedReply | None, *, title: str, body: str, then: str, now: datetime | None = None
) -> SavedReply:
    """Create (``reply=None``) or change a saved reply: supervisors and admins only."""
    _supervising(actor)
    if then not in SavedReply.Then.values:
        raise ActionError(INVALID, f"then {then!r} is not one of {', '.join(SavedReply.Then.values)}")
    with transaction.atomic():
        row = reply or SavedReply()
        row.title, row.body, row.then = (
            one_line(_text(title, "a saved reply's title"))[:120],
            _text(body, "a saved reply"),
            then,
        )
        row.updated_by, row.updated_at, row.is_active = actor, _now(now), True
        row.save()
    return row


def do_archive_saved_reply(actor: User, reply: SavedReply, now: datetime | None = None) -> SavedReply:
    """Take a saved reply out of the agents' list (kept, never deleted)."""
    _supervising(actor)
    reply.is_active, reply.updated_by, reply.updated_at = False, actor, _now(now)
    reply.save(update_fields=["is_active", "updated_by", "updated_at"])
    return reply
