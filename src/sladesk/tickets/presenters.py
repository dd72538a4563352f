"""How SLA states look on the desk: badges, time left, rules in words, the policy's labels.

Pure presentation over values the clocks already computed (stored ``TicketMetric``
rows in the queue, ``clocks.metrics_json`` on the ticket page). No SQL here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.translation import get_language, gettext_noop, ngettext, pgettext
from django.utils.translation import gettext as _

from sladesk.core.instants import to_us
from sladesk.core.policy import Policy
from sladesk.core.policy.model import Labelled, say
from sladesk.core.rules import rule_text
from sladesk.core.sla import BREACHED, EXCLUDED, MET, NOT_APPLICABLE, PAUSED, RUNNING

AT_RISK_USED = 0.75  # share of the target used from which a running metric is "at risk"

# Tones: the colour class of a badge. Every badge also carries a symbol and a text.
ON_TRACK, AT_RISK, LATE, ON_HOLD, DONE, OFF = "ok", "risk", "breached", "paused", "met", "off"
SYMBOLS = {ON_TRACK: "●", AT_RISK: "▲", LATE: "✕", ON_HOLD: "❚❚", DONE: "✓", OFF: "–"}

# The desk's own words (the policy's words are said with ``policy_text``).
TONE_WORDS = {ON_TRACK: gettext_noop("No prazo"), AT_RISK: gettext_noop("Em risco"), LATE: gettext_noop("Estourado"),
              ON_HOLD: gettext_noop("Pausado"), DONE: gettext_noop("Cumprido")}  # fmt: skip
STATE_WORDS = {RUNNING: gettext_noop("Em andamento"), PAUSED: gettext_noop("Pausado"), MET: gettext_noop("Cumprido"),
               BREACHED: gettext_noop("Estourado"), NOT_APPLICABLE: gettext_noop("Não se aplica"),
               EXCLUDED: gettext_noop("Excluído")}  # fmt: skip


def policy_text(pt_br: str, en: str = "") -> str:
    """A text of the policy in the page's language: its English text on an English page when
    the policy gives one, else its pt-BR text. The one way the desk says the policy's words."""
    return say(get_language(), pt_br, en)


def policy_label(item: Labelled) -> str:
    """The label of a metric, priority, channel, scope category or required item, in the page's language."""
    return policy_text(item.label, item.label_en)


def short_metric_label(name: str, policy: Policy) -> str:
    """The queue's short column label of a metric."""
    metric = policy.metrics.get(name)
    if metric is None or not metric.short_label:
        return metric_label(name, policy)
    return policy_text(metric.short_label, metric.short_label_en)


def metric_label(name: str, policy: Policy) -> str:
    metric = policy.metrics.get(name)
    return policy_label(metric) if metric else name


def duration_text(seconds: int, business: bool = False, suffix: bool = True) -> str:
    """1 h 05 min; business time says so ("úteis") unless ``suffix`` is off; long 24x7 spans in days."""
    seconds = max(int(seconds), 0)
    minutes = seconds // 60
    if minutes < 1:
        text = _("menos de 1 min")
    elif minutes < 60:
        text = _("%(m)d min") % {"m": minutes}
    elif not business and minutes >= 48 * 60:
        days, hours = divmod(minutes // 60, 24)
        text = _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    else:
        hours, rest = divmod(minutes, 60)
        text = _("%(h)d h %(m)02d min") % {"h": hours, "m": rest} if rest else _("%(h)d h") % {"h": hours}
    return _("%(time)s úteis") % {"time": text} if business and suffix else text


@dataclass(frozen=True)
class Badge:
    name: str  # the metric's code
    label: str
    tone: str
    status: str  # the state in words
    detail: str  # time left, overdue by, remaining while paused
    due: datetime | None

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.tone]


def status_text(tone: str) -> str:
    return _(TONE_WORDS[tone]) if tone in TONE_WORDS else ""


