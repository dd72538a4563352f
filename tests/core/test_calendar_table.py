"""The business calendar, table by table (python-holidays style).

Every expected value is worked out by hand from POLICY.md; each row is checked
on the engine and on the naive oracle, so a wrong oracle cannot hide here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sladesk.core.policy import Policy, load_default_policy
from tests.core import oracle
from tests.core.oracle import from_us
from tests.core.oracle import to_us as us
from tests.core.policies import CLOSURES, DST, SP, SPLIT

MINUTE_US = 60_000_000
HOURS = 60  # minutes

DEFAULT = load_default_policy()
PA = "porto-alegre"


# ---- helpers ----------------------------------------------------------------------------
def instant(text: str, zone: str = SP) -> datetime:
    """'2027-03-03 16:00' in ``zone``, or an ISO instant with its own offset."""
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))).astimezone(UTC)


def shown(moment: datetime, zone: str, full: bool) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return local.isoformat() if full else local.strftime("%Y-%m-%d %H:%M")


def business(policy: Policy, name: str, start: str, end: str) -> tuple[int, int]:
    """(engine, oracle) business minutes between two instants."""
    zone = policy.calendars[name].timezone
    a, b = instant(start, zone), instant(end, zone)
    engine = policy.calendar(name).business_us(us(a), us(b))
    assert engine % MINUTE_US == 0
    return engine // MINUTE_US, oracle.business_minutes(a, b, policy.calendars[name])


def add(policy: Policy, name: str, start: str, minutes: int) -> tuple[str, str]:
    """(engine, oracle) instant after ``minutes`` business minutes, shown in the calendar's zone."""
    zone = policy.calendars[name].timezone
    full = "T" in start
    a = instant(start, zone)
    engine = from_us(policy.calendar(name).add_us(us(a), minutes * MINUTE_US))
    return shown(engine, zone, full), shown(oracle.add_minutes(a, minutes, policy.calendars[name]), zone, full)


def is_open(policy: Policy, name: str, moment: str) -> tuple[bool, bool]:
    zone = policy.calendars[name].timezone
    t = instant(moment, zone)
    return policy.calendar(name).is_open(us(t)), oracle.is_business_minute(t, policy.calendars[name])


def day_minutes(policy: Policy, name: str, day: str) -> tuple[int, int]:
    start = date.fromisoformat(day)
    return business(policy, name, f"{start} 00:00", f"{start + timedelta(days=1)} 00:00")


# ---- holidays ---------------------------------------------------------------------------
HOLIDAYS = [
    ("2026-01-01", "Confraternização Universal"),
    ("2026-02-02", "Nossa Senhora dos Navegantes (Porto Alegre)"),
    ("2026-04-03", "Sexta-feira Santa"),
    ("2026-04-21", "Tiradentes"),
    ("2026-05-01", "Dia do Trabalho"),
    ("2026-06-04", "Corpus Christi (Porto Alegre)"),
    ("2026-09-07", "Independência"),
    ("2026-09-20", "Revolução Farroupilha (RS)"),
    ("2026-10-12", "Nossa Senhora Aparecida"),
    ("2026-11-02", "Finados"),
    ("2026-11-15", "Proclamação da República"),
    ("2026-11-20", "Consciência Negra"),
    ("2026-12-25", "Natal"),
    ("2027-01-01", "Confraternização Universal"),
    ("2027-02-02", "Nossa Senhora dos Navegantes (Porto Alegre)"),
    ("2027-03-26", "Sexta-feira Santa"),
    ("2027-04-21", "Tiradentes"),
    ("2027-05-01", "Dia do Trabalho"),
    ("2027-05-27", "Corpus Christi (Porto Alegre)"),
    ("2027-09-07", "Independência"),
    ("2027-09-20", "Revolução Farroupilha (RS)"),
    ("2027-10-12", "Nossa Senhora Aparecida"),
    ("2027-11-02", "Finados"),
    ("2027-11-15", "Proclamação da República"),
    ("2027-11-20", "Consciência Negra"),
    ("2027-12-25", "Natal"),
]


