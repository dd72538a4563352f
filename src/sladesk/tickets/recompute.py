"""``sladesk sla recompute``: open deadlines moved in bulk when the calendars in force change.

Calendars are facts of the world: a holiday or a closure added by a published version
applies to every open ticket, whatever version the ticket keeps for its targets and rules.
Every version in force before the current one is pointed at the current one's calendars
(``PolicyVersion.calendars_sha``, read by ``policies.service.policy_of``) in the same
transaction that moves the stored deadlines, so the stored metrics always equal a full
evaluation of each ticket.

The bulk path never replays a timeline. A running clock stores its anchor and its
deadline, ``due == calendar.add(anchor, remaining)``; on the old calendar
``remaining = business(anchor, due)`` (exact, in microseconds), and on the new one the
deadline is ``add(anchor, remaining)``: two numpy calls (``business_many``, ``add_many``)
for every open metric of a calendar at once, then one ``executemany`` per table. Only when
a changed day falls in a clock's past (between the ticket's receipt and its anchor, where
the time already counted lies) is that ticket evaluated whole, one by one
(``clocks.evaluate_ticket``, then what every action does after it).

A moved deadline is a ``deadlines_recomputed`` event on its ticket (no ``sla_type``: the
engine never sees it), with the deadlines before and after. A deadline that moves resets
its warning and breach records, so the worker's sweep warns and breaches at the new one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from sladesk.core.calendar import AlwaysCalendar, BusinessCalendar
from sladesk.core.instants import HOUR_US, US, from_us, to_us
from sladesk.core.policy import Policy
from sladesk.core.policy.diff import changed_from
from sladesk.core.sla import BREACHED, EXCLUDED, NOT_APPLICABLE, RUNNING, evaluate
from sladesk.policies.models import PolicyVersion
from sladesk.policies.service import policy_of, text_policy, version_in_force, with_calendars
from sladesk.tickets import clocks
from sladesk.tickets.models import OPEN_STATUSES, Ticket, TicketEvent, TicketMetric

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Ints = NDArray[np.int64]

ACTION = "deadlines_recomputed"
NULL = -(2**62)  # a missing instant in the numpy columns
CHUNK = 900  # ids per IN (...) list


@dataclass(frozen=True)
class Move:
    """One deadline that moves: ticket number, metric, due before and after (µs)."""

    number: int
    metric: str
    before: int | None
    after: int | None


@dataclass
class Group:
    """The open metrics of one version's tickets on one calendar that changed."""

    version: PolicyVersion
    calendar: str
    own: Policy  # the version's targets and rules
    old: AlwaysCalendar | BusinessCalendar
    new: AlwaysCalendar | BusinessCalendar
    days: dict[date, int] | None  # the local days whose hours differ, from which minute (None: all of them)


@dataclass
class Result:
    facts: str  # the version whose calendars are applied
    versions: list[str] = field(default_factory=list)  # versions pointed at its calendars
    calendars: list[str] = field(default_factory=list)  # "version: calendar" that changed
    moves: list[Move] = field(default_factory=list)
    metrics: int = 0  # open metrics looked at
    bulk: int = 0  # metric rows rewritten by the bulk path
    one_by_one: list[int] = field(default_factory=list)  # ticket numbers evaluated whole
    applied: bool = False
    seconds: float = 0.0

    @property
    def tickets(self) -> int:
        return len({m.number for m in self.moves})


# ---- what is pending -------------------------------------------------------------------------
def pending(now: datetime | None = None) -> bool:
    """Whether some version in force before the current one still runs on other calendars."""
    now = now or timezone.now()
    facts = version_in_force(now)
    if facts is None:
        return False
    rows = PolicyVersion.objects.filter(effective_at__lte=now).exclude(sha256=facts.sha256)
    return rows.exclude(calendars_sha=facts.sha256).exists()


# ---- the run -----------------------------------------------------------------------------
def recompute(
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    facts: Policy | None = None,
    facts_sha: str = "",
) -> Result:
    """Apply the calendars in force (or ``facts``, for a dry run of a publication) to the
    open tickets of every earlier version; ``dry_run`` only says what would move."""
    t0 = time.perf_counter()
    now = now or timezone.now()
    if facts is None:
        row = version_in_force(now)
        if row is None:
            return Result("")
        facts, facts_sha = text_policy(row), row.sha256
    result = Result(facts.version)
    if dry_run:
        _run(result, facts, facts_sha, now, write=False)
    else:
        with transaction.atomic():
            _run(result, facts, facts_sha, now, write=True)
        result.applied = True
    result.seconds = time.perf_counter() - t0
    return result


