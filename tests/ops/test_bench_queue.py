"""`bench.queue` stays runnable: a tiny SQLite run measures every filter of the queue."""

from __future__ import annotations

from bench.queue import FILTERS, percentile, run_queue


def test_the_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 201)]
    assert percentile(values, 95) == 190
    assert percentile(values, 50) == 100
    assert percentile([7.0], 95) == 7


def test_a_tiny_sqlite_run_measures_every_filter() -> None:
    (result,) = run_queue(tickets=60, requests=2, databases=["sqlite"])
    assert result.counts["tickets"] >= 60
    assert [f.label.split(" (")[0] for f in result.filters] == [label for label, _ in FILTERS]
    assert all(len(f.times_ms) == 2 and f.queries > 0 for f in result.filters)
    (check,) = result.checks()
    assert "SQLite" in check.text and check.target == 150
