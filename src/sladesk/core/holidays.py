"""Holidays of a calendar: the ``holidays`` library by country and subdivision,
plus the additions a policy lists (fixed dates, yearly dates, Easter offsets).

The library is imported only when its answer is not in the cache (``holiday_cache``):
a process that finds every year it needs there never imports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sladesk.core.holiday_cache import holiday_cache, spec_key


@dataclass(frozen=True, slots=True)
class HolidayAddition:
    """A holiday the library does not know: yearly (month/day), movable
    (days after Easter Sunday) or one date."""

    name: str
    month: int | None = None
    day: int | None = None
    easter_offset: int | None = None
    on: date | None = None

    def dates(self, year: int) -> list[date]:
        if self.on is not None:
            return [self.on] if self.on.year == year else []
        if self.easter_offset is not None:
            return [easter_sunday(year) + timedelta(days=self.easter_offset)]
        if self.month is not None and self.day is not None:
            try:
                return [date(year, self.month, self.day)]
            except ValueError:  # Feb 29 in a common year
                return []
        return []


@dataclass(frozen=True, slots=True)
class HolidaySpec:
    country: str | None = None
    subdivision: str | None = None
    categories: tuple[str, ...] = ("public",)
    language: str | None = None
    additions: tuple[HolidayAddition, ...] = ()


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def holidays_for(spec: HolidaySpec, years: range) -> dict[date, str]:
    """Every holiday of ``spec`` in ``years``, with its name."""
    out: dict[date, str] = {}
    for year in years:
        out.update(_year(spec, year))
    return out


@lru_cache(maxsize=4096)
def _year(spec: HolidaySpec, year: int) -> dict[date, str]:
    out: dict[date, str] = {}
    if spec.country:
        out.update(_library_year(spec.country, spec.subdivision, spec.categories, spec.language, year))
    for addition in spec.additions:
        for day in addition.dates(year):
            out.setdefault(day, addition.name)
    return out


def _library_year(
    country: str, subdivision: str | None, categories: tuple[str, ...], language: str | None, year: int
) -> dict[date, str]:
    """The library's holidays of one year, exactly as it gives them (from the cache when kept)."""
    cache, key = holiday_cache(), spec_key(country, subdivision, categories, language)
    kept = cache.year(key, year)
    if kept is not None:
        return kept
    import holidays as holidays_lib

    out: dict[date, str] = {}
    out.update(
        holidays_lib.country_holidays(country, subdiv=subdivision, years=year, categories=categories, language=language)
    )
    cache.keep_year(key, year, out)
    return out


def check_country(country: str, subdivision: str | None) -> str | None:
    """None when the library knows this country (and subdivision), else why not."""
    cache = holiday_cache()
    if cache.knows_country(country, subdivision):
        return None
    import holidays as holidays_lib

    try:
        holidays_lib.country_holidays(country, subdiv=subdivision, years=2026)
    except NotImplementedError:
        return f"the holidays library has no country {country!r}"
    except Exception as exc:  # the library raises plain errors for unknown subdivisions
        return str(exc)
    cache.keep_country(country, subdivision)
    return None
