"""Instants as integer microseconds since the epoch, and their conversions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

US = 1_000_000
HOUR_US = 3600 * US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


class NaiveDatetimeError(ValueError):
    """An instant without a UTC offset: we never guess a time zone."""


def to_us(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError(f"{moment.isoformat()} has no UTC offset")
    return (moment - EPOCH) // _ONE_US


def from_us(instant: int, zone: tzinfo = UTC) -> datetime:
    """Integer microseconds since the epoch as an aware datetime in ``zone``."""
    return (EPOCH + timedelta(microseconds=instant)).astimezone(zone)


def parse_instant(text: str) -> int:
    """An ISO 8601 instant with an offset (``Z`` allowed) as microseconds."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise NaiveDatetimeError(f"{text!r} has no UTC offset (write it like 2026-06-03T16:00:00-03:00)")
    return to_us(moment)


def format_instant(instant: int, zone: tzinfo) -> str:
    """ISO 8601 with the zone's offset at that instant, seconds precision unless needed."""
    return from_us(instant, zone).isoformat()
