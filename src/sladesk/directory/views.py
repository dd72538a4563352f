"""The directory, read-only: customers, their contracts, stores and people.

Edits go through the CSV import or the Django admin. A partner's agent sees only
the customers of their partner; anything else is a 404.

Every list is a page of ``PAGE_SIZE`` rows, and its counts are asked for the rows of that
page only (one grouped query each, through an index): a page costs the same number of
queries, and about the same time, for a customer of ten people or of 100,000.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sladesk.directory import fields
from sladesk.directory.entitlement import check_person
from sladesk.directory.models import Customer, Person, Store, digits
from sladesk.staff.access import customer_filter, profile_of, visible_customers
from sladesk.tickets.models import OPEN_STATUSES
from sladesk.tickets.queries import visible_tickets_of_person, visible_tickets_of_store, visible_to

PAGE_SIZE = 100
EXTRAS = {"csm": _("período com CSM"), "partner_hours": _("horas de parceiro"), "training": _("treinamento")}
# Active seat holders, through the partial index person_customer_seat_holders: "is_active IN
# (true)" is an equality SQLite's planner matches to the index (a bare "is_active" is not, and
# it would count a customer's 100,000 people through the plain customer index instead).
ACTIVE_SEAT = Q(support_seat=True, is_active__in=[True])
ROLES_SHOWN = [Person.Role.GESTOR, Person.Role.GERENTE, Person.Role.VENDEDOR]  # a customer's people, in this order


def _search(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:100]


def _page(request: HttpRequest, qs: QuerySet[Any], param: str = "page", count: int | None = None) -> Page[Any]:
    """One page of ``qs`` (its rows read now); ``count`` when it is known already."""
    paginator = Paginator(qs, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: no COUNT query
    page = paginator.get_page(request.GET.get(param))
    page.object_list = list(page.object_list)
    return page


def _counts(qs: QuerySet[Any], key: str, ids: Iterable[int]) -> dict[int, int]:
    """How many rows of ``qs`` each of ``ids`` has in column ``key``: one grouped query."""
    rows = qs.filter(**{f"{key}__in": list(ids)}).order_by().values_list(key).annotate(n=Count("pk"))
    return dict(rows)


def _pks(rows: Iterable[Model]) -> list[int]:
    return [row.pk for row in rows]


@login_required
def customers(request: HttpRequest) -> HttpResponse:
    qs = visible_customers(profile_of(request.user)).select_related("contract__partner")
    q = _search(request)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    page = _page(request, qs.order_by("name", "pk"))
    ids = _pks(page.object_list)
    seats = _counts(Person.objects.filter(ACTIVE_SEAT), "customer_id", ids)
    stores = _counts(Store.objects.all(), "customer_id", ids)
    for c in page.object_list:
        c.seats_held, c.store_count = seats.get(c.pk, 0), stores.get(c.pk, 0)
    return render(request, "directory/customers.html", {"page": page, "q": q})


def _customer(request: HttpRequest, code: str) -> Customer:
    if not code or fields.control_character(code):  # a NUL would be a database error, not a 404
        raise Http404("no such customer")
    qs = visible_customers(profile_of(request.user)).select_related("contract__partner")
    return get_object_or_404(qs, code=code)


@login_required
def customer(request: HttpRequest, code: str) -> HttpResponse:
    c = _customer(request, code)
    profile = profile_of(request.user)
    contract = getattr(c, "contract", None)
    by_role, by_store = _tally(c)
    role = request.GET.get("role", "")
    role = role if role in Person.Role.values else ""
    people = c.people.select_related("store").order_by("name", "pk")  # indexes: customer+name, customer+role+name
    if role:
        people = people.filter(role=role)
    page = _page(request, people, count=by_role.get(role, 0) if role else sum(by_role.values()))
    stores = _page(request, c.stores.order_by("name", "pk"), "stores_page")
    for s in stores.object_list:
        s.people_count = by_store.get(s.pk, 0)
    labels = dict(Person.Role.choices)
    holders = list(c.people.filter(support_seat=True).order_by("-is_active", "name", "pk")[:PAGE_SIZE])
    context = {
        "customer": c,
        "contract": contract,
        "extras": [str(EXTRAS[name]) for name in sorted(contract.extras)] if contract else [],
        "seats_used": _seats_used(c, holders),
        "seat_holders": holders,
        "stores": stores,
        "page": page,
        "role": role,
        "roles": [(value, labels[value], by_role.get(value, 0)) for value in ROLES_SHOWN],
        "by_role": [
            (labels[value], [p for p in page.object_list if p.role == value])
            for value in ROLES_SHOWN
            if any(p.role == value for p in page.object_list)
        ],
        "open_tickets": visible_to(profile)
        .filter(customer=c, status__in=OPEN_STATUSES)
        .order_by("next_due_at", "pk")[:20],
    }
    return render(request, "directory/customer.html", context)


def _tally(c: Customer) -> tuple[dict[str, int], dict[int, int]]:
    """A customer's people counted by role and by store: one pass over the index
    ``person_customer_role_store`` (one grouped query, not one per count)."""
    by_role: dict[str, int] = defaultdict(int)
    by_store: dict[int, int] = defaultdict(int)
    for role, store, n in c.people.order_by().values_list("role", "store_id").annotate(n=Count("pk")):
        by_role[role] += n
        if store is not None:
            by_store[store] += n
    return by_role, by_store


def _seats_used(c: Customer, holders: list[Person]) -> int:
    """Active seat holders: counted from the list when it holds them all (it nearly always does)."""
    if len(holders) < PAGE_SIZE:
        return sum(p.is_active for p in holders)
    return c.people.filter(ACTIVE_SEAT).count()


def _stores(request: HttpRequest) -> QuerySet[Store]:
    return Store.objects.filter(customer_filter(profile_of(request.user), "customer__")).select_related("customer")


@login_required
def stores(request: HttpRequest) -> HttpResponse:
    qs = _stores(request)
    q = _search(request)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(customer__name__icontains=q))
    page = _page(request, qs.order_by("customer__name", "name", "pk"))
    in_store = _counts(Person.objects.all(), "store_id", _pks(page.object_list))
    for s in page.object_list:
        s.people_count = in_store.get(s.pk, 0)
    return render(request, "directory/stores.html", {"page": page, "q": q})


@login_required
def store(request: HttpRequest, pk: int) -> HttpResponse:
    s = get_object_or_404(_stores(request), pk=pk)
    page = _page(request, s.people.order_by("role", "name", "pk"))
    tickets = visible_tickets_of_store(profile_of(request.user), s).order_by("-received_at")[:20]
    return render(request, "directory/store.html", {"store": s, "page": page, "people": page, "tickets": tickets})


def _people(request: HttpRequest) -> QuerySet[Person]:
    visible = customer_filter(profile_of(request.user), "customer__")
    return Person.objects.filter(visible).select_related("customer", "store")


PHONE_TAIL = 8  # a phone is matched on its last 8 digits, however it was typed or stored


def _person_matches(q: str) -> Q:
    """Name or email containing ``q``, or a phone: its digits, matched on the last 8 ("+55 51
    99100-0001", "(51) 99100-0001" and "99100-0001" are one number); fewer digits, anywhere."""
    wanted = digits(q)
    found = Q(name__icontains=q) | Q(email__icontains=q)
    if len(wanted) >= PHONE_TAIL:
        found |= Q(phone_digits__endswith=wanted[-PHONE_TAIL:])
    elif wanted:
        found |= Q(phone_digits__contains=wanted)
    return found


@login_required
def people(request: HttpRequest) -> HttpResponse:
    qs = _people(request)
    q = _search(request)
    if q:
        qs = qs.filter(_person_matches(q))
    role = request.GET.get("role", "")
    if role in Person.Role.values:
        qs = qs.filter(role=role)
    qs = qs.order_by("name", "pk")  # the index person_name: no sort of every person for one page
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
