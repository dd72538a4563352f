"""``staff.access``: who may see and act on which customers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

from sladesk.staff.access import may_see_customer, profile_of, visible_customers
from tests.tickets.conftest import Cast


def test_vendor_staff_see_every_customer_and_a_partner_agent_only_its_partner_s(cast: Cast) -> None:
    for vendor in (cast.sam, cast.ana):
        assert set(visible_customers(profile_of(vendor))) == {cast.acme, cast.beta}
    pedro, otto = profile_of(cast.pedro), profile_of(cast.otto)
    assert list(visible_customers(pedro)) == [cast.beta]  # Lojas Beta is served by Parceiros Sul
    assert (may_see_customer(pedro, cast.beta), may_see_customer(pedro, cast.acme)) == (True, False)
    assert list(visible_customers(otto)) == []  # Parceiros Norte serves nobody here


def test_who_is_not_active_staff_has_no_profile(cast: Cast) -> None:
    walter = User.objects.create_user("walter@vendor.example")  # logs in, but is not support staff
    cast.ana.is_active = False
    cast.ana.save()
    for user in (AnonymousUser(), walter, cast.ana):
        with pytest.raises(PermissionDenied):
            profile_of(user)
