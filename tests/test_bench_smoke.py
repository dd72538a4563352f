"""``make bench`` stays runnable: every benchmark on a tiny input, its checks still true."""

from __future__ import annotations

import bench
from bench.bulk import run_bulk
from bench.deadlines import run_deadlines, run_elapsed
from bench.replay import run_replay


def test_it_imports_the_bench_package() -> None:
    assert bench.__doc__


def test_the_three_calendars_agree_on_a_tiny_sample_of_deadlines() -> None:
    result = run_deadlines(n=60, repeats=1, pandas_repeats=1)
    assert result.agree_bizcal == 60
    assert result.agree_pandas_convention == 60  # pandas only differs by its closing-time convention
    assert result.agree_all == 60, result.examples
    assert result.us_sladesk > 0 and len(result.checks()) == 2


def test_sladesk_and_bizcal_agree_on_a_tiny_sample_of_elapsed_times() -> None:
    result = run_elapsed(n=60, repeats=1)
    assert result.agree == 60
    assert result.us_sladesk > 0 and len(result.report()) == 3


def test_the_bulk_recompute_matches_single_calls() -> None:
    result = run_bulk(n=5000, repeats=1, build_repeats=1, checked=300)
    assert result.agree == result.checked == 300
    assert result.build_s > 0 and result.recompute_s > 0


def test_the_replay_command_answers_every_timeline() -> None:
    result = run_replay(n=40, repeats=1, empty_repeats=1)
    assert result.returncode == 0, result.stderr
    assert result.lines_out == 40
