"""``do_save_staff``: staff accounts are created and updated only there, and refused with a reason."""

from __future__ import annotations

import pytest

from sladesk.staff.actions import StaffError, do_save_staff, staff_rows


@pytest.mark.django_db
def test_it_creates_then_updates_an_account_by_its_email_in_any_case() -> None:
    profile, created = do_save_staff(email="Rita@Vendor.example", name="Rita", role="agent")
    assert created and profile.user.username == "rita@vendor.example"
    assert not profile.user.has_usable_password()  # no password given: no way in until one is set
    again, created = do_save_staff(
        email="rita@vendor.example", name="Rita Reis", role="supervisor", password="uma-senha-longa-99"
    )
    assert not created and again.pk == profile.pk
    assert (again.role, again.user.first_name, again.user.check_password("uma-senha-longa-99")) == (
        "supervisor",
        "Rita Reis",
        True,
    )


@pytest.mark.django_db
def test_only_an_admin_reaches_the_django_admin() -> None:
    admin, _ = do_save_staff(email="root@vendor.example", name="Root", role="admin")
    agent, _ = do_save_staff(email="ana@vendor.example", name="Ana", role="agent")
    assert (admin.user.is_staff, admin.user.is_superuser) == (True, True)
    assert (agent.user.is_staff, agent.user.is_superuser) == (False, False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "not-an-email", "name": "X", "role": "agent"}, "is not a valid email address"),
        ({"email": "x@v.example", "name": " ", "role": "agent"}, "--name is required"),
        ({"email": "x@v.example", "name": "X", "role": "chief"}, "role 'chief' is not one of"),
        ({"email": "x@v.example", "name": "X", "role": "partner_agent"}, "needs --partner"),
        ({"email": "x@v.example", "name": "X", "role": "agent", "partner": "Sul"}, "only for partner_agent"),
        ({"email": "x@v.example", "name": "X", "role": "agent", "password": ""}, "is empty"),
        ({"email": "x@v.example", "name": "X", "role": "agent", "password": "123"}, "password refused"),
    ],
)
def test_it_refuses_what_cannot_be_an_account_and_says_why(values: dict[str, str], message: str) -> None:
    with pytest.raises(StaffError, match=message):
        do_save_staff(**values)  # type: ignore[arg-type]
    assert staff_rows() == []


@pytest.mark.django_db
def test_a_partner_agent_belongs_to_its_partner_company() -> None:
    do_save_staff(email="pedro@sul.example", name="Pedro", role="partner_agent", partner="Parceiros Sul")
    assert staff_rows() == [
        {
            "email": "pedro@sul.example",
            "name": "Pedro",
            "role": "partner_agent",
            "partner": "Parceiros Sul",
            "active": True,
        }
    ]
