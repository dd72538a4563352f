"""Instants as integer microseconds since the epoch, and their conversions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

US = 1_000_000
HOUR_US = 3600 * US
_ONE_HOUR = timedelta(hours=1)
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


# "MM:SS" of every second of an hour, by the second.
_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))


class IsoFormatter:
    """``from_us(instant, zone).isoformat()``, the same text, without a datetime per call.

    What an hour of UTC looks like in ``zone`` (its local date and hour, its offset) is
    worked out once with ``from_us``; the minutes, seconds and microseconds are then
    text. An hour is taken as one offset when the offsets at its start and at the next
    hour's start are the same (a zone never changes its offset twice within an hour); an
    hour in which the offset changes, or whose offset is not whole hours (so that its
    local hour is not one hour), is left to ``from_us`` and ``isoformat``."""

    __slots__ = ("_hours", "_starts", "zone")
    _KEPT = 100_000  # hours remembered; past that the memory starts again

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self._hours: dict[int, tuple[str, str] | None] = {}
        self._starts: dict[int, tuple[datetime, timedelta | None] | None] = {}  # at each hour's start

    def __call__(self, instant: int) -> str:
        # Seconds first: dividing by a million is one machine word, by HOUR_US it is not.
        seconds, micro = divmod(instant, US)
        hour, seconds = divmod(seconds, 3600)
        try:
            fixed = self._hours[hour]
        except KeyError:
            fixed = self._hour(hour)
        if fixed is None:
            return from_us(instant, self.zone).isoformat()
        if micro:
            return f"{fixed[0]}{_MINUTES_SECONDS[seconds]}.{micro:06d}{fixed[1]}"
        return fixed[0] + _MINUTES_SECONDS[seconds] + fixed[1]

    def _hour(self, hour: int) -> tuple[str, str] | None:
        """("YYYY-MM-DDTHH:", "+HH:MM") of a UTC hour with one whole-hour offset, else None."""
        if len(self._hours) >= self._KEPT:
            self._hours.clear()
            self._starts.clear()
        start, after = self._start(hour), self._start(hour + 1)
        fixed = None
        if start is not None and after is not None:
            moment, offset = start
            if offset is not None and offset == after[1] and not offset % _ONE_HOUR:
                # isoformat's own layout: a 4-digit year, then "+HH:MM" for a whole-hour offset
                hours = offset // _ONE_HOUR
                fixed = (
                    f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:",
                    f"{'-' if hours < 0 else '+'}{abs(hours):02d}:00",
                )
        self._hours[hour] = fixed
        return fixed

    def _start(self, hour: int) -> tuple[datetime, timedelta | None] | None:
        """The hour's first instant in the zone and its offset (None beyond datetime's years)."""
        try:
            return self._starts[hour]
        except KeyError:
            pass
        try:
            moment = from_us(hour * HOUR_US, self.zone)
        except (OverflowError, ValueError):
            start = None
        else:
            start = (moment, moment.utcoffset())
        self._starts[hour] = start
        return start
