"""The search page and the header's jump to a ticket by its number."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sladesk.staff.access import profile_of
from sladesk.tickets import queue as queue_
from sladesk.tickets import search as search_

# ---- search ----------------------------------------------------------------------------
SEARCH_PAGE = 50


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """The header's box: "#1234" (or "1234") opens that ticket when the user may see it; any other
    text lists the tickets it finds, of every state unless a status is chosen, newest first."""
    profile = profile_of(request.user)
    query = search_.parse(queue_.clean_param(request.GET.get("q", ""), search_.MAX_CHARS))
    before = queue_.parse_id(request.GET.get("before", ""))
    found = search_.jump(profile, query) if before is None else None
    if found is not None:
        return redirect("tickets:detail", code=found.code)
    status = request.GET.get("status", "")
    status = status if status in search_.STATUS_FILTERS else ""
    tickets = search_.find(
        profile, query, statuses=search_.STATUS_FILTERS[status], before=before, limit=SEARCH_PAGE + 1
    )
    context = {
        "query": query,
        "not_found": query.number is not None and before is None,  # same words: absent or another's
        "status": status,
        "statuses": search_.status_choices(),
        "tickets": tickets[:SEARCH_PAGE],
        "next_before": tickets[SEARCH_PAGE - 1].pk if len(tickets) > SEARCH_PAGE else None,
    }
    return render(request, "tickets/search.html", context)
