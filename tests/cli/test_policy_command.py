"""`sladesk policy show` and `sladesk policy check` as an operator calls them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sladesk.core.policy import default_policy_text
from tests.conftest import run_sladesk


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_shows_the_default_policy() -> None:
    result = run_sladesk("policy", "show", env={"SLADESK_POLICY": ""})
    assert result.returncode == 0
    assert result.stdout.decode() == default_policy_text()


def test_it_shows_the_policy_named_by_the_environment(tmp_path: Path) -> None:
    text = default_policy_text().replace('version = "2026.1"', 'version = "2027.9"')
    path = write(tmp_path, text)
    result = run_sladesk("policy", "show", env={"SLADESK_POLICY": str(path)})
    assert result.returncode == 0
    assert 'version = "2027.9"' in result.stdout.decode()


def test_it_accepts_the_default_policy(tmp_path: Path) -> None:
    result = run_sladesk("policy", "check", str(write(tmp_path, default_policy_text())))
    assert result.returncode == 0, result.stderr
    assert "valid policy, version 2026.1" in result.stdout.decode()


def test_it_names_key_value_and_expectation_of_a_bad_target(tmp_path: Path) -> None:
    text = default_policy_text().replace(
        'targets.P2 = { hours = 2, calendar = "porto-alegre" }\ntargets.P3 = { hours = 2',
        'targets.P2 = { hours = -2, calendar = "porto-alegre" }\ntargets.P3 = { hours = 2',
    )
    result = run_sladesk("policy", "check", str(write(tmp_path, text)))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "metrics.reply.targets.P2.hours = -2: expected a number of hours more than 0 and at most 8760" in err


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("hours = 4,", "hours = 99999999999999999999,", "metrics.resolution.targets.P1.hours = 99999999999999999999: "
         "expected a number of hours more than 0 and at most 8760 (a year)"),
        ("hours = 4,", "hours = inf,", "metrics.resolution.targets.P1.hours = inf: expected a number of hours"),
        ("hours = 4,", "hours = 1e308,", "metrics.resolution.targets.P1.hours = 1e+308: expected a number of hours"),
        ("business_days = 4,", "business_days = 1e308,", "metrics.resolution.targets.P3.business_days = 1e+308: "
         "expected a number of business days more than 0 and at most 365"),
        ("close_after_days = 7", "close_after_days = 99999999999", "lifecycle.close_after_days = 99999999999: "
         "expected a number of days from 0 to 3650 (ten years)"),
        ("day_hours = 9 ", "day_hours = nan ", "calendars.porto-alegre.day_hours = nan: expected a number of hours "
         "from 0.5 to 24"),
    ],
)  # fmt: skip
def test_it_names_the_bounds_of_a_number_out_of_them(tmp_path: Path, old: str, new: str, problem: str) -> None:
    text = default_policy_text()
    assert old in text
    result = run_sladesk("policy", "check", str(write(tmp_path, text.replace(old, new, 1))))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert problem in err
    assert "Traceback" not in err


def test_it_says_a_file_nested_too_deep_is_not_a_policy(tmp_path: Path) -> None:
    path = write(tmp_path, f'version = "1"\nx = {"[" * 100_000}{"]" * 100_000}\n')
    result = run_sladesk("policy", "check", str(path))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert f"{path}: invalid policy" in err
    assert "not valid TOML" in err
    assert "Traceback" not in err


def test_it_reports_toml_syntax_errors_with_their_line(tmp_path: Path) -> None:
    result = run_sladesk("policy", "check", str(write(tmp_path, 'version = "1"\n[calendars\n')))
    assert result.returncode == 1
    assert "not valid TOML" in result.stderr.decode()
    assert "line 2" in result.stderr.decode()


def test_it_reports_a_missing_file() -> None:
    result = run_sladesk("policy", "check", "/nonexistent/policy.toml")
    assert result.returncode == 1
    assert "cannot read the file" in result.stderr.decode()


def test_it_refuses_to_show_an_invalid_policy_in_force(tmp_path: Path) -> None:
    path = write(tmp_path, default_policy_text().replace('default_priority = "P2"', 'default_priority = "P9"'))
    result = run_sladesk("policy", "show", env={"SLADESK_POLICY": str(path)})
    assert result.returncode == 1
    assert "default_priority = 'P9': expected one of the priorities (P1, P2, P3)" in result.stderr.decode()
