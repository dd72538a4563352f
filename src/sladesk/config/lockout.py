"""The login lockout, also per address: password spraying (one address trying a few
passwords on many usernames) is stopped too, not only guessing one account's password.

django-axes compares every lockout parameter with one limit. A username from an address is
locked after ``AXES_FAILURE_LIMIT`` failures (5); an address, whatever the usernames, after
``LOGIN_IP_FAILURE_LIMIT`` failures (20) within the cool-off time: an office behind one
address where a few people mistype is not locked out together, a spray is. A success resets
only its own username's failures (logging in to one's own account does not reset a spray).

Settings (``config/settings.py``)::

    AXES_HANDLER = "sladesk.config.lockout.SprayLockoutHandler"
    LOGIN_IP_FAILURE_LIMIT = env.integer("SLADESK_LOGIN_IP_FAILURE_LIMIT", 20, 1, 10_000)
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

DEFAULT_IP_FAILURE_LIMIT = 20


def ip_failure_limit() -> int:
    return int(getattr(settings, "LOGIN_IP_FAILURE_LIMIT", DEFAULT_IP_FAILURE_LIMIT))


def failures_from_address(request: HttpRequest) -> int:
    """Failed logins from the request's address within the cool-off time, whatever the username."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


class SprayLockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes has no types
    """Axes' database handler; an address past its own limit counts as locked for every username."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        own = int(super().get_failures(request, credentials))
        if failures_from_address(request) >= ip_failure_limit():
            return max(own, int(get_failure_limit(request, credentials)))
        return own
