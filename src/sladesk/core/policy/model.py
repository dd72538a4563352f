"""The policy as typed values. Built only by ``load.py``, which validates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sladesk.core.calendar import AlwaysCalendar, BusinessCalendar, CalendarSpec, build_calendar
from sladesk.core.instants import HOUR_US

# Timeline events the SLA engine understands; metric rules may only name these.
EVENT_TYPES = (
    "priority_set",
    "public_reply",
    "handling_started",
    "waiting_on_customer",
    "customer_replied",
    "resolved",
    "reopened",
    "closed",
    "out_of_scope",
)
CHANNELS = ("email", "phone", "portal")
CONTRACT_EXTRAS = ("csm", "partner_hours", "training")


# ---- the policy's words: pt-BR, and English when the policy gives it ---------------------
def say(language: str | None, pt_br: str, en: str = "") -> str:
    """A text of the policy in ``language`` (a Django language code such as "pt-br" or "en").

    Every label is pt-BR; the English one (``label_en``, ...) is optional. English is said
    only when the language is English and the policy gives it: otherwise the pt-BR text."""
    return en if en and (language or "").lower().startswith("en") else pt_br


class Labelled(Protocol):
    """Anything of the policy with a pt-BR ``label`` and an optional English ``label_en``."""

    @property
    def label(self) -> str: ...

    @property
    def label_en(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Target:
    calendar: str
    target_us: int
    hours: float | None = None
    business_days: float | None = None

    @property
    def target_s(self) -> int:
        return self.target_us // 1_000_000


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    label: str
    channels: frozenset[str]
    stop_on: frozenset[str]
    targets: dict[str, Target]
    restart_on: frozenset[str] = frozenset()
    pause_on: frozenset[str] = frozenset()
    resume_on: frozenset[str] = frozenset()
    start_on: frozenset[str] = frozenset()  # empty: the metric starts at the ticket's receipt
    label_en: str = ""
    short_label: str = ""  # the queue's column header (the loader sets it to the label if none is given)
    short_label_en: str = ""


@dataclass(frozen=True, slots=True)
class Priority:
    name: str
    label: str
    description: str
    label_en: str = ""
    description_en: str = ""


@dataclass(frozen=True, slots=True)
class Lifecycle:
    exclude_on: frozenset[str]
    final_on: frozenset[str]
    reopen_window_days: float
    close_after_days: float


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    label: str
    priorities: tuple[str, ...]
    address: str = ""
    number: str = ""
    label_en: str = ""


@dataclass(frozen=True, slots=True)
class Alternative:
    name: str
    text: str
    requires: str | None = None


@dataclass(frozen=True, slots=True)
class ScopeCategory:
    name: str
    label: str
    in_scope: bool
    reply: str = ""
    alternatives: tuple[str, ...] = ()
    label_en: str = ""


@dataclass(frozen=True, slots=True)
class Scope:
    categories: dict[str, ScopeCategory]
    alternatives: dict[str, Alternative]

    def alternatives_for(self, category: str, extras: frozenset[str]) -> list[Alternative]:
        """The alternatives an out-of-scope reply offers, given the contract's extras."""
        out = []
        for name in self.categories[category].alternatives:
            alt = self.alternatives[name]
            if alt.requires is None or alt.requires in extras:
                out.append(alt)
        return out


@dataclass(frozen=True, slots=True)
class RequiredItem:
    key: str
    label: str
    label_en: str = ""


@dataclass(frozen=True, slots=True)
class Availability:
    timezone: str
    components: tuple[str, ...]
    confirm_after_failures: int
    recover_after_successes: int
    partial_weight: float
    degraded_weight: float


@dataclass(frozen=True, slots=True)
class Notifications:
    """Who hears of a deadline, and when (POLICY.md leaves these to the vendor)."""

    warn_at_used: float = 0.75  # a running metric warns once it has used this share of its target
    urgent_priorities: tuple[str, ...] = ("P1",)  # told at any hour, the on-call person too
    hold_calendar: str = ""  # where the others wait for an opening ("" = the metric's own calendar)


@dataclass
class Policy:
    version: str
    name: str
    default_priority: str
    priorities: dict[str, Priority]
    calendars: dict[str, CalendarSpec]
    metrics: dict[str, Metric]
    lifecycle: Lifecycle
    channels: dict[str, Channel]
    scope: Scope
    required_information: tuple[RequiredItem, ...]
    availability: Availability
    notifications: Notifications = field(default_factory=Notifications)
    source: str = field(default="", repr=False)
    _built: dict[str, AlwaysCalendar | BusinessCalendar] = field(default_factory=dict, repr=False, compare=False)

    def calendar(self, name: str) -> AlwaysCalendar | BusinessCalendar:
        """The calendar named ``name``, built once per policy."""
        built = self._built.get(name)
        if built is None:
            built = self._built[name] = build_calendar(self.calendars[name])
        return built


def target_us(spec: CalendarSpec, hours: float | None, business_days: float | None) -> int:
    if business_days is not None:
        return round(business_days * spec.day_us)
    return round((hours or 0) * HOUR_US)
