"""The directory pages at any size: paginated, a fixed number of queries, page 2 and its links;
a customer code from before codes were checked is still a page, a NUL in one a 404."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sladesk.directory.models import Contract, Customer, Person, Store
from sladesk.directory.views import PAGE_SIZE
from tests.web.conftest import World
from tests.web.test_queue import client_for


def grow(customer: Customer, people: int, stores: int) -> None:
    """``people`` more vendedores of ``customer`` over ``stores`` new stores (no seat), in bulk."""
    first = Store.objects.filter(customer=customer).count()
    made = Store.objects.bulk_create(
        [Store(customer=customer, name=f"{customer.code} loja {first + s:03d}") for s in range(stores)]
    )
    Person.objects.bulk_create(
        Person(
            customer=customer,
            store=made[i % stores],
            name=f"Pessoa {i:05d}",
            email=f"p{i:05d}@{customer.code}.example",
            role=Person.Role.VENDEDOR,
        )
        for i in range(people)
    )


def queries(client: Client, url: str, params: dict[str, str] | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_a_customer_page_asks_the_same_queries_for_5_people_or_for_many(world: World) -> None:
    ana = client_for(world.ana)
    url = reverse("directory:customer", args=["bento"])
    grow(world.bento, 0, 1)  # a store, whose people are counted
    queries(ana, url)  # the session and the policy read once
    small, _ = queries(ana, url)
    grow(world.bento, 3 * PAGE_SIZE + 17, PAGE_SIZE + 3)
    big, html = queries(ana, url)
    assert big == small
    assert html.count("data-person=") == PAGE_SIZE
    last, html = queries(ana, url, {"page": "4"})
    assert last == small
    assert html.count("data-person=") == 18  # 318 people (317 grown, Beatriz), 100 a page
    assert "página 4 de 4" in html


def test_page_2_of_a_customer_follows_page_1_by_name_and_the_links_lead_there(world: World) -> None:
    grow(world.bento, 2 * PAGE_SIZE + 5, 3)
    ana = client_for(world.ana)
    url = reverse("directory:customer", args=["bento"])
    first = ana.get(url)
    page1 = [p.name for p in first.context["page"]]
    assert page1[0] == "Beatriz Brito" and page1[1] == "Pessoa 00000"
    (next_link,) = re.findall(r'href="\?([^"]*page=2[^"]*)"', first.content.decode())
    second = ana.get(f"{url}?{next_link.replace('&amp;', '&')}")
    page2 = [p.name for p in second.context["page"]]
    assert page2[0] == f"Pessoa {PAGE_SIZE - 1:05d}" and len(page2) == PAGE_SIZE
    assert not set(page1) & set(page2)
    html = second.content.decode()
    assert "página 2 de 3" in html and 'href="?page=1"' in html and 'href="?page=3"' in html


def test_a_customer_page_filters_people_by_role_with_counts(world: World) -> None:
    grow(world.aurora, 150, 2)
    ana = client_for(world.ana)
    response = ana.get(reverse("directory:customer", args=["aurora"]), {"role": "gestor"})
    assert [p.name for p in response.context["page"]] == ["Gabriela Gomes", "Gerson Garcia"]
    assert response.context["roles"] == [
        ("gestor", "Gestor", 2),
        ("gerente", "Gerente de Loja", 0),
        ("vendedor", "Vendedor", 151),
    ]
    assert response.context["page"].paginator.count == 2
    assert (
        ana.get(reverse("directory:customer", args=["aurora"]), {"role": "nobody"}).context["page"].paginator.count
        == 153
    )


def test_a_customer_pages_its_stores_with_their_people_counted(world: World) -> None:
    grow(world.bento, 2 * (PAGE_SIZE + 10), PAGE_SIZE + 10)
    ana = client_for(world.ana)
    response = ana.get(reverse("directory:customer", args=["bento"]), {"stores_page": "2"})
    stores = response.context["stores"]
    assert len(stores) == 10 and stores.number == 2
    assert {s.people_count for s in stores} == {2}
    assert 'href="?stores_page=1"' in response.content.decode()


def test_the_customers_list_asks_the_same_queries_for_3_customers_or_for_many(world: World) -> None:
    sam = client_for(world.sam)
    url = reverse("directory:customers")
    queries(sam, url)
    few, _ = queries(sam, url)
    for i in range(PAGE_SIZE + 20):
        c = Customer.objects.create(code=f"c{i:03d}", name=f"Cliente {i:03d}")
        Contract.objects.create(customer=c, support_seats=1, starts_on=date(2026, 1, 1))
    grow(world.aurora, 300, 4)
    many, html = queries(sam, url)
    assert many == few
    assert "página 1 de 2" in html
    second, html = queries(sam, url, {"page": "2"})  # "Lojas Aurora" after the 120 "Cliente NNN"
    assert second == few
    row = re.search(r"Lojas Aurora</a>.*?</tr>", html, re.S)
    assert row is not None and "1 / 2" in row.group() and ">5<" in row.group()  # seats held / seats, 5 stores


def test_a_store_page_and_the_stores_list_are_paginated_with_a_fixed_number_of_queries(world: World) -> None:
    ana = client_for(world.ana)
    url = reverse("directory:store", args=[world.aurora_centro.pk])
    queries(ana, url)
    small, _ = queries(ana, url)
    Person.objects.bulk_create(
        Person(
            customer=world.aurora,
            store=world.aurora_centro,
            name=f"V {i:04d}",
            email=f"v{i}@a.example",
            role="vendedor",
        )
        for i in range(PAGE_SIZE + 1)
    )
    big, html = queries(ana, url)
    assert big == small and "página 1 de 2" in html
    stores = reverse("directory:stores")
    few, _ = queries(ana, stores)
    grow(world.cedro, 10, PAGE_SIZE + 1)
    assert queries(ana, stores)[0] == few


def test_a_person_page_asks_the_same_queries_in_a_customer_of_any_size(world: World) -> None:
    ana = client_for(world.ana)
    url = reverse("directory:person", args=[world.beatriz.pk])
    queries(ana, url)
    small, _ = queries(ana, url)
    grow(world.bento, 500, 5)
    assert queries(ana, url)[0] == small


@pytest.mark.parametrize("code", ["old/code", "old code", "ação", "a/../b"])
def test_a_code_from_before_codes_were_checked_still_has_its_pages(world: World, code: str) -> None:
    c = Customer.objects.create(code=code, name="Cliente antigo")
    Contract.objects.create(customer=c, support_seats=1, starts_on=date(2026, 1, 1))
    Person.objects.create(customer=c, name="Pessoa Antiga", email="antiga@old.example", role="gestor")
    sam = client_for(world.sam)
    listing = sam.get(reverse("directory:customers"))
    assert listing.status_code == 200
    url = reverse("directory:customer", args=[code])
    assert url in listing.content.decode()
    page = sam.get(url)
    assert page.status_code == 200 and page.context["customer"] == c
    assert sam.get(reverse("directory:people")).status_code == 200


@pytest.mark.parametrize(
    "path", ["/directory/c/%00/", "/directory/c/aurora%00/", "/directory/c/a%0Ab/", "/directory/c/%2F/"]
)
def test_a_code_with_a_control_character_or_unknown_is_a_404(world: World, path: str) -> None:
    assert client_for(world.sam).get(path).status_code == 404
