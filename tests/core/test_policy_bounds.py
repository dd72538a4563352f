"""Every number of a policy has bounds, named in the problem; no policy file, however
strange, gets past `policy check` and then breaks the engine or the worker."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.core.instants import to_us
from sladesk.core.policy import Policy, PolicyError, default_policy_text, load_policy_file, parse_policy
from sladesk.core.sla import Timeline, evaluate

TEXT = default_policy_text()
RESOLUTION_P2 = 'targets.P2 = { business_days = 2, calendar = "porto-alegre" }'
REPLY_P1 = 'targets.P1 = { hours = 2, calendar = "porto-alegre" }'


def problems(replace: dict[str, str] | None = None, extra: str = "") -> str:
    text = TEXT
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new, 1)
    with pytest.raises(PolicyError) as caught:
        parse_policy(text + extra, "p.toml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (REPLY_P1, REPLY_P1.replace("= 2", "= 99999999999999999999"), "hours = 99999999999999999999: expected a number"
         " of hours more than 0 and at most 8760 (a year)"),
        (REPLY_P1, REPLY_P1.replace("= 2", "= inf"), "reply.targets.P1.hours = inf: expected a number of hours"),
        (REPLY_P1, REPLY_P1.replace("= 2", "= nan"), "reply.targets.P1.hours = nan: expected a number of hours"),
        (REPLY_P1, REPLY_P1.replace("= 2", "= 1e308"), "hours = 1e+308: expected a number of hours more than 0"),
        (REPLY_P1, REPLY_P1.replace("= 2", "= 0"), "hours = 0: expected a number of hours more than 0"),
        (REPLY_P1, REPLY_P1.replace("= 2", "= -inf"), "hours = -inf: expected"),
        (RESOLUTION_P2, RESOLUTION_P2.replace("= 2", "= 366"), "metrics.resolution.targets.P2.business_days = 366: "
         "expected a number of business days more than 0 and at most 365"),
        (RESOLUTION_P2, RESOLUTION_P2.replace("= 2", "= 1e308"), "business_days = 1e+308: expected"),
        ("close_after_days = 7", "close_after_days = 99999999999", "lifecycle.close_after_days = 99999999999: "
         "expected a number of days from 0 to 3650 (ten years)"),
        ("reopen_window_days = 7", "reopen_window_days = -1", "lifecycle.reopen_window_days = -1: expected a number"
         " of days from 0 to 3650"),
        ("reopen_window_days = 7", "reopen_window_days = nan", "lifecycle.reopen_window_days = nan: expected"),
        ("day_hours = 9", "day_hours = 25", "calendars.porto-alegre.day_hours = 25: expected a number of hours from"
         " 0.5 to 24"),
        ("day_hours = 9", "day_hours = 0.1", "calendars.porto-alegre.day_hours = 0.1: expected"),
        ("day_hours = 24", "day_hours = inf", "calendars.24x7.day_hours = inf: expected"),
        ("confirm_after_failures = 3", "confirm_after_failures = 10000000000000000000000",
         "availability.confirm_after_failures = 10000000000000000000000: expected a whole number from 1 to 1000"),
        ("recover_after_successes = 2", "recover_after_successes = 2.5", "recover_after_successes = 2.5: expected a"
         " whole number"),
        ("partial_weight = 0.3", "partial_weight = nan", "availability.partial_weight = nan: expected a number from 0"
         " to 1"),
        ("easter_offset = 60", "easter_offset = 1e308", "easter_offset = 1e+308: expected a whole number of days"
         " after Easter Sunday from -366 to 366"),
        ("month = 2, day = 2", "month = 99999999999999999999, day = 2", "'month': 99999999999999999999, 'day'...:"
         " expected a holiday with month (1 to 12) and day (1 to 31)"),
        ("month = 2, day = 2", "month = true, day = 2", "a holiday with month (1 to 12) and day (1 to 31)"),
    ],
)  # fmt: skip
def test_it_names_the_bounds_of_every_number(old: str, new: str, problem: str) -> None:
    assert problem in problems({old: new})


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('categories = ["public"]', "categories = [1]", "holidays.categories = [1]: expected a list of holiday"),
        ('categories = ["public"]', 'categories = ["nope"]', "holidays.categories = ['nope']: expected categories the"
         " holidays library knows (Category is not supported: nope.)"),
        ('{ name = "Corpus Christi", easter_offset = 60 }', '{ name = "C", date = 2027-03-05T10:00:00 }',
         "additions[1].date = datetime.datetime(2027, 3, 5, 10, 0): expected a date YYYY-MM-DD"),
        ('timezone = "America/Sao_Paulo"  #', 'timezone = "Nowhere/X"  #', "availability.timezone = 'Nowhere/X'"),
        ('components = ["oto-app", "oto-web", "context"]', "components = [1, [2]]", "availability.components = [1,"
         " [2]]: expected a list of component names"),
    ],
)  # fmt: skip
def test_it_refuses_what_the_holidays_library_or_the_desk_could_not_use(old: str, new: str, problem: str) -> None:
    assert problem in problems({old: new})


def test_it_refuses_true_where_a_number_is_expected() -> None:
    assert "close_after_days = True: expected a number of days" in problems(
        {"close_after_days = 7": "close_after_days = true"}
    )


def test_it_accepts_the_bounds_themselves() -> None:
    text = TEXT.replace(REPLY_P1, REPLY_P1.replace("= 2", "= 8760")).replace(
        "close_after_days = 7", "close_after_days = 0"
    )
    text = text.replace(RESOLUTION_P2, RESOLUTION_P2.replace("= 2", "= 365")).replace("day_hours = 9", "day_hours = 24")
    policy = parse_policy(text)
    assert policy.metrics["reply"].targets["P1"].hours == 8760
    assert policy.lifecycle.close_after_days == 0


@pytest.mark.parametrize("depth", [50, 400, 5000, 100_000])
def test_it_says_when_toml_is_nested_too_deep(tmp_path, depth: int) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "deep.toml"
    path.write_text(f'version = "1"\nx = {"[" * depth}1{"]" * depth}\n')
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: invalid policy")
    assert len(message) < 2000  # the value is quoted cut short, never whole


def test_it_refuses_a_file_far_too_large_to_be_a_policy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.toml"
    path.write_text(TEXT + "#" * 2_000_000)
    with pytest.raises(PolicyError, match="larger than 1,000,000 bytes"):
        load_policy_file(path)


def test_it_cuts_a_long_bad_value_short() -> None:
    message = problems({'version = "2026.1"': f"version = {list(range(10_000))}"})
    assert "version = [0, 1, 2, 3" in message
    assert "9999" not in message


# ---- any value anywhere ----------------------------------------------------------------
# Lines of the default policy that assign one value (`key = value`), and TOML values to put
# there: numbers at and beyond every bound, strings, booleans, dates, lists and tables.
ASSIGNMENTS = [
    i
    for i, line in enumerate(TEXT.splitlines())
    if re.match(r"^[\w.\"-]+ = ", line) and not line.rstrip().endswith(("[", '"""'))
]
NUMBERS = [m.span() for m in re.finditer(r"(?<== )-?\d+(\.\d+)?\b", TEXT)]

