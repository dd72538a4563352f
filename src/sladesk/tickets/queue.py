"""The agent's queue: open tickets, nearest deadline first, one page at a time.

Pages are keyset pages (``after`` = the last row's position), never OFFSET, and
nothing is counted: the first page of 100,000 tickets costs what the last does.
The order is ``next_due_at`` (indexed) then ``id``; tickets with no running
deadline (all paused or stopped) come next, by ``id``; tickets whose deadline passed more
than ``LONG_BREACHED`` ago come last (what can still be saved first), by ``next_due_at``.
That is up to three range scans, each only when the ones before do not fill the page.

Views (``view=``) are named filters shown with their counts, all counted in one query.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet, prefetch_related_objects
from django.http import QueryDict

from sladesk.core.instants import from_us, to_us
from sladesk.core.policy import Policy
from sladesk.directory.models import Partner
from sladesk.policies.models import PolicyVersion
from sladesk.policies.service import current_policy, policy_of
from sladesk.staff.access import visible_customers
from sladesk.staff.models import StaffProfile
from sladesk.tickets.models import OPEN_STATUSES, Channel, Status, Ticket
from sladesk.tickets.presenters import LATE, Badge, queue_badges, short_metric_label
from sladesk.tickets.queries import breached_filter, visible_to

PAGE_SIZE = 50
NO_PARTNER = "-"  # the partner filter's value for self-service customers
NOBODY = "-"  # the assignee filter's value for unassigned tickets
MINE = "me"
NO_PRIORITY = "-"
AT_RISK = timedelta(hours=2)  # "Em risco": a running deadline within this
LONG_BREACHED = timedelta(hours=24)  # past its deadline longer than this: its own view, last by default
# Column sorts other than the deadline's: plain offset pages (``n=`` the page number).
SORTS: dict[str, tuple[Any, ...]] = {
    "priority": (F("priority").asc(), F("next_due_at").asc(nulls_last=True), "pk"),
    "received": ("received_at", "pk"),
    "-received": ("-received_at", "-pk"),
    "customer": ("customer__name", F("next_due_at").asc(nulls_last=True), "pk"),
}
MAX_PAGE = 10_000
VIEWS = ("mine", "unassigned", "risk", "breached", "urgent", "long")


# What a parameter may look like: ASCII digits only (str.isdigit also takes "²" and "٣",
# which int() or the database then refuse), within what the columns hold.
ID = re.compile(r"[1-9][0-9]{0,9}")
MAX_ID = 2**31 - 1  # the primary keys are 32-bit integers on PostgreSQL
CURSOR = re.compile(r"(n|L?-?[0-9]{1,18})\.([1-9][0-9]{0,18})")
MAX_PK = 2**63 - 1


def clean_param(text: str, limit: int) -> str:
    """A free-text parameter as the desk can look it up: no control characters (PostgreSQL
    refuses NUL in a query), no surrounding spaces, at most ``limit`` characters."""
    kept = "".join(c for c in text[: limit * 4] if unicodedata.category(c) not in ("Cc", "Cs"))
    return kept.strip()[:limit]


def parse_id(text: str) -> int | None:
    """A row id as typed in a URL, or None when it cannot be one."""
    if not ID.fullmatch(text) or int(text) > MAX_ID:
        return None
    return int(text)


@dataclass
class Filters:
    """The queue's GET parameters, validated; unknown values are dropped, never an error."""

    customer: str = ""
    partner: str = ""
    priority: str = ""
    status: str = ""
    assignee: str = ""
    breached: bool = False
    view: str = ""
    sort: str = ""
    number: int = 1  # the page's number under a column sort
    after: str = ""

    @classmethod
    def from_query(cls, params: QueryDict, profile: StaffProfile, policy: Policy) -> Filters:
        status = params.get("status", "")
        priority = params.get("priority", "")
        assignee = params.get("assignee", "")
        after = params.get("after", "")
        return cls(
            customer=clean_param(params.get("customer", ""), 64),
            partner=clean_param(params.get("partner", ""), 200) if profile.sees_every_customer else "",
            priority=priority if priority in (*policy.priorities, NO_PRIORITY) else "",
            status=status if status in OPEN_STATUSES else "",
            assignee=assignee if assignee in (MINE, NOBODY) or parse_id(assignee) is not None else "",
            breached=params.get("breached") in ("1", "on", "true"),
            view=params.get("view", "") if params.get("view", "") in VIEWS else "",
            sort=params.get("sort", "") if params.get("sort", "") in SORTS else "",
            number=min(parse_id(params.get("n", "")) or 1, MAX_PAGE),
            after=after if parse_cursor(after) is not None else "",
        )

    def query(self, after: str = "", *, with_view: bool = True, with_sort: bool = True) -> str:
        """The filters as a query string (for the next page and the refresh)."""
        q = QueryDict(mutable=True)
        for key in ("customer", "partner", "priority", "status", "assignee"):
            if getattr(self, key):
                q[key] = getattr(self, key)
        if self.breached:
            q["breached"] = "1"
        if self.view and with_view:
            q["view"] = self.view
        if self.sort and with_sort:
            q["sort"] = self.sort
        if after and self.sort:
            q["n"] = after  # a page number under a column sort
        elif after:
            q["after"] = after
        return q.urlencode()

    @property
    def active(self) -> bool:
        return any((self.customer, self.partner, self.priority, self.status, self.assignee, self.breached))