@pytest.mark.parametrize(("day", "name"), HOLIDAYS, ids=[f"{d}-{n}" for d, n in HOLIDAYS])
def test_it_closes_every_holiday(day: str, name: str) -> None:
    assert day_minutes(DEFAULT, PA, day) == (0, 0)
    assert is_open(DEFAULT, PA, f"{day} 12:00") == (False, False)


def test_it_keeps_every_other_weekday_of_2026_and_2027_a_full_business_day() -> None:
    cal, day, short = DEFAULT.calendar(PA), date(2026, 1, 1), set()
    while day.year < 2028:
        start = us(instant(f"{day} 00:00"))
        if day.weekday() < 5 and cal.business_us(start, start + 24 * 60 * MINUTE_US) != 9 * 60 * MINUTE_US:
            short.add(str(day))
        day += timedelta(days=1)
    assert short == {d for d, _ in HOLIDAYS if date.fromisoformat(d).weekday() < 5}


FACULTATIVOS = [
    ("2026-02-16", "Carnaval (segunda)"),
    ("2026-02-17", "Carnaval (terça)"),
    ("2026-02-18", "Quarta-feira de Cinzas"),
    ("2026-12-24", "Véspera de Natal"),
    ("2026-12-31", "Véspera de Ano Novo"),
    ("2027-02-08", "Carnaval (segunda)"),
    ("2027-02-09", "Carnaval (terça)"),
    ("2027-02-10", "Quarta-feira de Cinzas"),
    ("2027-12-24", "Véspera de Natal"),
    ("2027-12-31", "Véspera de Ano Novo"),
]


@pytest.mark.parametrize(("day", "name"), FACULTATIVOS, ids=[f"{d}-{n}" for d, n in FACULTATIVOS])
def test_it_keeps_pontos_facultativos_as_business_days_by_default(day: str, name: str) -> None:
    assert day_minutes(DEFAULT, PA, day) == (9 * HOURS, 9 * HOURS)
    assert is_open(DEFAULT, PA, f"{day} 09:00") == (True, True)


# ---- opening and closing edges on the default calendar ---------------------------------
OPEN = [
    ("2027-03-03 08:59", False),
    ("2027-03-03 09:00", True),
    ("2027-03-03 12:00", True),
    ("2027-03-03 17:59", True),
    ("2027-03-03 18:00", False),
    ("2027-03-03 23:59", False),
    ("2027-03-06 12:00", False),  # Saturday
    ("2027-03-07 12:00", False),  # Sunday
]


@pytest.mark.parametrize(("moment", "expected"), OPEN)
def test_it_is_closed_at_nine_and_open_at_six(moment: str, expected: bool) -> None:
    assert is_open(DEFAULT, PA, moment) == (expected, expected)


ADD = [
    ("2027-03-03 16:00", 2 * HOURS, "2027-03-03 18:00", "lands at closing and stays there"),
    ("2027-03-03 17:59", 1, "2027-03-03 18:00", "one minute to closing"),
    ("2027-03-03 17:59", 2, "2027-03-04 09:01", "one minute past closing is next opening plus one"),
    ("2027-03-03 18:00", 0, "2027-03-03 18:00", "nothing to add"),
    ("2027-03-03 18:00", 1, "2027-03-04 09:01", "from closing"),
    ("2027-03-03 07:00", 1 * HOURS, "2027-03-03 10:00", "before opening"),
    ("2027-03-03 20:00", 9 * HOURS, "2027-03-04 18:00", "a whole business day from the evening"),
    ("2027-03-03 10:00", 18 * HOURS, "2027-03-05 10:00", "2 dias úteis: same clock time"),
    ("2027-03-05 17:00", 1 * HOURS, "2027-03-05 18:00", "Friday closing"),
    ("2027-03-05 17:00", 1 * HOURS + 1, "2027-03-08 09:01", "over the weekend"),
    ("2027-03-06 10:00", 2 * HOURS, "2027-03-08 11:00", "from Saturday"),
    ("2027-03-25 17:00", 2 * HOURS, "2027-03-29 10:00", "over Good Friday"),
    ("2027-05-26 17:00", 2 * HOURS, "2027-05-28 10:00", "over Corpus Christi"),
    ("2027-05-25 10:00", 36 * HOURS, "2027-06-01 10:00", "4 dias úteis over Corpus Christi"),
    ("2026-12-24 17:00", 2 * HOURS, "2026-12-28 10:00", "over Christmas and a weekend"),
    ("2026-12-31 17:00", 2 * HOURS, "2027-01-04 10:00", "over New Year and a weekend"),
]


