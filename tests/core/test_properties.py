"""Property tests: the calendar and the SLA engine against the naive oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.core.calendar import build_calendar
from sladesk.core.policy import EVENT_TYPES, Policy, load_default_policy
from sladesk.core.replay import replay_one
from tests.core import oracle
from tests.core.oracle import from_us, to_us
from tests.core.policies import CLOSURES, SP, SPLIT

MINUTE_US = 60_000_000
ZONE = ZoneInfo(SP)
DEFAULT = load_default_policy()
CALENDARS = [(DEFAULT, "porto-alegre"), (CLOSURES, "porto-alegre"), (SPLIT, "porto-alegre"), (DEFAULT, "24x7")]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Local clock times where things change: openings, closings, lunch, closures, midnight.
EDGES = [0, 479, 480, 539, 540, 541, 719, 720, 721, 779, 780, 781, 839, 840, 959, 960, 1019, 1020, 1079, 1080, 1081]


def local(day: date, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=ZONE).astimezone(UTC)


@st.composite
def instants(draw: st.DrawFn, first: date = date(2026, 1, 1), days: int = 725) -> datetime:
    """A whole-minute instant in 2026-2027, often on a local edge."""
    day = first + timedelta(days=draw(st.integers(0, days)))
    minute = draw(st.one_of(st.sampled_from(EDGES), st.integers(0, 1439)))
    return local(day, minute)


durations = st.one_of(st.integers(0, 40 * 60), st.sampled_from([0, 1, 60, 120, 540, 1080, 2160]))
calendars = st.sampled_from(CALENDARS)


def spec(cal: tuple[Policy, str]) -> Any:
    return cal[0].calendars[cal[1]]


# ---- calendar ---------------------------------------------------------------------------
@FAST
@given(calendars, instants())
def test_it_agrees_with_the_oracle_on_open_minutes(cal: tuple[Policy, str], t: datetime) -> None:
    assert cal[0].calendar(cal[1]).is_open(to_us(t)) == oracle.is_business_minute(t, spec(cal))


@FAST
@given(calendars, instants(), st.integers(0, 6 * 24 * 60))
def test_it_agrees_with_the_oracle_on_business_time(cal: tuple[Policy, str], t: datetime, span: int) -> None:
    u = t + timedelta(minutes=span)
    engine = cal[0].calendar(cal[1]).business_us(to_us(t), to_us(u))
    assert engine == oracle.business_minutes(t, u, spec(cal)) * MINUTE_US


@FAST
@given(calendars, instants(), durations)
def test_it_agrees_with_the_oracle_on_adding(cal: tuple[Policy, str], t: datetime, minutes: int) -> None:
    engine = cal[0].calendar(cal[1]).add_us(to_us(t), minutes * MINUTE_US)
    assert from_us(engine) == oracle.add_minutes(t, minutes, spec(cal))


@FAST
@given(calendars, instants(), durations)
def test_it_counts_back_exactly_what_it_added(cal: tuple[Policy, str], t: datetime, minutes: int) -> None:
    c = cal[0].calendar(cal[1])
    assert c.business_us(to_us(t), c.add_us(to_us(t), minutes * MINUTE_US)) == minutes * MINUTE_US


@FAST
@given(calendars, instants(), st.integers(0, 6 * 24 * 60))
def test_it_never_adds_past_the_instant_it_measured(cal: tuple[Policy, str], t: datetime, span: int) -> None:
    c, a, b = cal[0].calendar(cal[1]), to_us(t), to_us(t + timedelta(minutes=span))
    back = c.add_us(a, c.business_us(a, b))
    assert a <= back <= b
    assert c.business_us(back, b) == 0


pairs = st.lists(st.tuples(instants(), durations), min_size=0, max_size=25)


@FAST
@given(calendars, pairs)
def test_it_adds_many_as_it_adds_one(cal: tuple[Policy, str], rows: list[tuple[datetime, int]]) -> None:
    c = cal[0].calendar(cal[1])
    starts = np.array([to_us(t) for t, _ in rows], dtype=np.int64)
    durations_us = np.array([m * MINUTE_US for _, m in rows], dtype=np.int64)
    many = c.add_many(starts, durations_us)
    assert many.tolist() == [c.add_us(to_us(t), m * MINUTE_US) for t, m in rows]


@FAST
@given(calendars, st.lists(st.tuples(instants(), st.integers(-600, 6 * 24 * 60)), max_size=25))
def test_it_measures_many_as_it_measures_one(cal: tuple[Policy, str], rows: list[tuple[datetime, int]]) -> None:
    c = cal[0].calendar(cal[1])
    starts = np.array([to_us(t) for t, _ in rows], dtype=np.int64)
    ends = np.array([to_us(t + timedelta(minutes=m)) for t, m in rows], dtype=np.int64)
    many = c.business_many(starts, ends)
    assert many.tolist() == [c.business_us(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


far = st.integers(0, 3000 * 60)  # up to about 15 months of business time


@settings(max_examples=25, deadline=None)
@given(calendars, st.lists(st.tuples(instants(), far), min_size=1, max_size=10))
def test_it_grows_a_fresh_calendar_as_far_as_it_must(cal: tuple[Policy, str], rows: list[tuple[datetime, int]]) -> None:
    bulk, single = build_calendar(spec(cal)), build_calendar(spec(cal))
    starts = np.array([to_us(t) for t, _ in rows], dtype=np.int64)
    durations_us = np.array([m * MINUTE_US for _, m in rows], dtype=np.int64)
    many = bulk.add_many(starts, durations_us).tolist()
    assert many == [single.add_us(to_us(t), m * MINUTE_US) for t, m in rows]
    assert [single.business_us(to_us(t), end) for (t, _), end in zip(rows, many, strict=True)] == durations_us.tolist()


wide = st.builds(
    lambda days, minute: local(date(2000, 1, 1) + timedelta(days=days), minute),
    st.integers(0, 40 * 366),
    st.one_of(st.sampled_from(EDGES), st.integers(0, 1439)),
)


@settings(max_examples=20, deadline=None)
@given(calendars, st.lists(st.tuples(wide, durations), min_size=1, max_size=8))
def test_it_answers_the_same_whatever_years_it_covered_before(
    cal: tuple[Policy, str], rows: list[tuple[datetime, int]]
) -> None:
    used = build_calendar(spec(cal))
    for t, minutes in rows:
        fresh, a, d = build_calendar(spec(cal)), to_us(t), minutes * MINUTE_US
        assert (used.add_us(a, d), used.business_us(a, a + 3 * d), used.is_open(a)) == (
            fresh.add_us(a, d),
            fresh.business_us(a, a + 3 * d),
            oracle.is_business_minute(t, spec(cal)),
        )


# ---- SLA engine -------------------------------------------------------------------------
# Every event type, the ones that end a ticket's clocks for good less often.
EVENT_MIX = [kind for kind in EVENT_TYPES for _ in range(1 if kind in ("closed", "out_of_scope") else 3)]


def iso(moment: datetime) -> str:
    return moment.astimezone(ZONE).isoformat()


@st.composite
def timelines(draw: st.DrawFn) -> dict[str, Any]:
    """A ticket received in 2026-2027 with up to 6 events over up to two weeks."""
    received = draw(instants())
    start = received.astimezone(ZONE).date()
    near = st.integers(0, 10 * 60).map(lambda m: received + timedelta(minutes=m))  # within the first hours
    moments = sorted(max(received, draw(st.one_of(near, instants(start, 14)))) for _ in range(draw(st.integers(0, 6))))
    events = []
    for at in moments:
        kind = draw(st.sampled_from(EVENT_MIX))
        event = {"at": iso(at), "type": kind}
        if kind == "priority_set":
            event["priority"] = draw(st.sampled_from(["P1", "P2", "P3"]))
        events.append(event)
    last = moments[-1] if moments else received
    later = st.integers(0, 12 * 60).map(lambda m: last + timedelta(minutes=m))
    now = max(last, draw(st.one_of(st.just(last), later, instants(start, 17))))
    return {
        "received_at": iso(received),
        "channel": draw(st.sampled_from(["email", "phone", "portal"])),
        "priority": draw(st.sampled_from([None, "P1", "P2", "P3"])),
        "events": events,
        "now": iso(now),
    }


def flat(result: dict[str, Any]) -> dict[str, Any]:
    """{'priority': ..., 'reply.state': ..., 'reply.due': ...}: a failure names the key that differs."""
    out = {"priority": result["priority"]}
    for name, metric in result["metrics"].items():
        out.update({f"{name}.{key}": value for key, value in metric.items() if key != "rule"})
    return out


@SLOW
@given(timelines())
def test_it_evaluates_timelines_as_the_oracle_does(timeline: dict[str, Any]) -> None:
    assert flat(replay_one(DEFAULT, timeline)) == flat(oracle.evaluate(DEFAULT, timeline))


WINDOW = timedelta(days=DEFAULT.lifecycle.reopen_window_days)
around_the_window = st.one_of(
    st.integers(-180, 180).map(lambda m: WINDOW + timedelta(minutes=m)),  # near its end
    st.integers(0, 8 * 24 * 60).map(lambda m: timedelta(minutes=m)),  # anywhere
)


@st.composite
def resolved_then_replied(draw: st.DrawFn) -> dict[str, Any]:
    """A ticket resolved in its first days, then customer replies around the reopen window,
    maybe with another resolution between them."""
    timeline = draw(timelines())
    received = datetime.fromisoformat(timeline["received_at"])
    at = received + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
    events = [{"at": iso(at), "type": draw(st.sampled_from(["handling_started", "waiting_on_customer"]))}]
    for _ in range(draw(st.integers(1, 2))):
        at += timedelta(minutes=draw(st.integers(0, 24 * 60)))
        events.append({"at": iso(at), "type": "resolved"})
        at += draw(around_the_window)
        events.append({"at": iso(at), "type": "customer_replied"})
    now = at + timedelta(minutes=draw(st.integers(0, 10 * 60)))
    return {**timeline, "events": events, "now": iso(now)}


@FAST
@given(resolved_then_replied())
def test_it_reads_replies_to_a_resolved_ticket_as_the_oracle_does(timeline: dict[str, Any]) -> None:
    assert flat(replay_one(DEFAULT, timeline)) == flat(oracle.evaluate(DEFAULT, timeline))
