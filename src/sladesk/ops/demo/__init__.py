"""The demo: a clearly marked demo customer and its partner-handled sibling, demo
staff accounts with public passwords, and tickets in every state told through the
desk's own actions. ``sladesk demo`` loads it; ``sladesk up`` loads it on the first
run against an empty database. ``sladesk demo --tickets N`` adds N more tickets,
fast, for the queue benchmark (``bulk.py``).

Everything is marked: customers are ``is_demo`` and named ``[DEMO] ...``, emails are
on ``.example`` domains, staff accounts are ``...@demo.sladesk``. Loading twice
creates nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from sladesk.oncall.actions import do_set_oncall
from sladesk.oncall.queries import on_call_at
from sladesk.ops.demo.people import LOGINS, STAFF_DOMAIN, DemoDirectory, Login, ensure_directory, login_lines
from sladesk.ops.demo.stories import load_stories
from sladesk.tickets.models import Ticket

__all__ = ["LOGINS", "DemoResult", "Login", "load_demo", "login_lines", "real_accounts", "summary_lines"]


@dataclass
class DemoResult:
    directory: DemoDirectory
    tickets: list[Ticket] = field(default_factory=list)  # created by this load (none if already there)


def real_accounts() -> QuerySet[User]:
    """The accounts that are not the demo's: a desk in real use, where the demo's logins with
    public passwords (a superuser among them) would let anyone in."""
    return User.objects.exclude(username__endswith=f"@{STAFF_DOMAIN}").order_by("username")


def load_demo(now: datetime | None = None) -> DemoResult:
    """Load the demo if it is not there yet; the tickets only once."""
    now = now or timezone.now()
    with transaction.atomic():
        directory = ensure_directory(timezone.localdate(now))
        ensure_on_call(now)
        customers = [directory.self_service.customer, directory.partner_customer.customer]
        if Ticket.objects.filter(customer__in=customers).exists():
            return DemoResult(directory)
        return DemoResult(directory, load_stories(directory, now))


ROTA_DAYS = 14


def ensure_on_call(now: datetime) -> None:
    """The demo agent on call for two weeks from today's midnight, unless someone is on call
    now: P1 notifications then have someone to page, and the rota page something to show."""
    if on_call_at(now) is not None:
        return
    agent = User.objects.filter(username=f"agent@{STAFF_DOMAIN}").first()
    if agent is None:
        return
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time()))
    do_set_oncall(user=agent, starts_at=start, ends_at=start + timedelta(days=ROTA_DAYS), actor=None, now=now)


def summary_lines(result: DemoResult) -> list[str]:
    d = result.directory
    shop, other = d.self_service, d.partner_customer
    lines = [
        f"demo customer {shop.customer.name}: self-service, {len(shop.stores)} stores, "
        f"{len(shop.people)} people (a Gestor with the support seat, one without, a Gerente, Vendedores)",
        f"demo customer {other.customer.name}: handled by the partner {d.partner.name}",
    ]
    if result.tickets:
        counts: dict[str, int] = {}
        for t in result.tickets:
            key = t.outcome or t.status
            counts[key] = counts.get(key, 0) + 1
        states = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        lines.append(f"demo tickets: {len(result.tickets)} told through the desk's actions ({states})")
    else:
        lines.append("demo tickets: already there, nothing added")
    return lines