@pytest.mark.parametrize(("start", "minutes", "expected", "why"), ADD, ids=[row[3] for row in ADD])
def test_it_adds_business_time(start: str, minutes: int, expected: str, why: str) -> None:
    assert add(DEFAULT, PA, start, minutes) == (expected, expected)


BETWEEN = [
    ("2027-03-03 08:00", "2027-03-03 10:00", 1 * HOURS),
    ("2027-03-03 17:00", "2027-03-03 19:00", 1 * HOURS),
    ("2027-03-03 18:00", "2027-03-04 09:00", 0),
    ("2027-03-03 09:00", "2027-03-03 18:00", 9 * HOURS),
    ("2027-03-05 17:00", "2027-03-08 10:00", 2 * HOURS),
    ("2027-03-01 00:00", "2027-03-08 00:00", 45 * HOURS),
    ("2027-05-24 00:00", "2027-05-31 00:00", 36 * HOURS),
    ("2027-03-03 12:00", "2027-03-03 11:00", 0),  # backwards
]


@pytest.mark.parametrize(("start", "end", "expected"), BETWEEN)
def test_it_counts_business_time_between_two_instants(start: str, end: str, expected: int) -> None:
    assert business(DEFAULT, PA, start, end) == (expected, expected)


ROUND_TRIPS = [
    ("2027-03-03 10:00", "2027-03-03 15:00", "2027-03-03 15:00"),
    ("2027-03-05 17:00", "2027-03-06 10:00", "2027-03-05 18:00"),  # Saturday: back to Friday's closing
    ("2027-03-05 17:00", "2027-03-08 09:00", "2027-03-05 18:00"),  # Monday's opening: still Friday's closing
    ("2027-05-26 10:00", "2027-05-27 15:00", "2027-05-26 18:00"),  # into Corpus Christi
    ("2027-03-06 10:00", "2027-03-07 10:00", "2027-03-06 10:00"),  # no business time at all
]


@pytest.mark.parametrize(("start", "end", "expected"), ROUND_TRIPS)
def test_it_goes_back_to_the_earliest_instant_with_the_same_business_time(start: str, end: str, expected: str) -> None:
    elapsed, _ = business(DEFAULT, PA, start, end)
    assert add(DEFAULT, PA, start, elapsed) == (expected, expected)
    assert instant(expected) <= instant(end)


@pytest.mark.parametrize(("start", "minutes", "expected", "why"), ADD, ids=[row[3] for row in ADD])
def test_it_counts_back_what_it_added(start: str, minutes: int, expected: str, why: str) -> None:
    assert business(DEFAULT, PA, start, expected) == (minutes, minutes)


# ---- closures (part and whole days) -----------------------------------------------------
CLOSURE_DAYS = [
    ("2027-02-10", 6 * HOURS, "Ash Wednesday opens at 12:00"),
    ("2027-12-24", 4 * HOURS, "Christmas Eve closes at 13:00"),
    ("2027-02-08", 0, "Carnival Monday closed all day"),
    ("2027-02-09", 9 * HOURS, "Carnival Tuesday not listed: a business day"),
    ("2027-03-03", 7 * HOURS, "closed 12:00-14:00"),
]


