"""Reading tickets: what a staff member may see, and tickets as JSON or text."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from sladesk.directory.models import Person, Store
from sladesk.staff.access import customer_filter
from sladesk.staff.models import StaffProfile
from sladesk.tickets import clocks
from sladesk.tickets.models import OPEN_STATUSES, Message, Status, Ticket, TicketEvent, TicketLink, TicketMetric

timeline_json = clocks.timeline_json


def visible_to(profile: StaffProfile | None) -> QuerySet[Ticket]:
    """Tickets this staff member may see (every ticket for None: the operator's shell)."""
    qs = Ticket.objects.all()
    return qs if profile is None else qs.filter(customer_filter(profile, "customer__"))


def visible_tickets_of_person(profile: StaffProfile | None, person: Person) -> QuerySet[Ticket]:
    """The tickets a person asked for or is affected by, of those this staff member may see.

    Not only the person's current customer's: a person moved to another customer keeps the
    tickets of the old one, which stay that customer's (and only its staff see them)."""
    return visible_to(profile).filter(Q(requester=person) | Q(affected_person=person))


def visible_tickets_of_store(profile: StaffProfile | None, store: Store) -> QuerySet[Ticket]:
    """The tickets of a store, of those this staff member may see."""
    return visible_to(profile).filter(affected_store=store)


def visible_related(profile: StaffProfile | None, ticket: Ticket) -> Ticket | None:
    """The ticket this one continues, if this staff member may see it (a follow-up of a person
    who moved to another customer continues a ticket of the old customer)."""
    if ticket.related_to_id is None:
        return None
    return visible_to(profile).filter(pk=ticket.related_to_id).first()


def breached_filter(now: datetime) -> Q:
    """A metric recorded breached, or a running one past its deadline."""
    late = TicketMetric.objects.filter(ticket=OuterRef("pk")).filter(
        Q(state="breached") | Q(state="running", due_at__lt=now)
    )
    return Q(Exists(late))


def filtered(options: dict[str, Any], profile: StaffProfile | None, now: datetime) -> QuerySet[Ticket]:
    qs = visible_to(profile).select_related("customer", "requester", "assignee")
    if options.get("open"):
        qs = qs.filter(status__in=OPEN_STATUSES)
    if options.get("status"):
        if options["status"] not in Status.values:
            raise ValueError(f"--status {options['status']!r} is not one of {', '.join(Status.values)}")
        qs = qs.filter(status=options["status"])
    if options.get("customer"):
        qs = qs.filter(customer__code=options["customer"])
    if options.get("partner"):
        qs = qs.filter(customer__contract__partner__name=options["partner"])
    if options.get("priority"):
        qs = qs.filter(priority=options["priority"])
    if options.get("assignee"):
        qs = qs.filter(assignee__username=options["assignee"].strip().lower())
    if options.get("breached"):
        qs = qs.filter(breached_filter(now))
    return qs.order_by("next_due_at", "number")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat()


def summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "code": ticket.code,
        "customer": ticket.customer.code,
        "requester": ticket.requester.email,
        "subject": ticket.subject,
        "channel": ticket.channel,
        "status": ticket.status,
        "outcome": ticket.outcome or None,
        "priority": ticket.priority or None,
        "assignee": ticket.assignee.email if ticket.assignee else None,
        "received_at": _iso(ticket.received_at),
        "next_due_at": _iso(ticket.next_due_at),
    }


def list_json(options: dict[str, Any], profile: StaffProfile | None, now: datetime) -> list[dict[str, Any]]:
    limit = max(1, min(int(options.get("limit") or 100), 10_000))
    return [summary(t) for t in filtered(options, profile, now)[:limit]]


def ticket_json(ticket: Ticket, now: datetime, profile: StaffProfile | None = None) -> dict[str, Any]:
    """The ticket with ``metrics`` exactly as ``sla replay`` of its timeline prints them, as
    ``profile`` may see it (None: everything, the operator's shell)."""
    sla = clocks.metrics_json(ticket, now)
    related = visible_related(profile, ticket)
    return {
        **summary(ticket),
        "description": ticket.description,
        "category": ticket.category or None,
        "missing_information": ticket.missing_information,
        "policy_version": ticket.policy_version.version,
        "related_to": related.number if related else None,
        "sla_priority": sla["priority"],
        "metrics": sla["metrics"],
        "events": [event_json(e) for e in ticket.events.order_by("seq")],
        "failed_emails": [
            {"to": m.to, "subject": m.subject, "attempts": m.attempts, "error": m.last_error, "at": _iso(m.failed_at)}
            for m in ticket.outboxmessage_set.filter(failed_at__isnull=False).order_by("pk")
        ],
        # The intake's triage: suggestions until an agent confirms them.
        "suggested_priority": ticket.suggested_priority or None,
        "scope_category": ticket.category or ticket.suggested_category or None,
        "missing_info": list(ticket.missing_information or []),
        "messages": [message_json(m) for m in ticket.messages.select_related("author_staff", "author_person")],
        "attachments": [
            {"name": a.name, "size": a.size, "content_type": a.content_type} for a in ticket.attachments.order_by("pk")
        ],
    }


def message_json(m: Message) -> dict[str, Any]:
    """A message as agents see it: who wrote it (an email, or "system"), when, and its text."""
    author = m.author_staff.email if m.author_staff else m.author_person.email if m.author_person else ""
    return {"kind": m.kind, "author": author or "system", "at": _iso(m.created_at), "body": m.body}


def event_json(e: TicketEvent) -> dict[str, Any]:
    """One row of the event log: the stored codes, never a translated label."""
    out: dict[str, Any] = {
        "seq": e.seq,
        "at": _iso(e.at),
        "action": e.action,
        "actor": e.actor_label or "system",
        "before": e.before,
        "after": e.after,
    }
    if e.sla_type:
        out["sla_type"] = e.sla_type
    if e.action == "sla_breached":
        out["metrics"] = sorted((e.after or {}).get("breached", {}))
    return out


def ticket_text(ticket: Ticket, now: datetime, profile: StaffProfile | None = None) -> str:
    data = ticket_json(ticket, now, profile)
    lines = [f"#{data['number']} {data['subject']}  [{data['status']}, {data['priority'] or 'sem prioridade'}]"]
    lines.append(f"customer {data['customer']}  requester {data['requester']}  channel {data['channel']}")
    for name, metric in data["metrics"].items():
        due = metric.get("due") or (f"{metric.get('remaining_s', 0)} s left" if metric["state"] == "paused" else "")
        lines.append(f"  {name:<11} {metric['state']:<15} {due or '':<26} {metric.get('rule', '')}")
    return "\n".join(lines)


def visible_links(profile: StaffProfile | None, ticket: Ticket) -> list[Ticket]:
    """The tickets linked to this one, of those this staff member may see, and those merged
    into it, by number."""
    linked = TicketLink.objects.filter(Q(low=ticket) | Q(high=ticket)).values_list("low_id", "high_id")
    ids = {pk for pair in linked for pk in pair} - {ticket.pk}
    return list(visible_to(profile).filter(Q(pk__in=ids) | Q(merged_into=ticket)).order_by("number"))