def _run(result: Result, facts: Policy, facts_sha: str, now: datetime, *, write: bool) -> None:
    now_us = to_us(now)
    versions = PolicyVersion.objects.filter(effective_at__lte=now).exclude(sha256=facts_sha)
    if write:  # two workers at once: the second waits here, then finds nothing behind (PostgreSQL
        # re-checks the condition of a row it waited for; SQLite's IMMEDIATE transaction serialises)
        versions = versions.select_for_update()
    behind = list(versions.exclude(calendars_sha=facts_sha).order_by("pk"))
    groups = [g for v in behind for g in _groups(v, facts, now)]
    result.versions = [v.version for v in behind]
    result.calendars = [f"{g.version.version}: {g.calendar}" for g in groups]
    if write and groups:
        _lock([g.version.pk for g in groups])
    plans = [_plan(g, now_us) for g in groups]
    result.metrics = sum(p.rows for p in plans)
    one_by_one = sorted({t for p in plans for t in p.fallback})
    for p in plans:
        result.moves += p.moves
        result.bulk += len(p.updates) + len(p.stopped)
    if write:
        PolicyVersion.objects.filter(pk__in=[v.pk for v in behind]).update(calendars_sha=facts_sha)
        _write_bulk(plans, facts.version, now)
    names = sorted({g.calendar for g in groups})
    result.moves += [m for pk in one_by_one for m in _evaluate_one(pk, facts, names, now, write=write)]
    result.one_by_one = list(
        Ticket.objects.filter(pk__in=one_by_one).order_by("number").values_list("number", flat=True)
    )
    result.moves.sort(key=lambda m: (m.number, m.metric))


def _groups(version: PolicyVersion, facts: Policy, now: datetime) -> list[Group]:
    own, old = text_policy(version), policy_of(version)
    new = with_calendars(own, facts)
    used = sorted({t.calendar for m in own.metrics.values() for t in m.targets.values()})
    out = []
    for name in used:
        a, b = old.calendars[name], new.calendars[name]
        if a != b:
            first, last = _span(version, now)
            days = changed_from(a, b, first, last) if first else {}
            out.append(Group(version, name, own, old.calendar(name), new.calendar(name), days))
    return out


def _span(version: PolicyVersion, now: datetime) -> tuple[date | None, date]:
    """The local days the open tickets of ``version`` may have counted time on."""
    tickets = Ticket.objects.filter(policy_version=version, status__in=OPEN_STATUSES)
    first = tickets.order_by("received_at").values_list("received_at", flat=True).first()
    today = timezone.localdate(now)
    if first is None:
        return None, today
    return timezone.localdate(first) - timedelta(days=1), today + timedelta(days=400)


def _lock(version_ids: Sequence[int]) -> None:
    """The open tickets of these versions, locked until the transaction ends (on SQLite the
    IMMEDIATE transaction holds the write lock already): no action changes one meanwhile."""
    if connection.vendor == "postgresql":
        rows = Ticket.objects.select_for_update(of=("self",)).filter(
            policy_version_id__in=version_ids, status__in=OPEN_STATUSES
        )
        list(rows.values_list("id", flat=True))


# ---- one calendar of one version, in bulk ----------------------------------------------------
@dataclass
class Plan:
    group: Group
    rows: int = 0
    moves: list[Move] = field(default_factory=list)
    fallback: set[int] = field(default_factory=set)  # ticket ids
    updates: list[tuple[Any, ...]] = field(default_factory=list)  # (metric id, ticket id, due, warn, state, ...)
    stopped: list[tuple[int, int, int]] = field(default_factory=list)  # (metric id, ticket id, due) of stopped clocks
    events: dict[int, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)  # ticket id -> snapshots


def _plan(group: Group, now_us: int) -> Plan:
    """Which rows move and where to, for one calendar of one version.

    Each row is counted on from an instant ``x`` after which nothing of its past lies: a
    running clock's anchor, or for a stopped one the instant it was last evaluated (it
    stopped before). When no changed day falls in [receipt, x), the time counted before
    ``x`` is the same on both calendars, so ``due' = new.add(x, old.business(x, due))``.
    Otherwise the ticket is evaluated whole."""
    import numpy as np

    plan = Plan(group)
    rows = _read(group)
    plan.rows = len(rows)
    if not rows:
        return plan
    cols = list(zip(*rows, strict=True))
    c = {name: np.array(cols[i], dtype=np.int64) for i, name in enumerate(INT_COLUMNS) if name}
    c["names"], c["states"], c["priorities"] = cols[3], cols[4], cols[5]  # type: ignore[assignment]
    anchor, due, evaluated = c["anchor"], c["due"], c["evaluated"]
    has_anchor = (anchor != NULL) & (due != NULL)
    x = np.where(has_anchor, anchor, evaluated)
    touched = _touches(group, c["received"], x)
    plan.fallback = set(c["ticket"][touched].tolist())
    movable = (due != NULL) & (due >= x) & ~np.isin(c["ticket"], np.array(sorted(plan.fallback), dtype=np.int64))
    _running(plan, c, np.flatnonzero(movable & has_anchor), now_us)
    _stopped(plan, c, np.flatnonzero(movable & ~has_anchor))
    return plan


