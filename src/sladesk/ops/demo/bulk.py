"""Many demo tickets, fast: ``sladesk demo --tickets N``, for the queue benchmark.

The rows are written with plain multi-row INSERTs rather than through the actions
(a row lock and a dozen queries per change would take an hour for 100,000
tickets), but nothing in them is made up. Each ticket is a plausible run of the
desk's actions (``history.py``) cut at ``now``; its event rows are the ones those
actions append (same codes, ``seq``, before and after, deadlines before and
after) plus the worker's breach records; its metric rows are ``core.sla.evaluate``
of that event log, written field by field as ``clocks.store_metrics`` writes them.
So ``clocks.evaluate_ticket`` of any bulk ticket gives what is stored. Not
written: message bodies and outbox rows (no bulk ticket emails anyone).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone

from sladesk.core.instants import US, to_us
from sladesk.core.policy import Policy
from sladesk.core.sla import BREACHED, RUNNING, Evaluation, Event, MetricState, Timeline, evaluate
from sladesk.core.warnings import warn_instant
from sladesk.directory.models import Customer, Partner, Person, Store
from sladesk.ops.demo.history import DAY_US, Replay, Row, Step, history, iso
from sladesk.ops.demo.people import DEMO_PREFIX, CustomerSpec, PersonSpec, ensure_customer
from sladesk.policies.service import current_policy, current_version
from sladesk.tickets.models import Channel, Ticket, TicketEvent, TicketMetric, new_code

BULK_CODE = "demo-bulk-"
SPAN_DAYS = 365  # bulk tickets were received over the last year
CHUNK = 5000  # tickets per transaction
SWEEP_US = 5 * US  # the worker sweeps every few seconds

# Shops of different sizes (the first ones get the most tickets); every fourth is partner-handled.
NAMES = (
    "Calçados Aurora", "Óticas Horizonte", "Magazine Pampa", "Farmácias Vida", "Eletro Sul", "Moda Gaúcha",
    "Supermercados Guaíba", "Livrarias Letra", "Pet Shop Amigo", "Casa & Cozinha", "Esportes Arena",
    "Joalheria Brilho", "Brinquedos Pião", "Perfumaria Aroma", "Tintas Cor Viva", "Móveis Serra",
    "Bicicletas Pedal", "Cafés Tropeiro", "Papelaria Traço", "Celulares Conecta", "Vinhos Vale",
    "Colchões Sono Bom", "Ferragens Forte", "Cosméticos Bela",
)  # fmt: skip
SUBJECTS = (
    "App Oto não sincroniza os atendimentos", "Relatório de vendas não carrega", "Erro ao salvar meta da loja",
    "Vendedor não consegue entrar no app", "Ranking da loja com valores errados", "Oto web muito lento",
    "Notificações não chegam aos vendedores", "Erro 500 ao abrir a ficha do cliente", "Exportação para Excel falha",
    "Dashboard em branco", "Integração com o ERP parou", "Comissões com valores divergentes",
    "Foto de perfil não atualiza", "Filtro por loja não funciona", "Context fora do ar",
    "App fecha sozinho ao registrar venda", "Cliente duplicado na carteira", "Meta semanal não aparece",
)  # fmt: skip

TICKET_FIELDS = (
    "number", "code", "customer", "requester", "affected_person", "affected_store", "channel", "received_at",
    "subject", "description", "priority", "suggested_priority", "category", "suggested_category",
    "missing_information", "status", "outcome", "assignee", "policy_version", "next_due_at", "resolved_at",
    "closed_at", "created_at", "updated_at", "triage",
)  # fmt: skip
EVENT_FIELDS = (
    "ticket", "at", "seq", "action", "sla_type", "priority", "actor_staff", "actor_person", "actor_label",
    "before", "after", "deadlines_before", "deadlines_after",
)  # fmt: skip
METRIC_FIELDS = (
    "ticket", "name", "state", "priority", "calendar", "target_s", "elapsed_s", "remaining_s", "due_at",
    "breached_at", "anchor_at", "anchor_remaining_s", "evaluated_at", "breach_notified_at",
    "warn_at", "warning_notified_at",
)  # fmt: skip


# ---- the bulk customers --------------------------------------------------------------------------
@dataclass(frozen=True)
class Shop:
    customer_id: int
    requesters: tuple[Person, ...]  # Gestores with a support seat
    affected: tuple[Person, ...]  # Gerentes and Vendedores
    handler_ids: tuple[int, ...]  # the staff who work its tickets


def bulk_spec(i: int, name: str) -> CustomerSpec:
    slug = name.lower().replace(" & ", "-").replace(" ", "-").translate(str.maketrans("áâãçéêíóôõú", "aaaceeiooou"))
    g, ger, v = Person.Role.GESTOR, Person.Role.GERENTE, Person.Role.VENDEDOR
    stores = ("Loja Centro", "Loja Shopping", "Loja Bairro")
    people = (
        PersonSpec("gestor1", f"Gestor 1 {name}", g, seat=True),
        PersonSpec("gestor2", f"Gestor 2 {name}", g, seat=True),
        PersonSpec("gestor3", f"Gestor 3 {name}", g),
        *(PersonSpec(f"gerente{k}", f"Gerente {store}", ger, store) for k, store in enumerate(stores, 1)),
        *(PersonSpec(f"vendedor{k}", f"Vendedor {k}", v, stores[k % 3]) for k in range(1, 7)),
    )
    partner = i % 4 == 3
    extras = ("partner_hours",) if partner else (("csm",) if i % 2 else ("training",))
    code, full_name = f"{BULK_CODE}{i:02d}", f"{DEMO_PREFIX}{name}"
    return CustomerSpec(code, full_name, f"{slug}.example", stores, people, 2, partner, extras)


def ensure_shops(partner: Partner, staff: dict[str, User], today: date) -> list[Shop]:
    vendor = (staff["agent"].pk,) * 3 + (staff["supervisor"].pk,)
    shops = []
    for i, name in enumerate(NAMES):
        spec = bulk_spec(i, name)
        demo = ensure_customer(spec, partner, today)
        people = list(demo.people.values())
        seats = tuple(p for p in people if p.support_seat)
        others = tuple(p for p in people if p.role != Person.Role.GESTOR)
        handlers = (staff["partner-agent"].pk,) if spec.partner else vendor
        shops.append(Shop(demo.customer.pk, seats, others, handlers))
    return shops


# ---- writing -------------------------------------------------------------------------------------
class Database:
    """Values made ready for the database once, and the backend's fastest plain insert:
    ``bulk_create`` spends most of its time preparing every value through its field.

    SQLite stores an instant as naive UTC text (checked on the epoch against Django's own
    adapter) and JSON as text; PostgreSQL gets ``COPY``, whose text values it parses itself.
    """

    def __init__(self) -> None:
        self.json: Callable[[Any], str] = lambda value: orjson.dumps(value).decode()
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        self.copy = connection.vendor == "postgresql"
        if self.copy:
            self.instant: Callable[[int], Any] = iso
        elif connection.ops.adapt_datetimefield_value(epoch) == "1970-01-01 00:00:00":
            naive = epoch.replace(tzinfo=None)
            self.instant = lambda us: str(naive + timedelta(microseconds=us))
        else:  # pragma: no cover (a SQLite connection set to another time zone)
            raise RuntimeError("bulk demo tickets need the database connection in UTC")

    def maybe(self, instant: int | None) -> Any:
        return None if instant is None else self.instant(instant)

    def insert(self, model: type[Model], fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        qn = connection.ops.quote_name
        table = qn(model._meta.db_table)
        column = {f.name: f.column for f in model._meta.concrete_fields}
        columns = ", ".join(qn(str(column[name])) for name in fields)
        with connection.cursor() as cursor:
            if self.copy:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608 (our names)

    def analyze(self, models: tuple[type[Model], ...]) -> None:
        """Fresh planner statistics after a bulk load, as autovacuum would gather later: without
        them PostgreSQL plans the queue's queries for empty tables (seconds instead of ms)."""
        if self.copy:
            with connection.cursor() as cursor:
                for model in models:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@dataclass
