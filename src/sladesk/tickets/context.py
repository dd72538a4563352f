"""What every desk page's header needs from the policy in force."""

from __future__ import annotations

from django.http import HttpRequest

from sladesk.policies.service import current_policy


def desk(request: HttpRequest) -> dict[str, str]:
    """``phone_priority``: what a phone call opens (the phone channel's first priority)."""
    phone = current_policy().channels.get("phone")
    return {"phone_priority": phone.priorities[0] if phone is not None and phone.priorities else ""}
