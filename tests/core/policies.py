"""Variants of the default policy for the core's tests, built from its text."""

from __future__ import annotations

from sladesk.core.policy import Policy, default_policy_text, parse_policy

SP = "America/Sao_Paulo"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def variant(replace: dict[str, str] | None = None, extra: str = "") -> Policy:
    """The default policy with some text replaced and some TOML appended."""
    text = default_policy_text()
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return parse_policy(text + extra, "variant")


def every_day(name: str, zone: str, window: str) -> str:
    """A business calendar open in ``window`` all seven days, without holidays."""
    days = "\n".join(f'week.{d} = ["{window}"]' for d in WEEKDAYS)
    return f'\n[calendars.{name}]\nkind = "business"\ntimezone = "{zone}"\nday_hours = 24\n{days}\n'


# Ash Wednesday until 12:00, Christmas Eve from 13:00, Carnival Monday, and a meeting at lunch.
CLOSURES = variant(
    {
        "closures = []": """closures = [
  { date = "2027-02-10", until = "12:00", reason = "Quarta-feira de Cinzas" },
  { date = "2027-12-24", from = "13:00", reason = "Véspera de Natal" },
  { date = "2027-02-08", reason = "Carnaval" },
  { date = "2027-03-03", from = "12:00", until = "14:00", reason = "Reunião geral" },
  { date = "2026-02-18", until = "12:00", reason = "Quarta-feira de Cinzas" },
  { date = "2026-12-24", from = "13:00", reason = "Véspera de Natal" },
]"""
    }
)

# Two windows a day with a lunch break; a business day is then 8 hours.
SPLIT = variant({'["09:00-18:00"]': '["08:00-12:00", "13:00-17:00"]', "day_hours = 9 ": "day_hours = 8 "})

DST = variant(
    extra=every_day("new-york", "America/New_York", "00:00-24:00")
    + every_day("sao-paulo-always", SP, "00:00-24:00")
    + every_day("new-york-gap-start", "America/New_York", "02:30-03:30")
    + every_day("new-york-gap-end", "America/New_York", "01:00-02:30")
)