class Built:
    number: int
    ticket: tuple[Any, ...]  # TICKET_FIELDS
    events: list[tuple[Any, ...]]  # EVENT_FIELDS but the ticket
    metrics: list[tuple[Any, ...]]  # METRIC_FIELDS but the ticket
    state: str  # status, or the outcome when there is one


@transaction.atomic
def write(db: Database, built: list[Built]) -> None:
    db.insert(Ticket, TICKET_FIELDS, [b.ticket for b in built])
    numbers = [b.number for b in built]
    ids = dict(Ticket.objects.filter(number__gte=min(numbers), number__lte=max(numbers)).values_list("number", "id"))
    db.insert(TicketEvent, EVENT_FIELDS, [(ids[b.number], *e) for b in built for e in b.events])
    db.insert(TicketMetric, METRIC_FIELDS, [(ids[b.number], *m) for b in built for m in b.metrics])


# ---- from a history to rows ----------------------------------------------------------------------
@dataclass
class Plan:
    number: int
    shop: Shop
    channel: str
    received: int
    initial: str | None
    subject: str
    requester: Person
    affected: Person
    handler: int


class Builder:
    def __init__(self, policy: Policy, version_id: int, now: int, labels: dict[int, str]) -> None:
        self.policy, self.version_id, self.now, self.labels = policy, version_id, now, labels
        self.db = Database()
        self.created_at = self.db.instant(now)

    def build(self, plan: Plan, steps: list[Step]) -> Built:
        replay = Replay(plan.handler, plan.initial)
        actor = "staff" if plan.channel == Channel.PHONE else "person"  # an agent logs a call
        created = Row(plan.received, "created", "", plan.initial or "", actor)
        created.after = {"channel": plan.channel, "priority": plan.initial, "subject": plan.subject}
        rows = [created, *(replay.row(s) for s in steps if s.at <= self.now)]
        sweeps = self.sweeps(plan, rows)
        for at, swept in sweeps:
            rows.append(
                Row(at, "sla_breached", actor="system", after={"breached": {k: iso(v) for k, v in swept.items()}})
            )
        rows.sort(key=lambda r: r.at)  # stable: a sweep comes after an action of the same instant
        notified = {name: at for at, swept in sweeps for name in swept}
        events, last = self.events(plan, rows)
        metrics = [self.metric(m, rows[-1].at, notified) for m in last.metrics.values()]
        running = [m.due for m in last.metrics.values() if m.anchor is not None and m.due is not None]
        f = replay.fields
        ticket = (
            plan.number, new_code(), plan.shop.customer_id, plan.requester.pk, plan.affected.pk,
            plan.affected.store_id, plan.channel, self.db.instant(plan.received), plan.subject, "", f["priority"],
            "", f["category"], "", self.db.json([]), f["status"], f["outcome"], f["assignee"], self.version_id,
            self.db.maybe(min(running) if running else None), self.db.maybe(f["resolved_at"]),
            self.db.maybe(f["closed_at"]), self.created_at, self.created_at, self.db.json({}),
        )  # fmt: skip
        return Built(plan.number, ticket, events, metrics, f["outcome"] or f["status"])

    def timeline(self, plan: Plan, rows: list[Row], now: int) -> Timeline:
        events = tuple(Event(r.at, r.sla_type, r.priority or None) for r in rows if r.sla_type)
        return Timeline(plan.received, plan.channel, plan.initial, events, now)

    def sweeps(self, plan: Plan, rows: list[Row]) -> list[tuple[int, dict[str, int]]]:
        """When each breach is recorded, as the desk records it: by the worker's sweep a few
        seconds after the deadline passes or, when an action comes first, by that action
        (right after its own event). Metrics recorded at the same instant share one event."""
        final = evaluate(self.policy, self.timeline(plan, rows, self.now))
        recorded: dict[int, dict[str, int]] = {}
        for name, m in final.metrics.items():
            due = m.breached_at
            if due is None:
                continue
            at = min((r.at for r in rows if r.at > due), default=due + SWEEP_US)
            at = min(at, due + SWEEP_US)
            if at <= self.now:
                recorded.setdefault(at, {})[name] = due
        return sorted(recorded.items())

    def events(self, plan: Plan, rows: list[Row]) -> tuple[list[tuple[Any, ...]], Evaluation]:
        """Each row with the deadlines before and after it, evaluated as the action does."""
        out: list[tuple[Any, ...]] = []
        previous: Evaluation | None = None
        db, last = self.db, len(rows)
        for seq, row in enumerate(rows, 1):
            if previous is None or row.sla_type or seq == last:
                evaluation = evaluate(self.policy, self.timeline(plan, rows[:seq], row.at))
                after = snapshot(evaluation)
            else:  # nothing the clocks see: the same timeline, later
                evaluation, after = previous, aged(previous, row.at)
            staff = plan.handler if row.actor == "staff" else None
            person = plan.requester if row.actor == "person" else None
            label = self.labels[staff] if staff else (person.email if person else "system")
            before = {} if previous is None else aged(previous, row.at)
            out.append((
                db.instant(row.at), seq, row.action, row.sla_type, row.priority, staff, person.pk if person else None,
                label, db.json(row.before), db.json(row.after), db.json(before), db.json(after),
            ))  # fmt: skip
            previous = evaluation
        assert previous is not None
        return out, previous

    def metric(self, m: MetricState, at: int, notified: dict[str, int]) -> tuple[Any, ...]:
        """The row ``clocks.store_metrics`` writes for this state, evaluated at ``at``.

        A warning already past is marked told without its event: the bulk history is the
        desk's past, and nobody is notified of it now."""
        db = self.db
        warn = None
        if m.anchor is not None and m.anchor_remaining_us is not None and m.calendar and m.due is not None:
            share = self.policy.notifications.warn_at_used
            warn = warn_instant(self.policy.calendar(m.calendar), m.anchor, m.anchor_remaining_us, m.target_us, share)
        return (
            m.name, m.state, m.priority or "", m.calendar or "", m.target_us // US, m.elapsed_us // US,
            None if m.remaining_us is None else m.remaining_us // US,
            db.maybe(m.due), db.maybe(m.breached_at), db.maybe(m.anchor),
            None if m.anchor_remaining_us is None else m.anchor_remaining_us // US,
            db.instant(at), db.maybe(notified.get(m.name)),
            db.maybe(warn), db.instant(at) if warn is not None and warn <= at else None,
        )  # fmt: skip


