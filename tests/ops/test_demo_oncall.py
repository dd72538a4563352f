"""The demo puts its agent on call, so a P1 has someone to page from the first run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sladesk.oncall.models import OnCallShift
from sladesk.oncall.queries import on_call_at
from sladesk.ops.demo import load_demo


@pytest.mark.django_db
def test_the_demo_agent_is_on_call_for_two_weeks_and_a_second_load_adds_no_shift() -> None:
    now = timezone.now()
    load_demo(now)
    person = on_call_at(now)
    assert person is not None and person.username == "agent@demo.sladesk"
    assert on_call_at(now + timedelta(days=13)) == person
    load_demo(now + timedelta(hours=1))
    assert OnCallShift.objects.count() == 1
