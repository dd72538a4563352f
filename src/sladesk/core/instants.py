"""Instants as integer microseconds since the epoch, and their conversions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

US = 1_000_000
HOUR_US = 3600 * US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_fromtimestamp = datetime.fromtimestamp


class NaiveDatetimeError(ValueError):
    """An instant without a UTC offset: we never guess a time zone."""


def to_us(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact)."""
    try:
        return (moment - EPOCH) // _ONE_US
    except TypeError:  # Python refuses to subtract a naive datetime from an aware one: say why
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise NaiveDatetimeError(f"{moment.isoformat()} has no UTC offset") from None
        raise


def from_us(instant: int, zone: tzinfo = UTC) -> datetime:
    """Integer microseconds since the epoch as an aware datetime in ``zone``."""
    seconds, micro = divmod(instant, US)
    try:
        # The same zone.fromutc as astimezone, on whole seconds: exact, and twice as fast.
        moment = _fromtimestamp(seconds, zone)
    except (OverflowError, OSError, ValueError):
        pass  # out of range: the general way below raises its own error, as it always did
    else:
        if micro:
            # Offsets change on whole seconds, so the microseconds never cross a transition;
            # adding a timedelta keeps the offset but drops fold, hence replace() when fold is set.
            return moment.replace(microsecond=micro) if moment.fold else moment + timedelta(microseconds=micro)
        return moment
    return (EPOCH + timedelta(microseconds=instant)).astimezone(zone)


def parse_instant(text: str) -> int:
    """An ISO 8601 instant with an offset (``Z`` allowed) as microseconds."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise NaiveDatetimeError(f"{text!r} has no UTC offset (write it like 2026-06-03T16:00:00-03:00)")
    return to_us(moment)
