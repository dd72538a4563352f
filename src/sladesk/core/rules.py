"""Every deadline is shown with its rule, in words: "2 dias úteis = 18 h úteis"."""

from __future__ import annotations

from sladesk.core.calendar import CalendarSpec
from sladesk.core.policy.model import Target

_WORDS = {
    "pt-br": {"bh": "h úteis", "h": "h", "day": "dia útil", "days": "dias úteis", "always": "24x7"},
    "en": {"bh": "business hours", "h": "h", "day": "business day", "days": "business days", "always": "24x7"},
}


def number(value: float) -> str:
    """2.0 -> '2', 1.5 -> '1,5' (pt-BR decimal comma is applied by the caller's locale)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def rule_text(target: Target, spec: CalendarSpec, language: str = "pt-br") -> str:
    w = _WORDS.get(language.lower(), _WORDS["pt-br"])
    hours = target.target_us / 3_600_000_000
    if spec.kind == "24x7":
        return f"{number(hours)} {w['h']}, {w['always']}"
    if target.business_days is not None:
        days = target.business_days
        unit = w["day"] if days == 1 else w["days"]
        return f"{number(days)} {unit} = {number(hours)} {w['bh']}"
    return f"{number(hours)} {w['bh']}"