def view_filters(user: User, now: datetime, policy: Policy) -> dict[str, Q]:
    """Each view as a condition on an open ticket (the queue's indexed columns only but "Estourados",
    which also takes a metric recorded breached)."""
    return {
        "mine": Q(assignee=user),
        "unassigned": Q(assignee__isnull=True),
        "risk": Q(next_due_at__gte=now, next_due_at__lt=now + AT_RISK),
        "breached": Q(next_due_at__lt=now) | breached_filter(now),
        "urgent": Q(priority=urgent_priority(policy)),
        "long": Q(next_due_at__lt=now - LONG_BREACHED),
    }


def urgent_priority(policy: Policy) -> str:
    """The policy's first (most urgent) priority: the "P1" view."""
    return next(iter(policy.priorities))


def counts(profile: StaffProfile, user: User, f: Filters, now: datetime, policy: Policy) -> dict[str, int]:
    """How many tickets each view holds under the other filters, and ``""`` all of them: one query."""
    base = _filter(visible_to(profile), f, user, now, policy, with_view=False)
    aggregates = {name: Count("pk", filter=q) for name, q in view_filters(user, now, policy).items()}
    return {name: int(n) for name, n in base.aggregate(all=Count("pk"), **aggregates).items()}


def _filter(
    qs: QuerySet[Ticket], f: Filters, user: User, now: datetime, policy: Policy, *, with_view: bool = True
) -> QuerySet[Ticket]:
    if f.view and with_view:
        qs = qs.filter(view_filters(user, now, policy)[f.view])
    qs = qs.filter(status=f.status) if f.status else qs.filter(status__in=OPEN_STATUSES)
    if f.customer:
        qs = qs.filter(customer__code=f.customer)
    if f.partner == NO_PARTNER:
        qs = qs.filter(Q(customer__contract__partner__isnull=True))
    elif f.partner:
        qs = qs.filter(customer__contract__partner__name=f.partner)
    if f.priority:
        qs = qs.filter(priority="" if f.priority == NO_PRIORITY else f.priority)
    if f.assignee == MINE:
        qs = qs.filter(assignee=user)
    elif f.assignee == NOBODY:
        qs = qs.filter(assignee__isnull=True)
    elif f.assignee:
        qs = qs.filter(assignee_id=parse_id(f.assignee))
    if f.breached:
        qs = qs.filter(Q(next_due_at__lt=now) | breached_filter(now))
    return qs


@dataclass(frozen=True)
class Cursor:
    segment: str  # "t" a deadline still to save, "n" no running deadline, "L" long breached
    due: datetime | None
    pk: int


def parse_cursor(text: str) -> Cursor | None:
    """``<due in µs>.<id>`` for a row with a deadline, ``n.<id>`` for one without, ``L<due>.<id>``
    for one long breached; None for anything else (a cursor the desk did not write, or an
    instant no calendar holds)."""
    match = CURSOR.fullmatch(text)
    if match is None or int(match[2]) > MAX_PK:
        return None
    due, pk = match[1], int(match[2])
    if due == "n":
        return Cursor("n", None, pk)
    segment = "L" if due.startswith("L") else "t"
    try:
        return Cursor(segment, from_us(int(due.removeprefix("L"))), pk)
    except (OverflowError, OSError, ValueError):  # before year 1 or after 9999
        return None


def cursor_of(ticket: Ticket, segment: str) -> str:
    due = "n" if ticket.next_due_at is None else str(to_us(ticket.next_due_at))
    return f"{'L' if segment == 'L' else ''}{due}.{ticket.pk}"


@dataclass
class Row:
    ticket: Ticket
    cells: list[Badge | None]  # one per column (metric) of the queue; None where it does not apply
    status: str  # the status and channel in words (translated once per page, not per row)
    channel: str
    flagged: bool = False  # a suspected outage awaiting its priority: shown first, marked

    @property
    def late(self) -> bool:
        return any(b is not None and b.tone == LATE for b in self.cells)


@dataclass
class Page:
    rows: list[Row]
    next_after: str = ""


