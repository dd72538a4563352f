"""The demo's tickets, each told through the desk's own actions at instants in
the past, so every event, message, outbox row and SLA clock is what the desk
would have recorded. The worker's breach sweep runs between the steps, in time
order, as it would have while the stories happened.

Instants are set back from ``now`` in wall time (24x7 tickets) or in business
time (``Clock.business_ago``), so the states hold whatever the hour: "at risk"
means a few business minutes left, even on a Sunday.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import User

from sladesk.core.calendar import Calendar
from sladesk.core.instants import HOUR_US, US, from_us, to_us
from sladesk.directory.models import Person
from sladesk.ops.demo.people import DemoCustomer, DemoDirectory
from sladesk.policies.service import current_policy
from sladesk.tickets import actions
from sladesk.tickets.models import Ticket, TicketMetric
from sladesk.tickets.sweeps import SWEPT, sweep_breaches

BUSINESS_CALENDAR = "porto-alegre"
Run = Callable[[Ticket, datetime], Ticket]


@dataclass(frozen=True)
class Clock:
    """Instants before ``now``: in wall time, or in the business calendar's time."""

    now: datetime
    cal: Calendar

    def ago(self, hours: float) -> datetime:
        return _minute(self.now - timedelta(hours=hours))

    def business_ago(self, hours: float) -> datetime:
        """The latest instant with ``hours`` of business time between it and now."""
        goal, end = round(hours * HOUR_US), to_us(self.now)
        lo, hi = end - 400 * 24 * HOUR_US, end
        while hi - lo > US:
            mid = (lo + hi) // 2
            if self.cal.business_us(mid, end) >= goal:
                lo = mid
            else:
                hi = mid
        return _minute(from_us(lo))

    def business_after(self, start: datetime, hours: float) -> datetime:
        return from_us(self.cal.add_us(to_us(start), round(hours * HOUR_US)))


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass
class Story:
    subject: str
    requester: Person
    channel: str
    received_at: datetime
    actor: User | None = None  # who logged it (phone), else the customer wrote in
    priority: str | None = None
    description: str = ""
    affected: Person | None = None
    missing: tuple[str, ...] = ()
    steps: list[tuple[datetime, Run]] = field(default_factory=list)

    def then(self, at: datetime, run: Run) -> Story:
        self.steps.append((at, run))
        return self

    def create(self) -> Ticket:
        return actions.do_create_ticket(
            actor=self.actor, now=self.received_at, channel=self.channel, requester=self.requester,
            subject=self.subject, description=self.description, priority=self.priority,
            received_at=self.received_at, affected_person=self.affected, missing_information=list(self.missing),
        )  # fmt: skip


# ---- steps: each runs one action as of the step's instant --------------------------------
def priority(actor: User, value: str) -> Run:
    return lambda t, at: actions.do_set_ticket_priority(t, actor, value, now=at)


def reply(actor: User, text: str) -> Run:
    return lambda t, at: actions.do_reply_ticket(t, actor, text, now=at)


def start(actor: User) -> Run:
    return lambda t, at: actions.do_start_ticket(t, actor, now=at)


def hold(actor: User, text: str) -> Run:
    return lambda t, at: actions.do_hold_ticket(t, actor, text, now=at)


def customer(text: str) -> Run:
    return lambda t, at: actions.do_add_customer_reply(t, None, text, now=at)


def resolve(actor: User, text: str) -> Run:
    return lambda t, at: actions.do_resolve_ticket(t, actor, text, now=at)


def auto_close() -> Run:
    """What the worker does to a ticket resolved for longer than the reopen window."""
    return lambda t, at: actions.do_close_ticket(t, None, now=at)


def note(actor: User, text: str) -> Run:
    return lambda t, at: actions.do_add_note(t, actor, text, now=at)


def assign(actor: User, assignee: User) -> Run:
    return lambda t, at: actions.do_assign_ticket(t, actor, assignee, now=at)


def exclude(actor: User, category: str) -> Run:
    return lambda t, at: actions.do_exclude_ticket(t, actor, category, now=at)


