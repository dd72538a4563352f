from __future__ import annotations

from sladesk.oncall import queries
from sladesk.oncall.actions import do_set_oncall
from tests.oncall.conftest import Cast, at


def shift(cast: Cast, user: object, start: str, end: str) -> None:
    do_set_oncall(user=user, starts_at=at(start), ends_at=at(end), actor=cast.sam)  # type: ignore[arg-type]


def test_it_finds_nobody_on_an_empty_rota(cast: Cast) -> None:
    assert queries.on_call_at(at("2027-03-01 09:00")) is None
    assert queries.gaps(at("2027-03-01 00:00"), at("2027-03-02 00:00")) == [
        (at("2027-03-01 00:00"), at("2027-03-02 00:00"))
    ]


def test_it_finds_who_covers_an_instant_start_included_end_excluded(cast: Cast) -> None:
    shift(cast, cast.ana, "2027-03-01 08:00", "2027-03-01 18:00")
    assert queries.on_call_at(at("2027-03-01 07:59")) is None
    assert queries.on_call_at(at("2027-03-01 08:00")) == cast.ana
    assert queries.on_call_at(at("2027-03-01 17:59")) == cast.ana
    assert queries.on_call_at(at("2027-03-01 18:00")) is None


def test_it_picks_the_shift_that_started_last_when_shifts_overlap(cast: Cast) -> None:
    shift(cast, cast.ana, "2027-03-01 08:00", "2027-03-02 08:00")
    shift(cast, cast.sam, "2027-03-01 12:00", "2027-03-01 14:00")
    assert queries.on_call_at(at("2027-03-01 11:00")) == cast.ana
    assert queries.on_call_at(at("2027-03-01 12:00")) == cast.sam
    assert queries.on_call_at(at("2027-03-01 14:00")) == cast.ana


def test_it_lists_the_uncovered_intervals(cast: Cast) -> None:
    shift(cast, cast.ana, "2027-03-01 08:00", "2027-03-01 18:00")
    shift(cast, cast.sam, "2027-03-01 12:00", "2027-03-01 20:00")  # overlaps: one covered stretch
    shift(cast, cast.ana, "2027-03-01 20:00", "2027-03-01 22:00")  # touches: no gap between
    shift(cast, cast.sam, "2027-03-02 06:00", "2027-03-03 06:00")  # runs past the end
    gaps = queries.gaps(at("2027-03-01 00:00"), at("2027-03-02 12:00"))
    assert gaps == [(at("2027-03-01 00:00"), at("2027-03-01 08:00")), (at("2027-03-01 22:00"), at("2027-03-02 06:00"))]


def test_it_sees_no_gap_inside_one_long_shift(cast: Cast) -> None:
    shift(cast, cast.ana, "2027-03-01 00:00", "2027-03-08 00:00")
    assert queries.gaps(at("2027-03-02 00:00"), at("2027-03-03 00:00")) == []
