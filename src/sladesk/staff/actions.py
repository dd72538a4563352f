"""Staff accounts: created and updated only here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from sladesk.directory.models import Partner
from sladesk.staff.models import StaffProfile


class StaffError(ValueError):
    """A staff account that cannot be saved; the message says why."""


def do_save_staff(
    *, email: str, name: str, role: str, partner: str | None = None, password: str | None = None, active: bool = True
) -> tuple[StaffProfile, bool]:
    """Create or update the account of ``email``; returns (profile, created)."""
    email = email.strip().lower()
    _validate(email, name, role, partner, password)
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=email, defaults={"email": email})
        user.email, user.first_name, user.is_active = email, name.strip()[:150], active
        user.is_staff = user.is_superuser = role == StaffProfile.Role.ADMIN
        if password is not None:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        company = _partner(partner) if partner else None
        StaffProfile.objects.update_or_create(user=user, defaults={"role": role, "partner": company})
    return user.staff, created


def _partner(name: str) -> Partner:
    """The partner of this name in any case (``Partner.name_key``, one casefold on every
    database), created when there is none."""
    return Partner.objects.named(name).first() or Partner.objects.create(name=name.strip())


def _validate(email: str, name: str, role: str, partner: str | None, password: str | None) -> None:
    try:
        validate_email(email)
    except ValidationError:
        raise StaffError(f"{email!r} is not a valid email address") from None
    if not name.strip():
        raise StaffError("--name is required")
    if role not in StaffProfile.Role.values:
        raise StaffError(f"role {role!r} is not one of {', '.join(StaffProfile.Role.values)}")
    if role == StaffProfile.Role.PARTNER_AGENT and not (partner or "").strip():
        raise StaffError("a partner_agent needs --partner NAME (the partner company it works for)")
    if role != StaffProfile.Role.PARTNER_AGENT and partner:
        raise StaffError(f"--partner is only for partner_agent; a {role} sees every customer")
    if password is not None:
        if not password:
            raise StaffError("the password read from standard input is empty")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise StaffError("password refused: " + " ".join(exc.messages)) from None


def staff_rows() -> list[dict[str, Any]]:
    profiles = StaffProfile.objects.select_related("user", "partner").order_by("user__email")
    return [
        {
            "email": p.user.email,
            "name": p.user.first_name,
            "role": p.role,
            "partner": p.partner.name if p.partner else None,
            "active": p.user.is_active,
        }
        for p in profiles
    ]
