"""Instants as integer microseconds since the epoch, and their conversions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Final

US: Final = 1_000_000
HOUR_US: Final = 3600 * US
_ONE_HOUR: Final = timedelta(hours=1)
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US: Final = timedelta(microseconds=1)
_DAY_US: Final = 24 * HOUR_US
_EPOCH_DAY: Final = EPOCH.toordinal()
_fromtimestamp: Final = datetime.fromtimestamp
_fromisoformat: Final = datetime.fromisoformat


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


class IsoParser:
    """``parse_instant(text)`` (None where it raises), for many texts, mostly without a datetime.

    Subtracting the epoch from an aware datetime costs several times what parsing the text
    does (both offsets are asked for). So of each text written ``YYYY-MM-DDTHH:MM:SS...``
    four parts are remembered, each as microseconds: the date (``2026-06-03``: its midnight
    UTC), the hour and minute (``T16:00``), the second (``:00``), and the rest (``-03:00``,
    ``Z``, ``.250-03:00``: fraction and offset), whose value is what the text's instant adds
    to the other three. A part is remembered only from a text that ``datetime.fromisoformat``
    accepted with an offset, and parts of those forms always make a text it accepts, read
    part by part: so the sum of four remembered parts is what ``parse_instant`` says of their
    text. The parts are few (days, 1,440 minutes, 60 seconds, a few offsets): the memory
    stays small and soon answers nearly every text."""

    __slots__ = ("_days", "_minutes", "_rests", "_seconds")
    _KEPT = 10_000  # days or rests remembered; past that the memory starts again

    def __init__(self) -> None:
        self._days: dict[str, int] = {}
        self._minutes: dict[str, int] = {}
        self._seconds: dict[str, int] = {}
        self._rests: dict[str, int] = {}

    def __call__(self, text: str) -> int | None:
        day = self._days.get(text[:10])
        if day is not None:
            minute = self._minutes.get(text[10:16])
            if minute is not None:
                second = self._seconds.get(text[16:19])
                if second is not None:
                    rest = self._rests.get(text[19:])
                    if rest is not None:
                        return day + minute + second + rest
        return self._parse(text)

    def _parse(self, text: str) -> int | None:
        try:
            moment = _fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        instant: int = (moment - EPOCH) // _ONE_US
        if text[4:5] == text[7:8] == "-" and text[10:11] == "T" and text[13:14] == text[16:17] == ":":
            if len(self._days) >= self._KEPT or len(self._rests) >= self._KEPT:
                self._days.clear()
                self._rests.clear()
            # Each part's value from its own text: the sum is then the instant whatever the
            # parser makes of a day's end.
            day = (date.fromisoformat(text[:10]).toordinal() - _EPOCH_DAY) * _DAY_US
            minute = (int(text[11:13]) * 60 + int(text[14:16])) * 60 * US
            second = int(text[17:19]) * US
            self._days[text[:10]] = day
            self._minutes[text[10:16]] = minute
            self._seconds[text[16:19]] = second
            self._rests[text[19:]] = instant - day - minute - second
        return instant


# "MM:SS" of every second of an hour, by the second; "THH:" of every hour of a day.
_MINUTES_SECONDS: Final = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))
_HOURS: Final = tuple(f"T{h:02d}:" for h in range(24))


class IsoFormatter:
    """``from_us(instant, zone).isoformat()``, the same text, without a datetime per call.

    What an hour of UTC looks like in ``zone`` (its local date and hour, its offset) is
    worked out once: the zone's offset at its start with ``from_us``, the local date and
    hour from the offset by arithmetic (each local day's text made once); the minutes,
    seconds and microseconds are then text. An hour is taken as one offset when the offsets
    at its start and at the next hour's start are the same (a zone never changes its offset
    twice within an hour); an hour in which the offset changes, or whose offset is not whole
    hours (so that its local hour is not one hour), or beyond the years of ``date``, is left
    to ``from_us`` and ``isoformat``."""

    __slots__ = ("_days", "_hours", "_offsets", "zone")
    _KEPT = 100_000  # hours remembered; past that the memory starts again

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        # ("YYYY-MM-DDTHH:", "+HH:MM") of each UTC hour met, ("", "") for one left to isoformat
        self._hours: dict[int, tuple[str, str]] = {}
        self._offsets: dict[int, timedelta | None] = {}  # at each hour's start; None beyond datetime's years
        self._days: dict[int, str] = {}  # "YYYY-MM-DD" of a local day, by days since 1970-01-01

    def __call__(self, instant: int) -> str:
        # Seconds first: dividing by a million is one machine word, by HOUR_US it is not.
        seconds, micro = divmod(instant, US)
        hour, seconds = divmod(seconds, 3600)
        fixed = self._hours.get(hour)
        if fixed is None:
            fixed = self._hour(hour)
        head, tail = fixed
        if not head:
            return from_us(instant, self.zone).isoformat()
        if micro:
            return f"{head}{_MINUTES_SECONDS[seconds]}.{micro:06d}{tail}"
        return head + _MINUTES_SECONDS[seconds] + tail

    def _hour(self, hour: int) -> tuple[str, str]:
        if len(self._hours) >= self._KEPT:
            self._hours.clear()
            self._offsets.clear()
            self._days.clear()
        offset, after = self._offset(hour), self._offset(hour + 1)
        fixed = ("", "")
        if offset is not None and offset == after and not offset % _ONE_HOUR:
            hours = offset // _ONE_HOUR
            day, local_hour = divmod(hour + hours, 24)  # the local wall clock, counted as UTC is
            text = self._day(day)
            if text:  # isoformat's own layout: a 4-digit year, then "+HH:MM" for a whole-hour offset
                fixed = (text + _HOURS[local_hour], f"{'-' if hours < 0 else '+'}{abs(hours):02d}:00")
        self._hours[hour] = fixed
        return fixed

    def _offset(self, hour: int) -> timedelta | None:
        """The zone's offset at the hour's first instant (None beyond datetime's years)."""
        if hour in self._offsets:
            return self._offsets[hour]
        try:
            offset = from_us(hour * HOUR_US, self.zone).utcoffset()
        except (OverflowError, ValueError):
            offset = None
        self._offsets[hour] = offset
        return offset

    def _day(self, day: int) -> str:
        """ "YYYY-MM-DD" of a day counted from 1970-01-01, or "" beyond the years of ``date``."""
        text = self._days.get(day)
        if text is None:
            try:
                text = date.fromordinal(day + _EPOCH_DAY).isoformat()
            except (OverflowError, ValueError):
                text = ""
            self._days[day] = text
        return text
