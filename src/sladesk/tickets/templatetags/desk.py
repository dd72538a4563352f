"""Template helpers of the desk: instants in the desk's zone and language, badges, the policy's labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import pgettext

from sladesk.core.policy.model import Labelled
from sladesk.tickets.presenters import Badge, format_when, policy_label

register = template.Library()


@register.filter
def when(moment: datetime | None) -> str:
    """An instant in America/Sao_Paulo (the current time zone), e.g. "Qua 03/03/2027 16:00"."""
    return "" if moment is None else format_when(moment)


@register.filter
def when_short(moment: datetime | None) -> str:
    """The same without the year, for the queue's dense cells."""
    return "" if moment is None else format_when(moment, short=True)


@register.filter
def label(item: Labelled) -> str:
    """A label of the policy (priority, metric, channel...) in the page's language: ``{{ priority|label }}``."""
    return policy_label(item)


@register.filter
def iso(moment: datetime | None) -> str:
    return "" if moment is None else timezone.localtime(moment).isoformat()


@register.simple_tag
def sla_badge(badge: Badge, show_due: bool = True) -> str:
    """A metric's badge: symbol and state in words, time left, and (in the queue) the due instant.

    Built in Python rather than with a template: the queue shows up to 150 of them."""
    title = f"{badge.label}: {badge.status}" + (f", {badge.detail}" if badge.detail else "")
    if badge.due is not None:
        title += f" · {pgettext('SLA', 'prazo')} {when(badge.due)}"
    html: str = format_html(
        '<span class="badge tone-{}" title="{}"><span class="sym" aria-hidden="true">{}</span> {}</span>',
        badge.tone, title, badge.symbol, badge.status,
    )  # fmt: skip
    if badge.detail:
        html += format_html('<span class="left">{}</span>', badge.detail)
    if show_due and badge.due is not None:
        html += format_html('<span class="due">{}</span>', when_short(badge.due))
    return html


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters changed (empty value: removed)."""
    params = context["request"].GET.copy()
    params.pop("partial", None)
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    return str(params.urlencode())