scalars = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["inf", "-inf", "nan", "1e308", "-1e308", "0", "0.0", "1", "24", "8760", "8760.000001", "365"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr).filter(lambda x: "e" in x or "." in x),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.sampled_from(["1979-05-27", "9999-12-31", "0001-01-01", "1979-05-27T07:32:00Z", '""', '"x"', '"P1"']),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: f"[{', '.join(xs)}]"),
        st.lists(inner, max_size=3).map(lambda xs: "{" + ", ".join(f"k{i} = {x}" for i, x in enumerate(xs)) + "}"),
    ),
    max_leaves=6,
)


def use(policy: Policy) -> None:
    """What the desk does with a policy: build every calendar, run a timeline on every metric."""
    start = datetime(2027, 3, 5, 16, tzinfo=UTC)
    for name in policy.calendars:
        calendar = policy.calendar(name)
        calendar.add_us(to_us(start), 3600 * 10**6)
    for priority in policy.priorities:
        for channel in policy.channels:
            timeline = Timeline(to_us(start), channel, priority, (), to_us(start + timedelta(days=30)))
            evaluate(policy, timeline)
    timedelta(days=policy.lifecycle.close_after_days)
    timedelta(days=policy.lifecycle.reopen_window_days)


def policy_or_problem(text: str) -> None:
    try:
        policy = parse_policy(text, "p.toml")
    except PolicyError as exc:
        assert exc.problems
        return
    use(policy)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=st.sampled_from(ASSIGNMENTS), value=values)
def test_any_value_of_any_key_is_a_policy_or_a_named_problem(line: int, value: str) -> None:
    lines = TEXT.splitlines()
    key = lines[line].split(" = ", 1)[0]
    lines[line] = f"{key} = {value}"
    policy_or_problem("\n".join(lines))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(span=st.sampled_from(NUMBERS), value=values)
def test_any_value_in_place_of_any_number_is_a_policy_or_a_named_problem(span: tuple[int, int], value: str) -> None:
    policy_or_problem(TEXT[: span[0]] + value + TEXT[span[1] :])