@pytest.mark.parametrize(("day", "expected", "why"), CLOSURE_DAYS, ids=[row[2] for row in CLOSURE_DAYS])
def test_it_applies_closures(day: str, expected: int, why: str) -> None:
    assert day_minutes(CLOSURES, PA, day) == (expected, expected)


CLOSURE_EDGES = [
    ("2027-02-10 11:59", False),
    ("2027-02-10 12:00", True),
    ("2027-12-24 12:59", True),
    ("2027-12-24 13:00", False),
    ("2027-03-03 11:59", True),
    ("2027-03-03 12:00", False),
    ("2027-03-03 14:00", True),
]


@pytest.mark.parametrize(("moment", "expected"), CLOSURE_EDGES)
def test_it_opens_and_closes_at_the_edges_of_a_part_day_closure(moment: str, expected: bool) -> None:
    assert is_open(CLOSURES, PA, moment) == (expected, expected)


CLOSURE_ADD = [
    ("2027-02-09 17:00", 2 * HOURS, "2027-02-10 13:00"),
    ("2027-02-05 17:00", 2 * HOURS, "2027-02-09 10:00"),  # Friday, then Carnival Monday closed
    ("2027-12-24 12:00", 2 * HOURS, "2027-12-27 10:00"),
    ("2027-12-24 12:00", 1 * HOURS, "2027-12-24 13:00"),  # lands at the closure: stays there
    ("2027-03-03 11:00", 2 * HOURS, "2027-03-03 15:00"),
]


@pytest.mark.parametrize(("start", "minutes", "expected"), CLOSURE_ADD)
def test_it_adds_across_closures(start: str, minutes: int, expected: str) -> None:
    assert add(CLOSURES, PA, start, minutes) == (expected, expected)


# ---- several windows a day --------------------------------------------------------------
SPLIT_OPEN = [
    ("2027-03-03 07:59", False),
    ("2027-03-03 08:00", True),
    ("2027-03-03 11:59", True),
    ("2027-03-03 12:00", False),
    ("2027-03-03 12:59", False),
    ("2027-03-03 13:00", True),
    ("2027-03-03 17:00", False),
]


@pytest.mark.parametrize(("moment", "expected"), SPLIT_OPEN)
def test_it_has_a_lunch_break_with_two_windows(moment: str, expected: bool) -> None:
    assert is_open(SPLIT, PA, moment) == (expected, expected)


SPLIT_ADD = [
    ("2027-03-03 11:00", 1 * HOURS, "2027-03-03 12:00"),
    ("2027-03-03 11:00", 1 * HOURS + 1, "2027-03-03 13:01"),
    ("2027-03-03 11:00", 2 * HOURS, "2027-03-03 14:00"),
    ("2027-03-03 16:30", 1 * HOURS, "2027-03-04 08:30"),
    ("2027-03-03 12:30", 8 * HOURS, "2027-03-04 12:00"),  # lands at the end of the morning window
]


@pytest.mark.parametrize(("start", "minutes", "expected"), SPLIT_ADD)
def test_it_adds_over_a_lunch_break(start: str, minutes: int, expected: str) -> None:
    assert add(SPLIT, PA, start, minutes) == (expected, expected)


def test_it_counts_both_windows_of_a_day() -> None:
    assert business(SPLIT, PA, "2027-03-03 11:30", "2027-03-03 13:30") == (1 * HOURS, 1 * HOURS)
    assert day_minutes(SPLIT, PA, "2027-03-03") == (8 * HOURS, 8 * HOURS)


def test_it_makes_a_dia_util_as_long_as_the_business_day() -> None:
    assert SPLIT.metrics["resolution"].targets["P2"].target_us == 2 * 8 * HOURS * MINUTE_US
    assert DEFAULT.metrics["resolution"].targets["P2"].target_us == 2 * 9 * HOURS * MINUTE_US