def snapshot(evaluation: Evaluation) -> dict[str, dict[str, str | None]]:
    """``clocks.snapshot``, made faster for bulk."""
    return {n: {"state": m.state, "priority": m.priority, "due": iso(m.due)} for n, m in evaluation.metrics.items()}


def aged(evaluation: Evaluation, at: int) -> dict[str, dict[str, str | None]]:
    """``snapshot`` of the same timeline evaluated later, at ``at``: a running clock
    whose deadline has passed reads breached; nothing else depends on the instant."""
    out = snapshot(evaluation)
    for name, m in evaluation.metrics.items():
        if m.state == RUNNING and m.due is not None and at > m.due:
            out[name]["state"] = BREACHED
    return out


# ---- filling -------------------------------------------------------------------------------------
class Planner:
    """Who asks, about what, when, by which channel: the random part of a bulk ticket."""

    def __init__(self, shops: list[Shop], policy: Policy, now: int, seed: int) -> None:
        self.shops, self.now = shops, now
        self.rng = random.Random(seed)
        self.cal = policy.calendar("porto-alegre")
        self.weights = [1 / (i + 2) for i in range(len(shops))]
        self.lo = now - SPAN_DAYS * DAY_US
        self.business_span = self.cal.business_us(self.lo, now)

    def received(self) -> int:
        """Most requests arrive in business hours; some at any hour."""
        if self.rng.random() < 0.8:
            at = self.cal.add_us(self.lo, self.rng.randrange(1, self.business_span))
        else:
            at = self.lo + self.rng.randrange(self.now - self.lo)
        return at // US * US

    def plan(self, number: int, received: int) -> tuple[Plan, list[Step]]:
        rng = self.rng
        shop = rng.choices(self.shops, self.weights)[0]
        channel = rng.choices((Channel.EMAIL.value, Channel.PORTAL.value, Channel.PHONE.value), (60, 25, 15))[0]
        if channel == Channel.PHONE:
            initial: str | None = "P1"  # the phone takes P1 only
        else:
            initial = rng.choices((None, "P1", "P2", "P3"), (75, 3, 12, 10))[0]
        plan = Plan(
            number, shop, channel, received, initial, rng.choice(SUBJECTS), rng.choice(shop.requesters),
            rng.choice(shop.affected), rng.choice(shop.handler_ids),
        )  # fmt: skip
        return plan, history(rng, self.cal, received, channel, initial)


