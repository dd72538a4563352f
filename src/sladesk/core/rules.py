"""Every deadline is shown with its rule, in words: "2 dias úteis = 18 h úteis".

In pt-BR by default (the engine's JSON), in English on an English page: the words are
said the way every policy text is, with ``policy.model.say``."""

from __future__ import annotations

from sladesk.core.calendar import CalendarSpec
from sladesk.core.policy.model import Target, say


def number(value: float) -> str:
    """2.0 -> '2', 1.5 -> '1.5'."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def rule_text(target: Target, spec: CalendarSpec, language: str = "pt-br") -> str:
    hours = number(target.target_us / 3_600_000_000)
    if spec.kind == "24x7":
        return f"{hours} h, 24x7"
    business_hours = say(language, "h úteis", "business hours")
    if target.business_days is not None:
        days = target.business_days
        unit = say(language, "dia útil", "business day") if days == 1 else say(language, "dias úteis", "business days")
        return f"{number(days)} {unit} = {hours} {business_hours}"
    return f"{hours} {business_hours}"
