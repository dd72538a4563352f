from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from sladesk.oncall.actions import OnCallError, do_remove_oncall, do_set_oncall
from sladesk.oncall.models import OnCallEvent, OnCallShift
from sladesk.staff.actions import do_save_staff
from tests.oncall.conftest import Cast, at

START, END = at("2027-03-01 08:00"), at("2027-03-01 18:00")


def test_it_sets_a_shift_with_its_audit(cast: Cast) -> None:
    shift, created = do_set_oncall(user=cast.ana, starts_at=START, ends_at=END, actor=cast.sam, now=START)
    assert created and (shift.user, shift.created_by, shift.created_at) == (cast.ana, cast.sam, START)
    event = OnCallEvent.objects.get()
    assert (event.action, event.shift_id, event.user_email, event.actor_label) == (
        "set",
        shift.pk,
        "ana@vendor.example",
        "sam@vendor.example",
    )
    assert (event.starts_at, event.ends_at) == (START, END)


def test_it_keeps_one_shift_when_the_same_is_set_twice(cast: Cast) -> None:
    first, _ = do_set_oncall(user=cast.ana, starts_at=START, ends_at=END, actor=None)
    again, created = do_set_oncall(user=cast.ana, starts_at=START, ends_at=END, actor=None)
    assert (again, created) == (first, False)
    assert OnCallShift.objects.count() == 1 and OnCallEvent.objects.count() == 1


def test_it_records_the_shell_as_the_actor_without_one(cast: Cast) -> None:
    do_set_oncall(user=cast.ana, starts_at=START, ends_at=END, actor=None)
    assert OnCallEvent.objects.get().actor_label.startswith("shell")


def test_it_removes_a_shift_keeping_its_values_in_the_audit(cast: Cast) -> None:
    shift, _ = do_set_oncall(user=cast.ana, starts_at=START, ends_at=END, actor=cast.sam)
    do_remove_oncall(shift, actor=cast.sam)
    assert not OnCallShift.objects.exists()
    removed = OnCallEvent.objects.get(action="removed")
    assert (removed.shift_id, removed.user_email, removed.starts_at, removed.ends_at) == (
        shift.pk,
        "ana@vendor.example",
        START,
        END,
    )
    with pytest.raises(OnCallError) as refused:
        do_remove_oncall(shift, actor=cast.sam)
    assert refused.value.code == "not_found"


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (END, START, "ends_before_start"),
        (START, START, "ends_before_start"),
        (START, at("2027-07-01 08:00"), "too_long"),
        (at("1999-12-31 08:00"), at("1999-12-31 18:00"), "too_early"),
        (START.replace(tzinfo=None), END.replace(tzinfo=None), "naive"),
    ],
)
def test_it_refuses_a_bad_span(cast: Cast, start: object, end: object, code: str) -> None:
    with pytest.raises(OnCallError) as refused:
        do_set_oncall(user=cast.ana, starts_at=start, ends_at=end, actor=cast.sam)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert not OnCallShift.objects.exists() and not OnCallEvent.objects.exists()


def test_it_refuses_a_partners_agent_an_inactive_account_and_someone_not_staff(cast: Cast) -> None:
    with pytest.raises(OnCallError, match="partner") as refused:
        do_set_oncall(user=cast.pedro, starts_at=START, ends_at=END, actor=cast.sam)
    assert refused.value.code == "partner_agent"
    gone, _ = do_save_staff(email="gone@vendor.example", name="Gone", role="agent", active=False)
    with pytest.raises(OnCallError, match="inactive"):
        do_set_oncall(user=gone.user, starts_at=START, ends_at=END, actor=cast.sam)
    gone.delete()
    with pytest.raises(OnCallError, match="not a member"):
        do_set_oncall(user=gone.user, starts_at=START, ends_at=END, actor=cast.sam)


def test_only_supervisors_change_the_rota(cast: Cast) -> None:
    for actor in (cast.ana, cast.pedro):
        with pytest.raises(OnCallError) as refused:
            do_set_oncall(user=cast.ana, starts_at=START, ends_at=END, actor=actor)
        assert refused.value.code == "forbidden"
    shift, _ = do_set_oncall(user=cast.ana, starts_at=START, ends_at=END, actor=cast.sam)
    with pytest.raises(OnCallError):
        do_remove_oncall(shift, actor=cast.ana)
    assert OnCallShift.objects.count() == 1


def test_the_database_refuses_a_shift_that_ends_before_it_starts(cast: Cast) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        OnCallShift.objects.create(user=cast.ana, starts_at=END, ends_at=START, created_at=START)
