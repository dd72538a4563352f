"""A partner agent's company is found by its name in any case: one casefold on every database."""

from __future__ import annotations

import pytest

from sladesk.directory.models import Partner
from sladesk.staff.actions import do_save_staff


@pytest.mark.django_db
def test_a_partner_named_in_another_case_is_the_same_partner() -> None:
    company = Partner.objects.create(name="[DEMO] Parceira Serviços")
    profile, _ = do_save_staff(
        email="p@parceira.example", name="P", role="partner_agent", partner="[DEMO] PARCEIRA SERVIÇOS"
    )
    assert profile.partner == company and Partner.objects.count() == 1
    other, _ = do_save_staff(email="q@nova.example", name="Q", role="partner_agent", partner="Nova Parceira")
    assert other.partner is not None and other.partner.name == "Nova Parceira" and Partner.objects.count() == 2