# ---- the stories ---------------------------------------------------------------------------
def self_service_stories(c: Clock, shop: DemoCustomer, staff: dict[str, User]) -> list[Story]:
    ana, agent, boss = shop.person("ana"), staff["agent"], staff["supervisor"]
    week = timedelta(days=7, seconds=5)
    s: list[Story] = []
    # new, P1 by phone, on track: logged by the agent 40 minutes ago
    s.append(Story(
        "O app Oto não abre em nenhuma loja", ana, "phone", c.ago(2 / 3), actor=agent, affected=shop.person("diego"),
        description="Ligação da Ana: todos os vendedores das três lojas recebem 'Erro 503' ao abrir o app.",
    ))  # fmt: skip
    # new, email, at risk: 20 business minutes left to reply, information missing
    s.append(Story(
        "Relatório de vendas por loja não carrega", ana, "email", c.business_ago(1 + 2 / 3),
        description="O relatório fica carregando e não mostra nada.",
        missing=("affected_user", "occurred_at", "error_messages", "steps_to_reproduce"),
    ))  # fmt: skip
    # new, email, breached: nobody answered in time; assigned, still not answered
    r = c.business_ago(3.5)
    s.append(Story(
        "Erro ao exportar a lista de clientes", ana, "email", r, affected=shop.person("carla"),
        description="Ao exportar a lista de clientes para Excel aparece 'Falha na exportação (EXP-42)'.",
    ).then(c.business_after(r, 0.25), assign(boss, agent)))  # fmt: skip
    # in progress, raised to P1, at risk: 40 minutes of the 4 h (24x7) resolution left
    r = c.ago(3 + 1 / 3)
    s.append(Story(
        "Vendedores não conseguem registrar atendimentos", ana, "email", r, affected=shop.person("elisa"),
        description="Na Loja Centro, salvar um atendimento dá 'Erro ao sincronizar (SYNC-500)' desde as 14h.",
    ).then(r + timedelta(minutes=10), priority(boss, "P1"))
     .then(r + timedelta(minutes=20), reply(agent, "Estamos verificando com a equipe de plataforma."))
     .then(r + timedelta(minutes=25), start(agent))
     .then(r + timedelta(minutes=40), note(agent, "Fila de sincronização parada; reiniciando.")))  # fmt: skip
    # in progress, P2 by the portal, on track
    r = c.business_ago(2.5)
    s.append(Story(
        "Metas da Loja Moinhos com valores errados", ana, "portal", r, priority="P2", affected=shop.person("fabio"),
        description="As metas de novembro aparecem com o dobro do valor cadastrado.",
    ).then(c.business_after(r, 0.5), reply(agent, "Conseguimos reproduzir; vamos corrigir os valores."))
     .then(c.business_after(r, 0.75), start(agent)))  # fmt: skip
    # in progress, lowered to P3, resolution breached (4 dias úteis)
    r = c.business_ago(40)
    s.append(Story(
        "Foto de perfil não atualiza no app", ana, "email", r, affected=shop.person("diego"),
        description="O vendedor troca a foto e a antiga continua aparecendo.",
    ).then(c.business_after(r, 0.25), priority(agent, "P3"))
     .then(c.business_after(r, 1), reply(agent, "Obrigado, registramos o problema."))
     .then(c.business_after(r, 3), start(agent)))  # fmt: skip
    # waiting on the customer: resolution paused
    r = c.business_ago(6)
    s.append(Story(
        "Notificações duplicadas no app", ana, "email", r, affected=shop.person("elisa"),
        description="Cada aviso de nova meta chega duas vezes.",
    ).then(c.business_after(r, 0.2), priority(agent, "P2"))
     .then(c.business_after(r, 1), hold(agent, "Pode nos dizer o modelo do aparelho e a versão do app?")))  # fmt: skip
    # resolved, then reopened by the customer: resolution resumes with the time counted
    r = c.business_ago(14)
    s.append(Story(
        "Sincronização lenta na Loja Zona Sul", ana, "portal", r, priority="P2",
        description="Os atendimentos levam até 10 minutos para aparecer no relatório.",
    ).then(c.business_after(r, 0.5), reply(agent, "Estamos analisando a fila de sincronização."))
     .then(c.business_after(r, 0.75), start(agent))
     .then(c.business_after(r, 5), resolve(agent, "Ajustamos a fila; a sincronização voltou ao normal."))
     .then(c.business_after(r, 8), customer("Voltou a demorar hoje de manhã.")))  # fmt: skip
    # resolved, within the reopen window
    r = c.business_ago(20)
    s.append(Story(
        "Dashboard de vendas em branco", ana, "email", r,
        description="O dashboard abre sem nenhum gráfico desde ontem.",
    ).then(c.business_after(r, 1 / 12), priority(agent, "P2"))
     .then(c.business_after(r, 0.75), reply(agent, "Estamos verificando."))
     .then(c.business_after(r, 1), start(agent))
     .then(c.business_after(r, 7), resolve(agent, "Corrigido: um filtro de data inválido ficava salvo.")))  # fmt: skip
    # closed, P1 by phone, met; closed by the worker 7 days after it was resolved
    r = c.ago(20 * 24)
    s.append(Story(
        "Oto web fora do ar", ana, "phone", r, actor=agent, description="Ninguém consegue entrar no Oto web.",
    ).then(r + timedelta(minutes=15), start(agent))
     .then(r + timedelta(hours=3), resolve(agent, "Certificado renovado; o Oto web voltou."))
     .then(r + timedelta(hours=3) + week, auto_close()))  # fmt: skip
    # closed, reply and resolution breached
    r = c.business_ago(9 * 25)
    s.append(Story(
        "Relatório de comissões com valores divergentes", ana, "email", r,
        description="As comissões do relatório não batem com as vendas do mês.",
    ).then(c.business_after(r, 3), reply(agent, "Desculpe a demora; estamos verificando."))
     .then(c.business_after(r, 3.1), priority(agent, "P2"))
     .then(c.business_after(r, 3.2), start(agent))
     .then(c.business_after(r, 22), resolve(agent, "Corrigimos o arredondamento das comissões."))
     .then(c.business_after(r, 22) + week, auto_close()))  # fmt: skip
    # out of scope: a password change is done in the platform itself
    r = c.business_ago(27)
    s.append(Story(
        "Como trocar a senha de um vendedor?", ana, "email", r, description="Um vendedor esqueceu a senha.",
    ).then(c.business_after(r, 1 / 3), exclude(agent, "access")))  # fmt: skip
    return s