@dataclass
class FillResult:
    added: int
    total: int
    seconds: float
    customers: int
    states: dict[str, int] = field(default_factory=dict)


def bulk_tickets() -> Any:
    return Ticket.objects.filter(customer__code__startswith=BULK_CODE)


def fill_tickets(
    n: int,
    partner: Partner,
    staff: dict[str, User],
    *,
    now: datetime | None = None,
    seed: int = 20260301,
    progress: Callable[[int, int], None] | None = None,
) -> FillResult:
    """Make the demo's bulk customers hold ``n`` tickets (adding only what is missing)."""
    t0 = time.perf_counter()
    now = now or timezone.now()
    shops = ensure_shops(partner, staff, timezone.localdate(now))
    existing = bulk_tickets().count()
    todo = max(n - existing, 0)
    policy = current_policy()
    planner = Planner(shops, policy, to_us(now), seed + existing)
    builder = Builder(policy, current_version().pk, to_us(now), {u.pk: u.email for u in staff.values()})
    received = sorted(planner.received() for _ in range(todo))  # numbers follow the receipt times
    first = (Ticket.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    states: dict[str, int] = {}
    for start in range(0, todo, CHUNK):
        chunk = received[start : start + CHUNK]
        built = [builder.build(*planner.plan(first + i, r)) for i, r in enumerate(chunk, start)]
        for b in built:
            states[b.state] = states.get(b.state, 0) + 1
        write(builder.db, built)
        if progress:
            progress(start + len(built), todo)
    if todo:
        builder.db.analyze((Ticket, TicketEvent, TicketMetric, Customer, Person, Store))
    return FillResult(todo, existing + todo, time.perf_counter() - t0, len(shops), states)
