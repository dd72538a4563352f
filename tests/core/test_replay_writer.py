"""`sla replay --batch` made fast says exactly what it said before, byte for byte.

The batch reads the usual timeline in a few checks, evaluates on named tuples and writes
JSON text without dictionaries; ``tests/core/legacy_replay.py`` is the engine and writer as
they were before, kept as the oracle. Large random batches, good lines and bad ones, under
policies with other calendars, zones and rules, must come out the same."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import orjson
import pytest

from sladesk.core.instants import US, IsoFormatter, IsoParser, from_us, parse_instant
from sladesk.core.policy import EVENT_TYPES, Policy, default_policy_text, load_default_policy, parse_policy
from sladesk.core.replay import ReplayInputError, _Json, replay_lines, replay_one, timeline_from_json
from sladesk.core.sla import evaluate
from tests.core import legacy_replay
from tests.core.policies import CLOSURES, DST, SPLIT, every_day

DEFAULT = load_default_policy()
FIRST = datetime(2026, 1, 1, tzinfo=UTC)
OFFSETS = [timezone(timedelta(hours=h)) for h in (-3, -3, -3, 0, -5, 9)] + [
    timezone(timedelta(hours=5, minutes=45)),
    timezone(timedelta(hours=-9, minutes=-30)),
]


def _more_rules() -> Policy:
    """Rules the default policy does not have: a metric that starts on an event, restarts and
    pauses on several, a calendar in Kathmandu (+05:45) and one in New York (DST)."""
    text = (
        default_policy_text()
        .replace(
            "[lifecycle]",
            """
[metrics.fix]
label = "Correção"
start_on = ["handling_started", "public_reply"]
stop_on = ["resolved"]
restart_on = ["reopened", "customer_replied"]
pause_on = ["waiting_on_customer", "priority_set"]
resume_on = ["customer_replied", "public_reply"]
channels = ["email", "phone"]
targets.P1 = { hours = 1, calendar = "kathmandu" }
targets.P2 = { hours = 3, calendar = "new-york" }
targets.P3 = { business_days = 1.5, calendar = "kathmandu" }