INT_COLUMNS = ("metric", "ticket", "number", "", "", "", "received", "anchor", "due", "warn", "evaluated")


def _running(plan: Plan, c: dict[str, Any], idx: Ints, now_us: int) -> None:
    """Running clocks: the deadline, the warning, and the state as of now, as ``store_metrics`` writes them."""
    import numpy as np

    if not idx.size:
        return
    group = plan.group
    a, d = c["anchor"][idx], c["due"][idx]
    remaining = group.old.business_many(a, d)
    new_due = group.new.add_many(a, remaining)
    target, left = _targets(group.own, [c["names"][i] for i in idx], [c["priorities"][i] for i in idx])
    new_warn = group.new.add_many(a, remaining - left)
    sel = np.flatnonzero((new_due != d) | (new_warn != c["warn"][idx]))
    if not sel.size:
        return
    a, remaining, new_due, new_warn, target, idx = (
        a[sel],
        remaining[sel],
        new_due[sel],
        new_warn[sel],
        target[sel],
        idx[sel],
    )
    now = np.full(sel.size, now_us, dtype=np.int64)
    elapsed = target - remaining + group.new.business_many(a, now)
    breached = now > new_due
    rows = zip(
        idx.tolist(), new_due.tolist(), new_warn.tolist(), breached.tolist(), (elapsed // US).tolist(),
        ((target - elapsed) // US).tolist(), strict=True,
    )  # fmt: skip
    for i, after, warn, late, elapsed_s, remaining_s in rows:
        state = BREACHED if late else RUNNING
        moved = _moved(plan, c, i, after, state)
        update = (after, warn, state, after if late else None, elapsed_s, None if late else remaining_s, moved)
        plan.updates.append((int(c["metric"][i]), int(c["ticket"][i]), *update))


def _stopped(plan: Plan, c: dict[str, Any], idx: Ints) -> None:
    """Stopped clocks keep their outcome; a deadline still ahead of their last evaluation
    (a target met early) moves like any other."""
    import numpy as np

    if not idx.size:
        return
    group = plan.group
    x, d = c["evaluated"][idx], c["due"][idx]
    new_due = group.new.add_many(x, group.old.business_many(x, d))
    sel = np.flatnonzero(new_due != d)
    for i, after in zip(idx[sel].tolist(), new_due[sel].tolist(), strict=True):
        _moved(plan, c, i, after, c["states"][i])
        plan.stopped.append((int(c["metric"][i]), int(c["ticket"][i]), after))


def _moved(plan: Plan, c: dict[str, Any], i: int, after: int, state: str) -> bool:
    """Record a deadline that moves (a move, and the ticket's event snapshots); False if it stays."""
    before = int(c["due"][i])
    if before == after:
        return False
    name, priority = c["names"][i], c["priorities"][i]
    plan.moves.append(Move(int(c["number"][i]), name, before, after))
    snapshots = plan.events.setdefault(int(c["ticket"][i]), ({}, {}))
    snapshots[0][name] = _snap(c["states"][i], priority, before)
    snapshots[1][name] = _snap(state, priority, after)
    return True


def _snap(state: str, priority: str, due: int) -> dict[str, Any]:
    """A deadline as ``clocks.snapshot`` records it (``from_us(due).isoformat()``, UTC)."""
    return {"state": state, "priority": priority or None, "due": _iso(due)}


def _iso(us: int) -> str:
    return (_EPOCH + timedelta(microseconds=us)).isoformat() + "+00:00"


def _targets(own: Policy, names: list[str], priorities: list[str]) -> tuple[Ints, Ints]:
    """Each row's target and the time left when it warns (``core.warnings.warn_instant``'s rounding)."""
    import numpy as np

    share = own.notifications.warn_at_used
    cache: dict[tuple[str, str], tuple[int, int]] = {}
    targets, lefts = [], []
    for name, priority in zip(names, priorities, strict=True):
        key = (name, priority)
        if key not in cache:
            metric = own.metrics[name]
            goal = metric.targets[priority or own.default_priority].target_us
            cache[key] = (goal, round(goal * (1.0 - share)))
        targets.append(cache[key][0])
        lefts.append(cache[key][1])
    return np.array(targets, dtype=np.int64), np.array(lefts, dtype=np.int64)


def _touches(group: Group, lo: Ints, hi: Ints) -> NDArray[np.bool_]:
    """Rows whose [lo, hi) meets a changed day from its first changed minute (all rows with
    lo < hi when every day changed). The minute is counted from local midnight in UTC
    microseconds, less an hour, so that on a day the clocks change it is never late: at worst
    a ticket is evaluated whole that need not be, never a wrong deadline."""
    import numpy as np

    if group.days is None:
        return lo < hi
    if not group.days:
        return np.zeros(lo.shape, dtype=bool)
    zone = group.old.zone
    days = sorted(group.days.items())
    starts = np.array([to_us(datetime(d.year, d.month, d.day, tzinfo=zone)) + m * 60 * US - HOUR_US for d, m in days])
    ends = np.array([to_us(datetime(d.year, d.month, d.day, tzinfo=zone) + timedelta(days=1)) for d, _ in days])
    first = np.searchsorted(ends, lo, side="right")  # the first changed day that ends after lo
    found = first < starts.size
    start_of_first = starts[np.minimum(first, starts.size - 1)]
    return found & (start_of_first < hi) & (lo < hi)


# ---- reading and writing ---------------------------------------------------------------------------
def _us(column: str) -> str:
    """SQL for an instant column as integer microseconds since the epoch (NULL as ``NULL``)."""
    if connection.vendor == "postgresql":
        value = f"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint"
    else:  # Django's SQLite text: 'YYYY-MM-DD HH:MM:SS[.ffffff]', UTC
        value = f"(CAST(strftime('%%s', {column}) AS INTEGER) * 1000000 + CAST(substr({column}, 21, 6) AS INTEGER))"
    return f"COALESCE({value}, {NULL})"


def _first_change(group: Group) -> int | None:
    """The earliest instant a changed day may differ from (None: from the beginning of time)."""
    if group.days is None:
        return None
    if not group.days:
        return 2**62  # nothing changed: nothing to read
    day, minute = min(group.days.items())
    return to_us(datetime(day.year, day.month, day.day, tzinfo=group.old.zone)) + minute * 60 * US - HOUR_US


def _read(group: Group) -> list[tuple[Any, ...]]:
    """The open metrics a change from ``_first_change`` on may move: a deadline (or, without
    one, a last evaluation) after it. One that falls before it was reached on the same hours."""
    m, t = TicketMetric._meta.db_table, Ticket._meta.db_table
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    first = _first_change(group)
    after = "" if first is None else "AND (m.due_at > %s OR (m.due_at IS NULL AND m.evaluated_at > %s))"
    sql = f"""
        SELECT m.id, m.ticket_id, t.number, m.name, m.state, m.priority,
               {_us("t.received_at")}, {_us("m.anchor_at")}, {_us("m.due_at")}, {_us("m.warn_at")},
               {_us("m.evaluated_at")}
        FROM {m} m JOIN {t} t ON t.id = m.ticket_id
        WHERE t.policy_version_id = %s AND t.status IN ({statuses}) AND m.calendar = %s
          AND m.state NOT IN (%s, %s) {after}
    """  # noqa: S608 (our table names)
    params: list[Any] = [group.version.pk, *OPEN_STATUSES, group.calendar, NOT_APPLICABLE, EXCLUDED]
    if first is not None:
        params += [_instant(first), _instant(first)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


_EPOCH = datetime(1970, 1, 1)  # naive UTC


def _instant(us: int | None) -> Any:
    """An instant as the backend stores it: a UTC datetime, or Django's SQLite text."""
    return _converter()(us)


def _converter() -> Callable[[int | None], Any]:
    """``_instant`` for this connection's backend, looked up once (for the many rows of a write)."""
    if connection.vendor == "postgresql":
        return lambda us: None if us is None else (_EPOCH + timedelta(microseconds=us)).replace(tzinfo=UTC)
    return lambda us: None if us is None else str(_EPOCH + timedelta(microseconds=us))


def _write_bulk(plans: list[Plan], version: str, now: datetime) -> None:
    updates = [u for p in plans for u in p.updates]
    stopped = [u for p in plans for u in p.stopped]
    if not updates and not stopped:
        return
    m = TicketMetric._meta.db_table
    instant = _converter()
    evaluated = instant(to_us(now))
    sql = f"""
        UPDATE {m} SET due_at = %s, warn_at = %s, state = %s, breached_at = %s, elapsed_s = %s,
            remaining_s = %s, evaluated_at = %s,
            breach_notified_at = CASE WHEN %s THEN NULL ELSE breach_notified_at END,
            warning_notified_at = CASE WHEN %s THEN NULL ELSE warning_notified_at END
        WHERE id = %s
    """  # noqa: S608
    rows = [
        (instant(due), instant(warn), state, instant(breached), elapsed, remaining, evaluated, moved, moved, pk)
        for pk, _, due, warn, state, breached, elapsed, remaining, moved in updates
    ]
    moved_stopped = f"""
        UPDATE {m} SET due_at = %s, breach_notified_at = NULL, warning_notified_at = NULL WHERE id = %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        cursor.executemany(moved_stopped, [(instant(due), pk) for pk, _, due in stopped])
    _next_due(sorted({u[1] for u in updates}))
    _events(plans, version, now)


def _next_due(ticket_ids: list[int]) -> None:
    """Each ticket's nearest running deadline, from its stored metrics (``store_metrics``' rule)."""
    t, m = Ticket._meta.db_table, TicketMetric._meta.db_table
    sql = f"""
        UPDATE {t} SET next_due_at = (
            SELECT MIN(due_at) FROM {m} WHERE ticket_id = {t}.id AND anchor_at IS NOT NULL AND due_at IS NOT NULL
        ) WHERE id = %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(pk,) for pk in ticket_ids])