def page(
    profile: StaffProfile, user: User, f: Filters, now: datetime, *, columns: list[str], size: int = PAGE_SIZE
) -> Page:
    """One page of the queue, its badges computed from the stored metric rows (no per-row SQL).

    ``columns``: the metrics shown, in order (the current policy's)."""
    policy = current_policy()
    base = _filter(visible_to(profile), f, user, now, policy).select_related("customer", "requester", "assignee")
    if f.sort:
        return _sorted_page(base, f, columns, now, size)
    cursor = parse_cursor(f.after) if f.after else None
    suspect = suspected_outage(policy)
    # A request the intake took for an outage, with no priority confirmed yet, heads the first
    # page (whatever its deadline: its clocks run on the default priority until someone looks).
    flagged = list(base.filter(suspect).order_by("received_at", "pk")[:FLAGGED_MAX]) if cursor is None else []
    base = base.exclude(suspect)
    cutoff = now - LONG_BREACHED
    segments = {
        "t": base.filter(next_due_at__gte=cutoff),
        "n": base.filter(next_due_at__isnull=True),
        "L": base.filter(next_due_at__lt=cutoff),
    }
    order = list(segments)
    tickets: list[tuple[str, Ticket]] = []
    for name in order[order.index(cursor.segment) if cursor else 0 :]:
        if len(tickets) > size:
            break
        qs = segments[name]
        if cursor is not None and cursor.segment == name:
            qs = _after(qs, cursor)
        keys = ("pk",) if name == "n" else ("next_due_at", "pk")
        tickets += [(name, t) for t in qs.order_by(*keys)[: size + 1 - len(tickets)]]
    more = len(tickets) > size
    shown = [t for _, t in tickets[:size]]
    prefetch_related_objects([*flagged, *shown], "metrics")
    rows = _rows(flagged, columns, now, flagged=True) + _rows(shown, columns, now)
    return Page(rows, cursor_of(shown[-1], tickets[size - 1][0]) if more and shown else "")


def _sorted_page(base: QuerySet[Ticket], f: Filters, columns: list[str], now: datetime, size: int) -> Page:
    """A page under a column sort: OFFSET paging (the sorts are for looking, the queue's default
    order for working), ``next_after`` the next page's number."""
    start = (f.number - 1) * size
    tickets = list(base.order_by(*SORTS[f.sort])[start : start + size + 1])
    shown = tickets[:size]
    prefetch_related_objects(shown, "metrics")
    return Page(_rows(shown, columns, now), str(f.number + 1) if len(tickets) > size else "")


def _after(qs: QuerySet[Ticket], cursor: Cursor) -> QuerySet[Ticket]:
    if cursor.due is None:
        return qs.filter(pk__gt=cursor.pk)
    return qs.filter(Q(next_due_at__gt=cursor.due) | Q(next_due_at=cursor.due, pk__gt=cursor.pk))


FLAGGED_MAX = 20


def suspected_outage(policy: Policy) -> Q:
    """Open, no priority set, and the intake suggested the phone's (the outage) priority."""
    phone = policy.channels.get("phone")
    urgent = phone.priorities[0] if phone is not None and phone.priorities else next(iter(policy.priorities))
    return Q(status__in=OPEN_STATUSES, priority="", suggested_priority=urgent)


def _rows(tickets: list[Ticket], columns: list[str], now: datetime, *, flagged: bool = False) -> list[Row]:
    policies = _policies(tickets)
    labels = {pk: {name: short_metric_label(name, p) for name in p.metrics} for pk, p in policies.items()}
    statuses = {s.value: str(s.label) for s in Status}
    channels = {c.value: str(c.label) for c in Channel}
    rows = []
    for t in tickets:
        policy, version = policies[t.policy_version_id], t.policy_version_id
        badges = {b.name: b for b in queue_badges(list(t.metrics.all()), policy, now, labels[version])}
        cells = [badges.get(name) for name in columns]
        rows.append(Row(t, cells, statuses.get(t.status, t.status), channels.get(t.channel, t.channel), flagged))
    return rows


def _policies(tickets: list[Ticket]) -> dict[int, Policy]:
    """The policy of every ticket on the page, in one query (usually one version)."""
    ids = {t.policy_version_id for t in tickets}
    if not ids:
        return {}
    return {v.pk: policy_of(v) for v in PolicyVersion.objects.filter(pk__in=ids)}


@dataclass
class Choices:
    customers: list[tuple[str, str]]
    partners: list[str]
    assignees: list[tuple[int, str]]
    statuses: list[tuple[str, str]]
    priorities: list[str]


MAX_CUSTOMER_CHOICES = 1000


def choices(profile: StaffProfile, policy: Policy) -> Choices:
    """The filter form's options: only what this staff member may see (a partner's agent:
    its partner's customers and agents)."""
    customers = list(visible_customers(profile).order_by("name").values_list("code", "name")[:MAX_CUSTOMER_CHOICES])
    partners: list[str] = []
    if profile.sees_every_customer:
        partners = list(Partner.objects.order_by("name").values_list("name", flat=True))
    staff = User.objects.filter(staff__isnull=False, is_active=True).order_by("first_name", "last_name", "username")
    if not profile.sees_every_customer:  # a partner's agent: its own team, nobody else's names
        staff = staff.filter(Q(staff__role=StaffProfile.Role.PARTNER_AGENT, staff__partner_id=profile.partner_id))
    assignees = [(u.pk, display_name(u)) for u in staff.only("pk", "first_name", "last_name", "email", "username")]
    statuses = [(s.value, str(s.label)) for s in Status if s in OPEN_STATUSES]
    return Choices(customers, partners, assignees, statuses, list(policy.priorities))


def display_name(user: Any) -> str:
    """A staff member as the desk shows them."""
    return str(user.get_full_name() or user.email or user.username)
