"""``{% on_call_now %}``: the line saying who is on call now, for the queue and phone pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from sladesk.oncall import queries
from sladesk.oncall.access import may_edit_rota, may_see_rota

register = template.Library()


@register.inclusion_tag("oncall/_now.html", takes_context=True)
def on_call_now(context: Any) -> dict[str, Any]:
    """Who is on call now and until when (one indexed query). Everyone on the desk sees the
    name; the vendor's staff get a link to the rota, supervisors a warning when nobody is."""
    request = context.get("request")
    profile = getattr(getattr(request, "user", None), "staff", None)
    shift = queries.shift_at(timezone.now())
    return {
        "shift": shift,
        "name": queries.person_name(shift.user) if shift else "",
        "rota_link": profile is not None and may_see_rota(profile),
        "lead": profile is not None and may_edit_rota(profile),
    }