# ---- daylight saving time ---------------------------------------------------------------
DST_DAYS = [
    ("new-york", "2026-03-08", 23 * HOURS, "spring forward"),
    ("new-york", "2026-03-09", 24 * HOURS, "the day after"),
    ("new-york", "2026-11-01", 25 * HOURS, "fall back"),
    ("new-york", "2027-03-14", 23 * HOURS, "spring forward 2027"),
    ("new-york", "2027-11-07", 25 * HOURS, "fall back 2027"),
    ("sao-paulo-always", "2018-11-04", 23 * HOURS, "Brazil's last DST start (midnight skipped)"),
    ("sao-paulo-always", "2018-11-03", 24 * HOURS, "the day before"),
    ("sao-paulo-always", "2018-02-17", 25 * HOURS, "Brazil's DST end (23:00 twice)"),
    ("sao-paulo-always", "2027-03-03", 24 * HOURS, "no DST since 2019"),
    ("new-york-gap-start", "2026-03-08", 30, "window opening inside the skipped hour: open from 03:00"),
    ("new-york-gap-start", "2026-03-15", 1 * HOURS, "the same window a week later"),
    ("new-york-gap-end", "2026-03-08", 1 * HOURS, "window closing inside the skipped hour: closed from 03:00"),
    ("new-york-gap-end", "2026-03-15", 90, "the same window a week later"),
]


@pytest.mark.parametrize(("name", "day", "expected", "why"), DST_DAYS, ids=[f"{r[1]}-{r[3]}" for r in DST_DAYS])
def test_it_counts_real_time_on_days_with_a_clock_change(name: str, day: str, expected: int, why: str) -> None:
    assert day_minutes(DST, name, day) == (expected, expected)


DST_ADD = [
    ("new-york", "2026-03-08T00:00:00-05:00", 24 * HOURS, "2026-03-09T01:00:00-04:00"),
    ("new-york", "2026-11-01T00:00:00-04:00", 24 * HOURS, "2026-11-01T23:00:00-05:00"),
    ("new-york", "2026-03-08T01:59:00-05:00", 1, "2026-03-08T03:00:00-04:00"),
    (PA, "2018-11-01T17:00:00-03:00", 2 * HOURS, "2018-11-05T10:00:00-02:00"),  # Finados, then DST began
    (PA, "2018-02-16T17:00:00-02:00", 2 * HOURS, "2018-02-19T10:00:00-03:00"),  # DST ended on the Sunday
]


@pytest.mark.parametrize(("name", "start", "minutes", "expected"), DST_ADD)
def test_it_adds_across_a_clock_change(name: str, start: str, minutes: int, expected: str) -> None:
    assert add(DST, name, start, minutes) == (expected, expected)
    assert business(DST, name, start, expected) == (minutes, minutes)


SAO_PAULO_2018 = [
    ("2018-11-05T11:00:00Z", True),  # 09:00 -02:00
    ("2018-11-05T10:59:00Z", False),  # 08:59 -02:00 (would be 07:59 at -03:00)
    ("2018-11-05T20:00:00Z", False),  # 18:00 -02:00 (would be 17:00 at -03:00)
    ("2018-11-05T19:59:00Z", True),
    ("2018-02-19T12:00:00Z", True),  # 09:00 -03:00
    ("2018-02-16T19:30:00Z", True),  # 17:30 -02:00
    ("2018-02-16T20:00:00Z", False),  # 18:00 -02:00
]


@pytest.mark.parametrize(("moment", "expected"), SAO_PAULO_2018)
def test_it_takes_the_offset_from_the_zone_when_brazil_had_dst(moment: str, expected: bool) -> None:
    assert is_open(DEFAULT, PA, moment) == (expected, expected)
