"""Who is told of a crossed threshold, and from when (called by ``tickets.actions.base._settle``
inside the transaction that records the crossing, so a notification exists exactly when
its ``sla_warning`` / ``sla_breached`` event does).

- a warning goes to the assignee; when nobody is assigned, to the agents who may work the
  ticket (the partner's agents for a partner's customer, else the vendor's agents);
- a breach goes to the same people and to the supervisors;
- anything about an urgent priority (the policy's ``notifications.urgent_priorities``, P1)
  also goes to the person on call at that moment, and is delivered at once, at any hour;
- the others are held until the next opening of the metric's calendar (or the policy's
  ``hold_calendar``) and then go out as one digest per person (``delivery``);
- every active webhook that takes the kind gets it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model

from sladesk.core.instants import from_us, to_us
from sladesk.core.policy import Policy
from sladesk.core.sla import Evaluation
from sladesk.notifications.models import Notification, Webhook
from sladesk.oncall import queries as oncall_queries
from sladesk.staff.models import StaffProfile

if TYPE_CHECKING:
    from sladesk.tickets.clocks import Crossed
    from sladesk.tickets.models import Ticket

Reason = Notification.Reason


@dataclass
class Audience:
    """Email recipients (address -> user and why) of one notification."""

    people: dict[str, tuple[Any, list[str]]] = field(default_factory=dict)

    def add(self, user: Any, reason: str) -> None:
        email = (getattr(user, "email", "") or "").strip().lower()
        if not email or not user.is_active:
            return
        entry = self.people.setdefault(email, (user, []))
        if reason not in entry[1]:
            entry[1].append(reason)


def plan_notifications(ticket: Ticket, evaluation: Evaluation, crossed: Crossed, at: datetime) -> list[Notification]:
    """Write the notifications of the crossings just recorded on ``ticket``."""
    from sladesk.tickets.clocks import policy_for

    policy = policy_for(ticket)
    rows: list[Notification] = []
    audiences: dict[tuple[str, bool], Audience] = {}  # asked once per ticket, not per metric
    hooks: list[Webhook] | None = None
    for kind, metrics in ((Notification.Kind.BREACH, crossed.breaches), (Notification.Kind.WARNING, crossed.warnings)):
        for metric, due in metrics.items():
            state = evaluation.metrics[metric]
            priority = state.priority or evaluation.priority or ""
            urgent = priority in policy.notifications.urgent_priorities
            after = at if urgent else held_until(policy, state.calendar or "", at)
            if (kind, urgent) not in audiences:
                audiences[kind, urgent] = audience_of(ticket, kind, urgent, at)
            base = {"ticket": ticket, "metric": metric, "kind": kind, "priority": priority, "due_at": due,
                    "created_at": at, "deliver_after": after}  # fmt: skip
            for email, (user, reasons) in audiences[kind, urgent].people.items():
                rows.append(Notification(**base, channel=Notification.Channel.EMAIL, to=email, recipient=user,
                                         reasons=",".join(reasons)))  # fmt: skip
            if hooks is None:
                hooks = list(Webhook.objects.filter(active=True))
            for hook in hooks:
                if hook.takes(kind):
                    rows.append(Notification(**base, channel=Notification.Channel.WEBHOOK, to=hook.url,
                                             webhook=hook, reasons=Reason.WEBHOOK))  # fmt: skip
    # The same deadline told twice (a priority changed there and back) is one notification.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def held_until(policy: Policy, calendar_name: str, at: datetime) -> datetime:
    """``at`` when the calendar is open then, else its next opening."""
    name = policy.notifications.hold_calendar or calendar_name
    if not name or name not in policy.calendars:
        return at
    calendar = policy.calendar(name)
    instant = to_us(at)
    if calendar.is_open(instant):
        return at
    return from_us(calendar.add_us(instant, 1) - 1)


def audience_of(ticket: Ticket, kind: str, urgent: bool, at: datetime) -> Audience:
    audience = Audience()
    assignee = ticket.assignee
    if assignee is not None:
        audience.add(assignee, Reason.ASSIGNEE)
    else:
        for user in pool_of(ticket):
            audience.add(user, Reason.AGENT)
    if kind == Notification.Kind.BREACH:
        for profile in StaffProfile.objects.filter(role=StaffProfile.Role.SUPERVISOR).select_related("user"):
            audience.add(profile.user, Reason.SUPERVISOR)
    if urgent:
        person = on_call_at(at)
        if person is not None:
            audience.add(person, Reason.ON_CALL)
    return audience


def pool_of(ticket: Ticket) -> list[Any]:
    """The agents who may work an unassigned ticket: the partner's for a partner's customer."""
    from sladesk.directory.models import Contract

    partner_id = Contract.objects.filter(customer_id=ticket.customer_id).values_list("partner_id", flat=True).first()
    users = get_user_model().objects.filter(is_active=True)
    if partner_id is not None:
        users = users.filter(staff__role=StaffProfile.Role.PARTNER_AGENT, staff__partner_id=partner_id)
    else:
        users = users.filter(staff__role=StaffProfile.Role.AGENT)
    return list(users.order_by("pk"))


def on_call_at(at: datetime) -> Any:
    """The person on call at ``at`` (the rota of ``sladesk.oncall``), or None."""
    return oncall_queries.on_call_at(at)
