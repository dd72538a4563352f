"""The directory in the admin: staff look people up; the import is how the directory changes."""

from __future__ import annotations

import pytest
from django.test import Client

from sladesk.directory.models import Person
from tests.directory.conftest import ALICE, AURORA, BOB, CAROL, contracts, import_files, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory() -> None:
    import_files(contracts(AURORA), people(ALICE, CAROL, BOB))


def test_it_finds_alice_by_email(admin_client: Client, directory: None) -> None:
    page = admin_client.get("/admin/directory/person/", {"q": "alice@aurora"}).content.decode()
    assert "Alice Andrade" in page
    assert "Bob Barros" not in page


def test_it_lists_every_directory_model(admin_client: Client, directory: None) -> None:
    for model in ("partner", "customer", "contract", "store", "person"):
        assert admin_client.get(f"/admin/directory/{model}/").status_code == 200


def test_it_adds_and_deletes_nobody(admin_client: Client, directory: None) -> None:
    bob = Person.objects.get(email="bob@aurora.example")
    assert admin_client.get("/admin/directory/person/add/").status_code == 403
    assert admin_client.post(f"/admin/directory/person/{bob.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=bob.pk).exists()


def test_it_lets_staff_correct_a_phone_but_not_a_seat(admin_client: Client, directory: None) -> None:
    bob = Person.objects.get(email="bob@aurora.example")
    page = admin_client.get(f"/admin/directory/person/{bob.pk}/change/").content.decode()
    assert 'name="phone"' in page
    assert 'name="support_seat"' not in page
