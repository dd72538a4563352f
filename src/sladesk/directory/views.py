"""The directory, read-only: customers, their contracts, stores and people.

Edits go through the CSV import or the Django admin. A partner's agent sees only
the customers of their partner; anything else is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sladesk.directory.entitlement import check_person
from sladesk.directory.models import Person, Store
from sladesk.staff.access import customer_filter, profile_of, visible_customers
from sladesk.tickets.models import OPEN_STATUSES
from sladesk.tickets.queries import visible_tickets_of_person, visible_tickets_of_store, visible_to

PAGE_SIZE = 100
EXTRAS = {"csm": _("período com CSM"), "partner_hours": _("horas de parceiro"), "training": _("treinamento")}


def _search(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:100]


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Page[Any]:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def customers(request: HttpRequest) -> HttpResponse:
    qs = visible_customers(profile_of(request.user)).select_related("contract__partner")
    q = _search(request)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    qs = qs.annotate(
        seats_held=Count("people", filter=Q(people__support_seat=True, people__is_active=True), distinct=True),
        store_count=Count("stores", distinct=True),
    ).order_by("name")
    return render(request, "directory/customers.html", {"page": _page(request, qs), "q": q})


@login_required
def customer(request: HttpRequest, code: str) -> HttpResponse:
    profile = profile_of(request.user)
    qs = visible_customers(profile).select_related("contract__partner")
    c = get_object_or_404(qs, code=code)
    people = list(c.people.select_related("store").order_by("name"))
    by_role = [(label, [p for p in people if p.role == role]) for role, label in reversed(Person.Role.choices)]
    contract = getattr(c, "contract", None)
    context = {
        "customer": c,
        "contract": contract,
        "extras": [str(EXTRAS[name]) for name in sorted(contract.extras)] if contract else [],
        "seat_holders": [p for p in people if p.support_seat],
        "stores": c.stores.annotate(people_count=Count("people")).order_by("name"),
        "by_role": by_role,
        "open_tickets": visible_to(profile_of(request.user))
        .filter(customer=c, status__in=OPEN_STATUSES)
        .order_by("next_due_at", "pk")[:20],
    }
    return render(request, "directory/customer.html", context)


def _stores(request: HttpRequest) -> QuerySet[Store]:
    return Store.objects.filter(customer_filter(profile_of(request.user), "customer__")).select_related("customer")


@login_required
def stores(request: HttpRequest) -> HttpResponse:
    qs = _stores(request)
    q = _search(request)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(customer__name__icontains=q))
    qs = qs.annotate(people_count=Count("people")).order_by("customer__name", "name")
    return render(request, "directory/stores.html", {"page": _page(request, qs), "q": q})


@login_required
def store(request: HttpRequest, pk: int) -> HttpResponse:
    s = get_object_or_404(_stores(request), pk=pk)
    people = s.people.order_by("role", "name")
    tickets = visible_tickets_of_store(profile_of(request.user), s).order_by("-received_at")[:20]
    return render(request, "directory/store.html", {"store": s, "people": people, "tickets": tickets})


def _people(request: HttpRequest) -> QuerySet[Person]:
    visible = customer_filter(profile_of(request.user), "customer__")
    return Person.objects.filter(visible).select_related("customer", "store")


@login_required
def people(request: HttpRequest) -> HttpResponse:
    qs = _people(request)
    q = _search(request)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(phone_digits__contains=q))
    role = request.GET.get("role", "")
    if role in Person.Role.values:
        qs = qs.filter(role=role)
    qs = qs.order_by("customer__name", "name")
    context = {"page": _page(request, qs), "q": q, "role": role, "roles": Person.Role.choices}
    return render(request, "directory/people.html", context)


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    qs = _people(request).select_related("customer__contract", "manager")
    p = get_object_or_404(qs, pk=pk)
    # Every list of tickets goes through the queue's visibility rule: a person moved from
    # another partner's customer keeps tickets this viewer may not see.
    tickets = visible_tickets_of_person(profile_of(request.user), p).order_by("-received_at")[:20]
    context = {"person": p, "entitlement": check_person(p, timezone.localdate()), "tickets": tickets}
    return render(request, "directory/person.html", context)