[lifecycle]""",
        )
        .replace('final_on = ["closed"]', 'final_on = ["closed", "out_of_scope"]')
    )
    text += every_day("kathmandu", "Asia/Kathmandu", "08:00-17:00") + every_day(
        "new-york", "America/New_York", "01:30-02:30"
    )
    return parse_policy(text, "more rules")


POLICIES = {"default": DEFAULT, "closures": CLOSURES, "split": SPLIT, "dst": DST, "more": _more_rules()}


def _instant(rng: random.Random, moment: datetime) -> str:
    zone = rng.choice(OFFSETS)
    if rng.random() < 0.15:
        moment += timedelta(microseconds=rng.randrange(1, 10**6))
    text = moment.astimezone(zone).isoformat()
    return text.replace("+00:00", "Z") if rng.random() < 0.5 else text


def _timeline(rng: random.Random) -> dict[str, Any]:
    received = FIRST + timedelta(seconds=rng.randrange(2 * 366 * 86400))
    events: list[dict[str, Any]] = []
    at = received
    for _ in range(rng.choice((0, 1, 2, 3, 4, 6, 9))):
        at += timedelta(minutes=rng.randrange(0, 3000), seconds=rng.randrange(60))
        kind = rng.choice(EVENT_TYPES)
        event: dict[str, Any] = {"at": _instant(rng, at), "type": kind}
        if kind == "priority_set":
            event["priority"] = rng.choice(("P1", "P2", "P3"))
        events.append(event)
    if rng.random() < 0.1:
        rng.shuffle(events)  # out of order: the engine sorts them
    now = at + timedelta(minutes=rng.choice((0, 1, 90, 3000, 20000)))
    if rng.random() < 0.2:  # events after now are not known yet
        now = received + (now - received) * rng.random()
    return {
        "ticket": rng.randrange(10**6),
        "received_at": _instant(rng, received),
        "channel": rng.choice(("email", "email", "portal", "phone")),
        "priority": rng.choice((None, "P1", "P2", "P3")),
        "events": events,
        "now": _instant(rng, max(now, received)),
    }


def _bad(rng: random.Random, good: dict[str, Any]) -> Any:
    """A line that the fast reader must leave to the full one, wrong in one of many ways."""
    bad = json.loads(json.dumps(good))
    event = {"at": good["received_at"], "type": "priority_set", "priority": "P1"}
    return rng.choice(
        [
            [1, 2],
            "text",
            None,
            {**bad, "channel": "fax"},
            {**bad, "channel": ["email"]},
            {**bad, "priority": "P9"},
            {**bad, "priority": 1},
            {**bad, "received_at": "2027-03-05T16:00:00"},
            {**bad, "received_at": 20270305},
            {**bad, "now": "yesterday"},
            {**bad, "now": bad["received_at"].replace("20", "19", 1)},
            {**bad, "events": None},
            {**bad, "events": {"at": 1}},
            {**bad, "events": [*bad["events"], [1]]},
            {**bad, "events": [{**event, "type": "smile"}]},
            {**bad, "events": [{**event, "priority": None}]},
            {**bad, "events": [{**event, "priority": ["P1"]}]},
            {**bad, "events": [{**event, "at": "1999-01-01T00:00:00Z"}]},
            {**bad, "events": [{"type": "resolved"}]},
            {k: v for k, v in bad.items() if k != "channel"},
            {k: v for k, v in bad.items() if k != "events"},  # no events at all is fine
            {**bad, "received_at": "9998-12-31T20:00:00-03:00", "events": [], "now": "9998-12-31T23:00:00-03:00"},
            {**bad, "received_at": "0001-01-01T00:00:00+05:00"},
        ]
    )


def _batch(seed: int, n: int) -> list[bytes]:
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        timeline = _timeline(rng)
        r = rng.random()
        if r < 0.08:
            lines.append(orjson.dumps(_bad(rng, timeline)))
        elif r < 0.09:
            lines.append(rng.choice([b"{not json", b"", b"   ", b"[" * 3000 + b"]" * 3000]))
        else:
            lines.append(orjson.dumps(timeline))
    return lines


@pytest.mark.parametrize("name", list(POLICIES))
def test_it_writes_a_random_batch_byte_for_byte_as_before(name: str) -> None:
    policy = POLICIES[name]
    lines = _batch(seed=len(name), n=4000 if name == "default" else 1500)
    assert list(replay_lines(policy, lines)) == list(legacy_replay.replay_lines(policy, lines))


def test_it_writes_the_benchmark_timelines_byte_for_byte_as_before() -> None:
    from bench.replay import timeline

    rng = random.Random(7)
    lines = [orjson.dumps(timeline(rng)) for _ in range(3000)]
    assert list(replay_lines(DEFAULT, lines)) == list(legacy_replay.replay_lines(DEFAULT, lines))


@pytest.mark.parametrize("name", list(POLICIES))
def test_it_gives_one_timeline_as_before(name: str) -> None:
    policy, rng = POLICIES[name], random.Random(11)
    for _ in range(300):
        data = _timeline(rng)
        assert replay_one(policy, data) == legacy_replay.replay_one(policy, data)


def test_it_writes_the_bytes_that_the_dictionaries_would_be() -> None:
    rng, json_of, checked = random.Random(5), _Json(DEFAULT), 0
    for _ in range(1000):
        try:
            timeline = timeline_from_json(_timeline(rng), DEFAULT)
        except ReplayInputError:
            continue  # a now made before a received_at with microseconds
        evaluation = evaluate(DEFAULT, timeline)
        assert json_of.line(evaluation) == orjson.dumps(json_of.evaluation(evaluation))
        checked += 1
    assert checked > 900


# ---- instants as text: the formatter says what isoformat says ---------------------------------
@pytest.mark.parametrize("zone", [*sorted(available_timezones())[::15], "America/Sao_Paulo", "Asia/Kathmandu"])
def test_it_formats_instants_as_isoformat_does(zone: str) -> None:
    tz, rng = ZoneInfo(zone), random.Random(zone)
    iso = IsoFormatter(tz)
    instants = [rng.randrange(-2_300_000_000, 4_200_000_000) * US for _ in range(300)]
    instants += [rng.randrange(-2_300_000_000 * US, 4_200_000_000 * US) for _ in range(100)]
    instants += [t + d for t in _transitions(tz) for d in (-US, -1, 0, 1, US, 3599 * US)]
    for t in instants:
        assert iso(t) == from_us(t, tz).isoformat(), t


def test_it_formats_the_first_and_last_years_as_isoformat_does() -> None:
    for tz in (ZoneInfo("America/Sao_Paulo"), ZoneInfo("Pacific/Kiritimati"), timezone(timedelta(hours=-12)), UTC):
        iso = IsoFormatter(tz)
        for t in (-62_135_596_800 * US, -62_135_596_800 * US + 50_400 * US, 253_402_300_799 * US - 50_400 * US):
            try:
                expected = from_us(t, tz).isoformat()
            except OverflowError:
                with pytest.raises(OverflowError):
                    iso(t)
            else:
                assert iso(t) == expected


def _transitions(tz: ZoneInfo) -> list[int]:
    """The instants (µs) in 1965-2040 where ``tz`` changes its offset: a daily scan, then
    halving down to the second."""
    out, day = [], 86_400 * US
    t = -157_766_400 * US
    before = from_us(t, tz).utcoffset()
    while t < 2_208_988_800 * US:
        after = from_us(t + day, tz).utcoffset()
        if after != before:
            lo, hi = t, t + day
            while hi - lo > US:
                mid = (lo + hi) // 2 // US * US
                if from_us(mid, tz).utcoffset() == before:
                    lo = mid
                else:
                    hi = mid
            out.append(hi)
        t, before = t + day, after
    return out


# ---- instants from text: the parser says what parse_instant says ------------------------------
def _texts(rng: random.Random) -> list[str]:
    """Instants written every way a client might, and texts that are not instants."""
    texts = []
    for _ in range(3000):
        moment = datetime(1, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(315_537_897_600))
        if rng.random() < 0.3:
            moment = FIRST + timedelta(seconds=rng.randrange(3 * 366 * 86400))
        zone = rng.choice([*OFFSETS, timezone(timedelta(hours=14)), timezone(timedelta(seconds=-12_345))])
        try:
            text = (moment + timedelta(microseconds=rng.choice((0, 0, 1, 250_000, 999_999)))).astimezone(zone)
        except OverflowError:
            continue
        texts.append(text.isoformat())
    for text in list(texts[:400]):
        texts += [
            text.replace("+00:00", "Z"),
            text.replace("T", " "),
            text[:16] + text[19:],  # no seconds
            text[:13] + text[19:],  # no minutes
            text[:19],  # no offset
            text[:19] + ".5" + text[19:],
            text[:19] + ",123456789" + text[19:],
            text.replace(":", "", 2),  # basic format
            text[:19] + text[19:].replace(":", ""),  # +0300
            text[:19] + text[19:22],  # +03
            text.replace("T", "t"),
            text + " ",
            text[:17] + "60" + text[19:],  # a leap second
            text[:11] + "24:00:00" + text[19:],
            text[:8] + "32" + text[10:],
        ]
    return texts


def _parsed_or_none(text: str) -> int | None:
    try:
        return parse_instant(text)
    except ValueError:
        return None


def test_it_parses_instants_as_parse_instant_does() -> None:
    parser, rng = IsoParser(), random.Random(3)
    texts = _texts(rng)
    for _ in range(2):  # the second time from the parts it remembered
        for text in texts:
            assert parser(text) == _parsed_or_none(text), text
    # and every mix of remembered parts is a text it reads as parse_instant does
    dates, times, rests = (sorted({t[a:b] for t in texts}) for a, b in ((0, 10), (10, 19), (19, None)))
    for _ in range(20_000):
        text = rng.choice(dates) + rng.choice(times) + rng.choice(rests)
        assert parser(text) == _parsed_or_none(text), text