def is_business(policy: Policy, calendar: str) -> bool:
    spec = policy.calendars.get(calendar)
    return spec is not None and spec.kind != "24x7"


def calendar_seconds(policy: Policy, calendar: str, start: datetime, end: datetime) -> int:
    """Seconds of the calendar's time between two instants (business time on a business calendar)."""
    if end <= start:
        return 0
    return policy.calendar(calendar).business_us(to_us(start), to_us(end)) // 1_000_000


@dataclass(frozen=True)
class MetricView:
    """What a badge needs to know about one metric, from a stored row or from the engine's JSON."""

    name: str
    state: str
    calendar: str = ""
    target_s: int = 0
    due: datetime | None = None
    remaining_s: int | None = None
    still_running: bool = False  # running, or breached while still running

    @classmethod
    def from_row(cls, row: Any) -> MetricView:
        return cls(
            row.name, row.state, row.calendar, row.target_s, row.due_at, row.remaining_s, row.anchor_at is not None
        )

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any], running: bool) -> MetricView:
        """``running``: the engine's clock is still counting (it has an anchor), late or not."""
        due = datetime.fromisoformat(data["due"]) if data.get("due") else None
        return cls(
            name,
            data["state"],
            data.get("calendar", ""),
            data.get("target_s", 0),
            due,
            data.get("remaining_s"),
            running,
        )


def badge(metric: MetricView, policy: Policy, now: datetime, label: str | None = None) -> Badge:
    """The badge of one metric as of ``now``: tone, state in words, time left."""
    label = label if label is not None else short_metric_label(metric.name, policy)
    business = is_business(policy, metric.calendar)
    tone, detail = OFF, ""
    if metric.state in (RUNNING, BREACHED) and metric.still_running and metric.due is not None:
        tone, detail = _running(metric, policy, now, business)
    elif metric.state == BREACHED:
        tone = LATE
    elif metric.state == PAUSED:
        tone = ON_HOLD
        detail = _("restam %(time)s") % {"time": duration_text(metric.remaining_s or 0, business)}
    elif metric.state == MET:
        tone = DONE
    status = status_text(tone) or state_text(metric.state)
    return Badge(metric.name, label, tone, status, detail, None if tone == ON_HOLD else metric.due)


def days_text(seconds: int, day_hours: float, business: bool) -> str:
    """A duration past a day of its calendar in days ("89 dias úteis"), with the hours while it is
    under 3 days ("1 dia útil e 4 h"); under a day, as ``duration_text``."""
    day_s = int(day_hours * 3600) or 86400
    if seconds < day_s:
        return duration_text(seconds, business)
    days, hours = seconds // day_s, seconds % day_s // 3600
    if business:
        text = ngettext("%(d)d dia útil", "%(d)d dias úteis", days) % {"d": days}
    else:
        text = ngettext("%(d)d dia", "%(d)d dias", days) % {"d": days}
    return _("%(days)s e %(h)d h") % {"days": text, "h": hours} if days < 3 and hours else text


def _running(metric: MetricView, policy: Policy, now: datetime, business: bool) -> tuple[str, str]:
    assert metric.due is not None
    if now > metric.due:
        overdue = calendar_seconds(policy, metric.calendar, metric.due, now)
        spec = policy.calendars.get(metric.calendar)
        day_hours = spec.day_hours if spec is not None else 24
        return LATE, _("há %(time)s") % {"time": days_text(overdue, day_hours, business)}
    left = calendar_seconds(policy, metric.calendar, now, metric.due)
    used = 1 - left / metric.target_s if metric.target_s else 1
    tone = AT_RISK if used >= AT_RISK_USED else ON_TRACK
    return tone, _("faltam %(time)s") % {"time": duration_text(left, business)}


def state_text(state: str) -> str:
    return _(STATE_WORDS[state]) if state in STATE_WORDS else state


