"""Working together on a ticket: who else has its page open or is typing (a row per ticket and
agent, refreshed by the page's poll), whether the ticket changed since the page was rendered,
and each agent's unsent draft.

Presence and drafts are the agents' own state, never the ticket's: no event, no clock. Writes
are one upsert each (``INSERT ... ON CONFLICT DO UPDATE``), so two workers serving the same
agent at once never collide on the unique pair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User

from sladesk.tickets.actions import HARMLESS, actor_name
from sladesk.tickets.models import Draft, Presence, Ticket

POLL_SECONDS = 10  # the page asks this often
GONE_AFTER = timedelta(seconds=3 * POLL_SECONDS)  # a page not heard of for three polls is closed
TYPING_FOR = timedelta(seconds=2 * POLL_SECONDS)  # "typing" while the last keystroke is this recent
FORGET_AFTER = timedelta(hours=1)  # rows older than this are deleted when the ticket is next polled


@dataclass(frozen=True)
class Other:
    name: str
    typing: bool


def record(ticket: Ticket, user: User, now: datetime, typing: bool) -> None:
    """This agent has the page open (and typed since the last poll, when ``typing``)."""
    row = Presence(ticket=ticket, user=user, seen_at=now, typing_at=now if typing else None)
    fields = ["seen_at", "typing_at"] if typing else ["seen_at"]
    Presence.objects.bulk_create([row], update_conflicts=True, unique_fields=["ticket", "user"], update_fields=fields)
    Presence.objects.filter(ticket=ticket, seen_at__lt=now - FORGET_AFTER).delete()


def others(ticket: Ticket, user: User, now: datetime) -> list[Other]:
    """Who else has the page open now, those typing first."""
    rows = (
        Presence.objects.filter(ticket=ticket, seen_at__gte=now - GONE_AFTER)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    found = [Other(_name(r.user), r.typing_at is not None and r.typing_at >= now - TYPING_FOR) for r in rows]
    return sorted(found, key=lambda o: not o.typing)


def left(ticket: Ticket, user: User) -> None:
    """The agent closed the page."""
    Presence.objects.filter(ticket=ticket, user=user).delete()


@dataclass(frozen=True)
class Change:
    seq: int
    by: str  # "" for the system


def changed_since(ticket: Ticket, user: User, seen: int) -> Change | None:
    """The latest change after event ``seen`` by someone else that an action from that page
    would be refused for (the same rule as ``actions.base._fresh``)."""
    e = (
        ticket.events.filter(seq__gt=seen)
        .exclude(action__in=HARMLESS)
        .exclude(actor_staff=user)
        .select_related("actor_staff", "actor_person")
        .order_by("-seq")
        .first()
    )
    return None if e is None else Change(e.seq, actor_name(e))


def _name(user: User) -> str:
    return user.get_full_name() or user.email or user.username


# ---- drafts ------------------------------------------------------------------------------
MAX_DRAFT = 20_000  # as long as a message may be


def save_draft(ticket: Ticket, user: User, text: str, mode: str, now: datetime) -> None:
    """Keep what the agent typed; an emptied composer leaves no draft."""
    if not text.strip():
        Draft.objects.filter(ticket=ticket, user=user).delete()
        return
    row = Draft(ticket=ticket, user=user, text=text[:MAX_DRAFT], mode=mode, updated_at=now)
    Draft.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["ticket", "user"], update_fields=["text", "mode", "updated_at"]
    )


def draft_of(ticket: Ticket, user: User) -> Draft | None:
    return Draft.objects.filter(ticket=ticket, user=user).first()


def drop_draft(ticket: Ticket, user: User) -> None:
    """The text was sent (or saved as a note)."""
    Draft.objects.filter(ticket=ticket, user=user).delete()