def partner_stories(c: Clock, shop: DemoCustomer, staff: dict[str, User]) -> list[Story]:
    gabi, agent = shop.person("gabriela"), staff["partner-agent"]
    s: list[Story] = []
    s.append(Story(
        "Vendedora não aparece no ranking da loja", gabi, "portal", c.business_ago(0.5), priority="P3",
        affected=shop.person("iara"), description="A Iara vendeu na semana mas não aparece no ranking.",
    ))  # fmt: skip
    r = c.business_ago(4)
    s.append(Story(
        "Integração de pedidos parou de enviar dados", gabi, "email", r,
        description="Desde hoje cedo os pedidos do ERP não chegam ao Oto ('HTTP 401').",
    ).then(c.business_after(r, 0.2), priority(agent, "P2"))
     .then(c.business_after(r, 0.5), reply(agent, "Verificando as credenciais da integração."))
     .then(c.business_after(r, 0.6), start(agent))
     .then(c.business_after(r, 1), note(agent, "Token da integração expirou em 01/11.")))  # fmt: skip
    r = c.business_ago(30)
    s.append(Story(
        "Como cadastrar metas semanais?", gabi, "email", r, description="Queremos metas por semana e não por mês.",
    ).then(c.business_after(r, 1), exclude(agent, "usage_question")))  # fmt: skip
    r = c.business_ago(9 * 12)
    s.append(Story(
        "Erro ao abrir fichas de clientes", gabi, "email", r, affected=shop.person("heitor"),
        description="Ao abrir uma ficha aparece 'Cliente não encontrado (CLI-404)'.",
    ).then(c.business_after(r, 0.5), priority(agent, "P2"))
     .then(c.business_after(r, 0.7), reply(agent, "Recebido; estamos analisando."))
     .then(c.business_after(r, 0.8), start(agent))
     .then(c.business_after(r, 10), resolve(agent, "Índice de clientes reconstruído."))
     .then(c.business_after(r, 10) + timedelta(days=7, seconds=5), auto_close()))  # fmt: skip
    return s


# ---- telling them, in time order -------------------------------------------------------------
def tell(stories: list[Story], now: datetime) -> list[Ticket]:
    """Run every story's creation and steps in global time order, the breach sweep in between."""
    plan: list[tuple[datetime, int, int, Run | None]] = []
    for i, story in enumerate(stories):
        plan.append((story.received_at, i, 0, None))
        plan += [(at, i, j + 1, run) for j, (at, run) in enumerate(story.steps)]
    plan.sort(key=lambda item: (item[0], item[1], item[2]))
    if plan and plan[-1][0] > now:
        raise ValueError(f"a demo step falls after now ({plan[-1][0].isoformat()})")
    tickets: dict[int, Ticket] = {}
    for at, i, _, run in plan:
        catch_up(at)
        if run is None:
            tickets[i] = stories[i].create()
        else:
            tickets[i] = run(Ticket.objects.get(pk=tickets[i].pk), at)
    catch_up(now)
    return [Ticket.objects.get(pk=tickets[i].pk) for i in range(len(stories))]


def catch_up(until: datetime) -> None:
    """Record each deadline that ran out before ``until``, a few seconds after it did."""
    pending = TicketMetric.objects.filter(state__in=SWEPT, due_at__lt=until, breach_notified_at__isnull=True)
    while (due := pending.order_by("due_at").values_list("due_at", flat=True).first()) is not None:
        sweep_breaches(min(due + timedelta(seconds=5), until))


def load_stories(directory: DemoDirectory, now: datetime) -> list[Ticket]:
    cal = current_policy().calendar(BUSINESS_CALENDAR)
    clock = Clock(now, cal)
    stories = self_service_stories(clock, directory.self_service, directory.staff)
    stories += partner_stories(clock, directory.partner_customer, directory.staff)
    return tell(stories, now)