def queue_badges(metrics: list[Any], policy: Policy, now: datetime, labels: dict[str, str]) -> list[Badge]:
    """The badges of a queue row from its stored metric rows (already prefetched).
    ``labels``: each metric's short label, translated once per page."""
    return [
        badge(MetricView.from_row(m), policy, now, labels.get(m.name, m.name))
        for m in metrics
        if m.state not in (NOT_APPLICABLE, EXCLUDED)
    ]


@dataclass(frozen=True)
class PanelRow:
    badge: Badge
    rule: str
    state: str
    breached_at: datetime | None
    elapsed: str
    priority: str


def sla_panel(sla: dict[str, Any], running: set[str], policy: Policy, now: datetime) -> list[PanelRow]:
    """The SLA panel from the engine's JSON (``clocks.metrics_json``): each metric with its rule
    in words. ``running``: the metrics whose clock still counts."""
    rows = []
    for name, data in sla["metrics"].items():
        view = MetricView.from_json(name, data, name in running)
        b = badge(view, policy, now, label=metric_label(name, policy))
        business = is_business(policy, view.calendar)
        breached_at = datetime.fromisoformat(data["breached_at"]) if data.get("breached_at") else None
        elapsed = ""
        if "elapsed_s" in data:
            elapsed = _("%(used)s de %(target)s") % {
                "used": duration_text(data["elapsed_s"], business, suffix=False),
                "target": duration_text(data["target_s"], business),
            }
        rows.append(
            PanelRow(
                b, _rule(name, data, policy), state_text(data["state"]), breached_at, elapsed, data.get("priority", "")
            )
        )
    return rows


def _rule(name: str, data: dict[str, Any], policy: Policy) -> str:
    """The rule in words, in the language of the page (the engine's JSON has it in pt-BR)."""
    rule: str = data.get("rule", "")
    metric = policy.metrics.get(name)
    target = metric.targets.get(data.get("priority", "")) if metric else None
    spec = policy.calendars.get(data.get("calendar", ""))
    return rule_text(target, spec, get_language() or "pt-br") if rule and target and spec else rule


def when_format(short: bool = False) -> str:
    """The date format of instants on the desk, per language (Django date format characters)."""
    return pgettext("date format", "D d/m H:i") if short else pgettext("date format", "D d/m/Y H:i")


@lru_cache(maxsize=16)
def _words(language: str) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """The formats and the weekday and month abbreviations of a language, translated once."""
    return (
        when_format(short=True),
        when_format(short=False),
        tuple(str(day) for day in _weekdays()),
        tuple(str(MONTHS_3[i]).capitalize() for i in range(1, 13)),
    )


def _weekdays() -> tuple[str, ...]:
    """Monday first; ours, not Django's pt-BR "Sab" (without its accent)."""
    return (
        pgettext("weekday", "Seg"),
        pgettext("weekday", "Ter"),
        pgettext("weekday", "Qua"),
        pgettext("weekday", "Qui"),
        pgettext("weekday", "Sex"),
        pgettext("weekday", "Sáb"),
        pgettext("weekday", "Dom"),
    )


def format_when(moment: datetime, short: bool = False) -> str:
    """An instant in the current time zone (America/Sao_Paulo), e.g. "Qua 03/03/2027 16:00";
    ``short`` leaves the year out only within the current week ("Qua 03/03 16:00").

    The queue formats hundreds of instants; this does in a few microseconds what
    ``django.utils.dateformat`` does for the few characters the formats use."""
    local = timezone.localtime(moment)
    short_fmt, long_fmt, weekdays, months = _words(get_language() or "pt-br")
    if short and local.isocalendar()[:2] != timezone.localtime().isocalendar()[:2]:
        short = False  # another week: with its year
    parts = {
        "D": weekdays[local.weekday()], "d": f"{local.day:02d}", "j": str(local.day), "m": f"{local.month:02d}",
        "M": months[local.month - 1], "Y": str(local.year), "H": f"{local.hour:02d}", "i": f"{local.minute:02d}",
    }  # fmt: skip
    return "".join(parts.get(ch, ch) for ch in (short_fmt if short else long_fmt))
