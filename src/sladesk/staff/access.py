"""Who may see and act on what. Views and commands ask here, never decide alone."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from sladesk.directory.models import Customer
from sladesk.staff.models import StaffProfile

AnyUser = AbstractBaseUser | AnonymousUser


def profile_of(user: AnyUser) -> StaffProfile:
    """The staff profile of an active staff user, else PermissionDenied."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("not logged in")
    try:
        profile: StaffProfile = user.staff  # type: ignore[union-attr,attr-defined,unused-ignore]
    except (StaffProfile.DoesNotExist, AttributeError):
        raise PermissionDenied("not a member of the support staff") from None
    return profile


def customer_filter(profile: StaffProfile, prefix: str = "") -> Q:
    """A filter limiting rows to the customers this staff member may see."""
    if profile.sees_every_customer:
        return Q()
    return Q(**{f"{prefix}contract__partner_id": profile.partner_id})


def visible_customers(profile: StaffProfile) -> QuerySet[Customer]:
    return Customer.objects.filter(customer_filter(profile))


def may_see_customer(profile: StaffProfile, customer: Customer) -> bool:
    return profile.sees_every_customer or visible_customers(profile).filter(pk=customer.pk).exists()
