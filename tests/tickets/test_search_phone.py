"""A phone however it is typed ("+55 51 99100-0001", "(51) 99100-0001", "99100-0001") finds its
person in the phone intake and in the people list, matched on its last 8 digits."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.tickets.conftest import Cast

pytestmark = pytest.mark.django_db
PHONES = ["+55 51 99100-0001", "(51) 99100-0001", "99100-0001", "51 991000001"]


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("typed", PHONES)
@pytest.mark.parametrize("stored", ["+55 51 99100-0001", "(51) 99100-0001", "51991000001"])
def test_the_phone_intake_finds_the_caller(cast: Cast, typed: str, stored: str) -> None:
    cast.alice.phone = stored
    cast.alice.save()
    response = client_for(cast.ana).post(reverse("tickets:phone"), {"check": "1", "phone": typed})
    assert response.status_code == 200
    assert response.context["caller"].person == cast.alice


@pytest.mark.parametrize("typed", PHONES)
def test_the_people_list_finds_a_phone(cast: Cast, typed: str) -> None:
    cast.alice.phone = "(51) 99100-0001"
    cast.alice.save()
    response = client_for(cast.ana).get(reverse("directory:people"), {"q": typed})
    assert [p.pk for p in response.context["page"].object_list] == [cast.alice.pk]


def test_the_people_list_finds_part_of_a_number(cast: Cast) -> None:
    cast.alice.phone = "(51) 99100-0001"
    cast.alice.save()
    response = client_for(cast.ana).get(reverse("directory:people"), {"q": "9100-00"})
    assert [p.pk for p in response.context["page"].object_list] == [cast.alice.pk]


def test_a_partner_agent_does_not_find_others_by_phone(cast: Cast) -> None:
    cast.alice.phone = "(51) 99100-0001"
    cast.alice.save()
    response = client_for(cast.pedro).get(reverse("directory:people"), {"q": "99100-0001"})
    assert list(response.context["page"].object_list) == []