def _events(plans: list[Plan], version: str, now: datetime) -> None:
    snapshots: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    calendars: dict[int, set[str]] = {}
    for p in plans:
        for tid, (before, after) in p.events.items():
            mine = snapshots.setdefault(tid, ({}, {}))
            mine[0].update(before)
            mine[1].update(after)
            calendars.setdefault(tid, set()).add(p.group.calendar)
    if not snapshots:
        return
    at = _instant(to_us(now))
    dumps = orjson.dumps
    rows = [
        (
            tid, at, ACTION, "", "", "system", "{}",
            dumps({"policy": version, "calendars": sorted(calendars[tid])}).decode(),
            dumps(before).decode(), dumps(after).decode(), tid,
        )
        for tid, (before, after) in snapshots.items()
    ]  # fmt: skip
    e = TicketEvent._meta.db_table
    # seq: the ticket's next, read in the same statement through the (ticket, seq) unique index
    sql = f"""
        INSERT INTO {e} (ticket_id, at, seq, action, sla_type, priority, actor_label, before, after,
                         deadlines_before, deadlines_after)
        SELECT %s, %s, COALESCE(MAX(seq), 0) + 1, %s, %s, %s, %s, %s, %s, %s, %s FROM {e} WHERE ticket_id = %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# ---- the rare tickets whose past changed: evaluated whole --------------------------------------------
def _evaluate_one(pk: int, facts: Policy, calendars: list[str], now: datetime, *, write: bool) -> list[Move]:
    from sladesk.tickets.actions.base import _locked, _settle  # what every action does after evaluating

    t = _locked(pk) if write else Ticket.objects.select_related("policy_version").filter(pk=pk).first()
    if t is None:
        return []
    events = list(t.events.order_by("seq"))
    at = max(now, events[-1].at) if events else now
    policy = policy_of(t.policy_version) if write else with_calendars(text_policy(t.policy_version), facts)
    evaluation = evaluate(policy, clocks.timeline_of(t, at, events))
    stored = {m.name: m for m in t.metrics.all()}
    moves, before, after = [], {}, clocks.snapshot(evaluation)
    for name, state in evaluation.metrics.items():
        row = stored.get(name)
        due = None if row is None or row.due_at is None else to_us(row.due_at)
        if due != state.due:
            moves.append(Move(t.number, name, due, state.due))
            before[name] = {"state": row.state if row else None, "priority": (row.priority if row else "") or None}
            before[name]["due"] = None if due is None else from_us(due).isoformat()
    if write and moves:
        seq = events[-1].seq + 1 if events else 1
        TicketEvent.objects.create(
            ticket=t, at=at, seq=seq, action=ACTION, actor_label="system",
            after={"policy": facts.version, "calendars": calendars},
            deadlines_before=before, deadlines_after={k: after[k] for k in before},
        )  # fmt: skip
        _settle(t, evaluation, at, seq)
        t.save(update_fields=["next_due_at"])
    return moves
