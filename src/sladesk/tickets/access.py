"""Which tickets a staff member may open: the ticket, or 404 (never a hint that it exists)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from sladesk.staff.access import profile_of
from sladesk.tickets.models import Ticket
from sladesk.tickets.queries import visible_to


def get_ticket_for_staff(request: HttpRequest, code: str) -> Ticket:
    """The ticket with this opaque code if the user may see its customer, else Http404.

    A user without a staff profile gets PermissionDenied (403) from ``profile_of``.
    """
    qs = visible_to(profile_of(request.user)).select_related(
        "customer__contract__partner", "requester", "affected_person", "affected_store", "assignee",
        "policy_version", "related_to",
    )  # fmt: skip
    return get_object_or_404(qs, code=code)


def user_of(request: HttpRequest) -> User:
    """The logged-in user (every desk view is behind ``login_required``)."""
    assert isinstance(request.user, User)
    return request.user
