"""``make bench`` stays runnable: every benchmark on a tiny input, its checks still true."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bench.actions import DatabaseResult, Desk, Run
from bench.bulk import run_bulk
from bench.deadlines import run_deadlines, run_elapsed
from bench.ingest import run_ingest
from bench.replay import run_replay


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


def test_the_actions_benchmark_counts_failures_and_shows_what_the_desk_printed(tmp_path: Path) -> None:
    # The run itself starts a real desk (tens of seconds); here only what it makes of the figures and the log.
    log = tmp_path / "up.log"
    log.write_text(
        '127.0.0.1 - - [x] "POST /t/abc/note/ HTTP/1.1" 302 0 "-" "Python-urllib/3.11"\n'
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n'
        "sqlite3.OperationalError: database is locked\n"
        "\n"
        "The above exception was the direct cause of the following exception:\n"
        "\n"
        "Traceback (most recent call last):\n"
        '  File "y.py", line 2, in g\n'
        "django.db.utils.OperationalError: database is locked\n"
        '127.0.0.1 - - [x] "POST /t/abc/reply/ HTTP/1.1" 500 0 "-" "Python-urllib/3.11"\n'
    )
    desk = Desk({}, log)
    desk.stopped_at = log.stat().st_size  # what the desk says once asked to stop is expected
    with log.open("a") as out:
        out.write("sladesk: SIGTERM received; stopping the desk\n")
    problems = desk.problems()
    assert [block[-1] for block in problems] == [
        "django.db.utils.OperationalError: database is locked",
        '127.0.0.1 - - [x] "POST /t/abc/reply/ HTTP/1.1" 500 0 "-" "Python-urllib/3.11"',
    ]
    one = Run(1, seconds=2.0, actions=10, post_ms=[50.0] * 10, page_ms=[60.0] * 10, per_client=[10])
    eight = Run(
        8, 2.0, 40, [100.0] * 39 + [900.0], [80.0] * 40, [100.0] * 10, [5] * 8, ["POST /t/abc/reply/: HTTP 500"]
    )
    result = DatabaseResult("SQLite", 8, 40, baseline=one, load=eight, server_log=problems)
    failures, p95 = result.checks()
    assert not failures.passed and failures.value == 1
    assert p95.passed and p95.value == 100
    report = "\n".join(result.report())
    assert "4.00x the actions/s" in report and "database is locked" in report


def test_the_ingest_benchmark_gives_each_email_the_outcome_the_corpus_expects() -> None:
    # sladesk on SQLite only: django-helpdesk's migrations alone take longer than this whole test.
    corpus, sqlite = run_ingest(n=40, databases=("sqlite",), peer=False)
    assert corpus.n == sqlite.n == 40 and sum(corpus.kinds.values()) == 40
    assert sqlite.outcomes.get("ticket_created", 0) > 0 and not sqlite.differences(), sqlite.report()
    assert sqlite.checks() == []  # no peer measured: no ratio, no target
    (check,) = dataclasses.replace(sqlite, peer_rate=sqlite.rate / 6).checks()
    assert check.passed and "6.0x" in check.text
