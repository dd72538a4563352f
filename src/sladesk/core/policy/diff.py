"""What changed between two policies, in pt-BR words, and which days a calendar change touches.

Pure: two ``Policy`` values in, lines out. ``diff_policies`` is what ``sladesk policy publish``
prints and emails to the Gestores; ``changed_days`` is what ``sla recompute`` uses to tell a
change that only moves open deadlines (after a clock's anchor: the bulk path) from one that
rewrites a clock's past (before its anchor: a full evaluation of that ticket).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sladesk.core.calendar import WEEKDAYS, CalendarSpec, Closure, Window
from sladesk.core.holidays import HolidayAddition, HolidaySpec, holidays_for
from sladesk.core.policy.model import Metric, Policy, Target
from sladesk.core.rules import number, rule_text

# The sections of the summary, in the order it shows them.
SECTIONS = {
    "general": "Geral",
    "targets": "Prazos",
    "calendars": "Calendários",
    "scope": "Escopo",
    "channels": "Canais",
    "lifecycle": "Ciclo de vida",
    "notifications": "Avisos de prazo",
}
DAY_NAMES = dict(zip(WEEKDAYS, ("seg", "ter", "qua", "qui", "sex", "sáb", "dom"), strict=True))


@dataclass(frozen=True, slots=True)
class Change:
    section: str  # a key of SECTIONS
    text: str  # pt-BR


def diff_policies(old: Policy, new: Policy) -> list[Change]:
    """Every difference that matters to a customer or an agent, section by section."""
    out: list[Change] = []
    out += _general(old, new)
    out += _targets(old, new)
    out += _calendars(old, new)
    out += _scope(old, new)
    out += _channels(old, new)
    out += _lifecycle(old, new)
    out += _notifications(old, new)
    return out


def summary_lines(changes: list[Change]) -> list[str]:
    """The changes under their section titles; one line saying so when there are none."""
    if not changes:
        return ["Nenhuma mudança nas regras (prazos, calendários, escopo, canais, ciclo de vida, avisos)."]
    lines: list[str] = []
    for key, title in SECTIONS.items():
        texts = [c.text for c in changes if c.section == key]
        if texts:
            lines.append(f"{title}:")
            lines += [f"  - {t}" for t in texts]
    return lines


def _arrow(before: str, after: str) -> str:
    return f"{before} → {after}"


def _names(values: object) -> str:
    items = sorted(str(v) for v in values) if isinstance(values, (set, frozenset, tuple, list)) else []
    return ", ".join(items) or "nenhum"


# ---- general ---------------------------------------------------------------------------
def _general(old: Policy, new: Policy) -> list[Change]:
    out = []
    if old.version != new.version:
        out.append(Change("general", f"versão: {_arrow(old.version, new.version)}"))
    if old.name != new.name:
        out.append(Change("general", f"nome: {_arrow(old.name, new.name)}"))
    for name in new.priorities.keys() - old.priorities.keys():
        out.append(Change("general", f"nova prioridade {name}: {new.priorities[name].description}"))
    for name in sorted(old.priorities.keys() - new.priorities.keys()):
        out.append(Change("general", f"prioridade removida: {name}"))
    if old.default_priority != new.default_priority:
        text = f"prioridade até a classificação: {_arrow(old.default_priority, new.default_priority)}"
        out.append(Change("general", text))
    return out


# ---- targets ---------------------------------------------------------------------------
def _target_text(policy: Policy, target: Target) -> str:
    spec = policy.calendars.get(target.calendar)
    rule = rule_text(target, spec) if spec else f"{number(target.target_us / 3_600_000_000)} h"
    return f"{rule} ({target.calendar})"


def _targets(old: Policy, new: Policy) -> list[Change]:
    out = []
    for name, metric in new.metrics.items():
        before = old.metrics.get(name)
        if before is None:
            targets = "; ".join(f"{p} {_target_text(new, t)}" for p, t in metric.targets.items())
            out.append(Change("targets", f"nova métrica {metric.label}: {targets}"))
            continue
        out += _metric_targets(old, new, before, metric)
    for name in old.metrics.keys() - new.metrics.keys():
        out.append(Change("targets", f"métrica removida: {old.metrics[name].label}"))
    return out


def _metric_targets(old: Policy, new: Policy, before: Metric, after: Metric) -> list[Change]:
    out = []
    for priority in sorted(before.targets.keys() | after.targets.keys()):
        a, b = before.targets.get(priority), after.targets.get(priority)
        was = _target_text(old, a) if a else "sem prazo"
        now = _target_text(new, b) if b else "sem prazo"
        if was != now:
            out.append(Change("targets", f"{after.label}, {priority}: {_arrow(was, now)}"))
    rules = (
        ("canais", before.channels, after.channels),
        ("para com", before.stop_on, after.stop_on),
        ("pausa com", before.pause_on, after.pause_on),
        ("retoma com", before.resume_on, after.resume_on),
        ("recomeça com", before.restart_on, after.restart_on),
        ("começa com", before.start_on, after.start_on),
    )
    for what, x, y in rules:
        if x != y:
            out.append(Change("targets", f"{after.label}, {what}: {_arrow(_names(x), _names(y))}"))
    return out


# ---- calendars -------------------------------------------------------------------------
def _calendars(old: Policy, new: Policy) -> list[Change]:
    out = []
    for name, spec in new.calendars.items():
        before = old.calendars.get(name)
        if before is None:
            out.append(Change("calendars", f"novo calendário {name}: {_hours_text(spec)}"))
        elif before != spec:
            out += [Change("calendars", f"{name}: {text}") for text in calendar_changes(before, spec)]
    for name in old.calendars.keys() - new.calendars.keys():
        out.append(Change("calendars", f"calendário removido: {name}"))
    return out


def calendar_changes(old: CalendarSpec, new: CalendarSpec) -> list[str]:
    """What changed in one calendar: kind, zone, hours, holidays, closures."""
    out = []
    if old.kind != new.kind:
        out.append(f"tipo {_arrow(_kind(old), _kind(new))}")
    if old.timezone != new.timezone:
        out.append(f"fuso horário {_arrow(old.timezone, new.timezone)}")
    if old.day_hours != new.day_hours:
        out.append(f"1 dia útil {_arrow(number(old.day_hours) + ' h', number(new.day_hours) + ' h')}")
    if new.kind != "24x7":
        for i, day in enumerate(WEEKDAYS):
            a, b = _week_day(old, i), _week_day(new, i)
            if a != b:
                out.append(f"horário de {DAY_NAMES[day]}: {_arrow(_windows_text(a), _windows_text(b))}")
    out += _holiday_changes(old.holidays, new.holidays)
    out += _closure_changes(old.closures, new.closures)
    return out


def _kind(spec: CalendarSpec) -> str:
    return "24x7" if spec.kind == "24x7" else "horário comercial"


def _week_day(spec: CalendarSpec, i: int) -> tuple[Window, ...]:
    return spec.week[i] if spec.week else ()


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _windows_text(windows: tuple[Window, ...]) -> str:
    return ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in windows) or "fechado"


def _hours_text(spec: CalendarSpec) -> str:
    if spec.kind == "24x7":
        return "24x7"
    days = [f"{DAY_NAMES[d]} {_windows_text(_week_day(spec, i))}" for i, d in enumerate(WEEKDAYS)]
    return f"{'; '.join(days)} ({spec.timezone})"


def _holiday_changes(old: HolidaySpec | None, new: HolidaySpec | None) -> list[str]:
    a, b = old or HolidaySpec(), new or HolidaySpec()
    out = []
    source_a = (a.country, a.subdivision, a.categories)
    source_b = (b.country, b.subdivision, b.categories)
    if source_a != source_b:
        out.append(f"feriados oficiais {_arrow(_source(a), _source(b))}")
    for added in b.additions:
        if added not in a.additions:
            out.append(f"feriado acrescentado: {_addition_text(added)}")
    for removed in a.additions:
        if removed not in b.additions:
            out.append(f"feriado retirado: {_addition_text(removed)}")
    return out


def _source(spec: HolidaySpec) -> str:
    if not spec.country:
        return "nenhum"
    where = f"{spec.country}-{spec.subdivision}" if spec.subdivision else spec.country
    return f"{where} ({', '.join(spec.categories)})"


def _addition_text(h: HolidayAddition) -> str:
    if h.on is not None:
        when = _date(h.on)
    elif h.easter_offset is not None:
        when = f"todo ano, Páscoa {h.easter_offset:+d} dias"
    else:
        when = f"todo {h.day:02d}/{h.month:02d}"
    return f"{h.name} ({when})" if h.name else when


def _date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _closure_text(c: Closure) -> str:
    if c.start_min is None or c.end_min is None:
        part = "o dia todo"
    elif c.start_min == 0:
        part = f"até {_clock(c.end_min)}"
    elif c.end_min >= 1440:
        part = f"a partir de {_clock(c.start_min)}"
    else:
        part = f"das {_clock(c.start_min)} às {_clock(c.end_min)}"
    reason = f" ({c.reason})" if c.reason else ""
    return f"{_date(c.day)} {part}{reason}"


def _closure_changes(old: tuple[Closure, ...], new: tuple[Closure, ...]) -> list[str]:
    added = [f"fechamento acrescentado: {_closure_text(c)}" for c in new if c not in old]
    removed = [f"fechamento retirado: {_closure_text(c)}" for c in old if c not in new]
    return added + removed


# ---- scope, channels, lifecycle, notifications ---------------------------------------------
def _scope(old: Policy, new: Policy) -> list[Change]:
    out = []
    a, b = old.scope.categories, new.scope.categories
    for name, cat in b.items():
        was = a.get(name)
        kind = "atendido" if cat.in_scope else "fora do escopo"
        if was is None:
            out.append(Change("scope", f"nova categoria {cat.label}: {kind}"))
            continue
        if was.in_scope != cat.in_scope:
            out.append(Change("scope", f"{cat.label}: {'passa a ser atendido' if cat.in_scope else 'sai do escopo'}"))
        if was.label != cat.label:
            out.append(Change("scope", f"categoria {name}: nome {_arrow(was.label, cat.label)}"))
        if was.reply != cat.reply:
            out.append(Change("scope", f"{cat.label}: nova resposta ao cliente"))
        if was.alternatives != cat.alternatives:
            alts = _arrow(_names(was.alternatives), _names(cat.alternatives))
            out.append(Change("scope", f"{cat.label}: alternativas {alts}"))
    for name in a.keys() - b.keys():
        out.append(Change("scope", f"categoria removida: {a[name].label}"))
    for name, alt in new.scope.alternatives.items():
        before = old.scope.alternatives.get(name)
        if before is not None and before.text != alt.text:
            out.append(Change("scope", f"alternativa {name}: {_arrow(before.text, alt.text)}"))
    return out


def _channels(old: Policy, new: Policy) -> list[Change]:
    out = []
    for name, ch in new.channels.items():
        was = old.channels.get(name)
        if was is None:
            out.append(Change("channels", f"novo canal {ch.label}: prioridades {', '.join(ch.priorities)}"))
            continue
        for what, x, y in (
            ("prioridades", ", ".join(was.priorities), ", ".join(ch.priorities)),
            ("endereço", was.address, ch.address),
            ("número", was.number, ch.number),
        ):
            if x != y:
                out.append(Change("channels", f"{ch.label}, {what}: {_arrow(x or 'nenhum', y or 'nenhum')}"))
    for name in old.channels.keys() - new.channels.keys():
        out.append(Change("channels", f"canal removido: {old.channels[name].label}"))
    return out


def _lifecycle(old: Policy, new: Policy) -> list[Change]:
    a, b = old.lifecycle, new.lifecycle
    rows = (
        ("prazo para reabrir um chamado resolvido", _days(a.reopen_window_days), _days(b.reopen_window_days)),
        ("fechamento automático após resolvido", _days(a.close_after_days), _days(b.close_after_days)),
        ("eventos que excluem do SLA", _names(a.exclude_on), _names(b.exclude_on)),
        ("eventos finais", _names(a.final_on), _names(b.final_on)),
    )
    return [Change("lifecycle", f"{what}: {_arrow(x, y)}") for what, x, y in rows if x != y]


def _days(value: float) -> str:
    return f"{number(value)} dia" if value == 1 else f"{number(value)} dias"


def _notifications(old: Policy, new: Policy) -> list[Change]:
    a, b = old.notifications, new.notifications
    rows = (
        ("aviso antes do prazo", f"{number(a.warn_at_used * 100)} %", f"{number(b.warn_at_used * 100)} %"),
        ("prioridades avisadas a qualquer hora", _names(a.urgent_priorities), _names(b.urgent_priorities)),
        ("calendário dos avisos", a.hold_calendar or "o da métrica", b.hold_calendar or "o da métrica"),
    )
    return [Change("notifications", f"{what}: {_arrow(x, y)}") for what, x, y in rows if x != y]


# ---- the days a calendar change touches ---------------------------------------------------
def changed_days(old: CalendarSpec, new: CalendarSpec, first: date, last: date) -> list[date] | None:
    """The local days in [first, last] whose open hours differ between ``old`` and ``new``;
    None when the calendars differ everywhere (kind or zone changed)."""
    changed = changed_from(old, new, first, last)
    return None if changed is None else list(changed)


def changed_from(old: CalendarSpec, new: CalendarSpec, first: date, last: date) -> dict[date, int] | None:
    """``changed_days``, each with the local minute from which its open hours differ.

    A day's open hours are its week windows, unless a holiday closes it or a closure
    removes part of it: the same three facts the calendar builds its intervals from."""
    if old.kind != new.kind or old.timezone != new.timezone:
        return None
    if old.kind == "24x7":
        return {}
    years = range(first.year, last.year + 1)
    holidays_old = holidays_for(old.holidays, years) if old.holidays else {}
    holidays_new = holidays_for(new.holidays, years) if new.holidays else {}
    closures_old = {c.day: c for c in old.closures}
    closures_new = {c.day: c for c in new.closures}
    out = {}
    day = first
    while day <= last:
        a = _open_hours(old, day, day in holidays_old, closures_old.get(day))
        b = _open_hours(new, day, day in holidays_new, closures_new.get(day))
        if a != b:
            out[day] = _first_difference(a, b)
        day += timedelta(days=1)
    return out


def _first_difference(a: tuple[Window, ...], b: tuple[Window, ...]) -> int:
    """The first minute open in one of the two and closed in the other."""
    for point in sorted({p for w in (*a, *b) for p in w}):
        if _open_at(a, point) != _open_at(b, point):
            return point
    return 0  # not reached for a != b; the whole day is safe


def _open_at(windows: tuple[Window, ...], minute: int) -> bool:
    return any(start <= minute < end for start, end in windows)


def _open_hours(spec: CalendarSpec, day: date, holiday: bool, closure: Closure | None) -> tuple[Window, ...]:
    if holiday:
        return ()
    windows = _week_day(spec, day.weekday())
    if closure is None:
        return windows
    if closure.start_min is None or closure.end_min is None:
        return ()
    cut = (closure.start_min, closure.end_min)
    out: list[Window] = []
    for a, b in windows:
        if cut[1] <= a or b <= cut[0]:
            out.append((a, b))
            continue
        if a < cut[0]:
            out.append((a, cut[0]))
        if cut[1] < b:
            out.append((cut[1], b))
    return tuple(out)
