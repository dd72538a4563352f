"""The header's count of the agent's unread notifications (one indexed count per page)."""

from __future__ import annotations

from django.http import HttpRequest

from sladesk.notifications.queries import unread_count


def unread(request: HttpRequest) -> dict[str, int]:
    return {"unread_notifications": unread_count(getattr(request, "user", None))}
