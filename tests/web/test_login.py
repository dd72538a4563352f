from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.web.conftest import PASSWORD, World
from tests.web.test_queue import client_for

LOGIN = reverse("login")


def login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_login_page_says_when_access_gets_locked(world: World) -> None:
    html = Client().get(LOGIN).content.decode()
    assert f"Depois de {settings.AXES_FAILURE_LIMIT} tentativas erradas" in html


def test_a_staff_member_logs_in_with_their_email_and_lands_on_the_queue(world: World) -> None:
    client = Client()
    response = login(client, "ana@sladesk.example", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_refused(world: World) -> None:
    response = login(Client(), "ana@sladesk.example", "errada")
    assert response.status_code == 200
    assert "Usuário ou senha incorretos" in response.content.decode()


def test_it_locks_out_after_repeated_failures_even_with_the_right_password(world: World) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "ana@sladesk.example", "errada").status_code == 200
    locked = login(client, "ana@sladesk.example", "errada")
    assert locked.status_code == 429
    assert "Acesso bloqueado temporariamente" in locked.content.decode()
    again = login(client, "ana@sladesk.example", PASSWORD)
    assert again.status_code == 429
    assert client.get("/").status_code == 302  # still not logged in


def test_logout_is_a_post(world: World) -> None:
    client = client_for(world.ana)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response["Location"] == LOGIN
    assert client.get("/").status_code == 302


def test_a_gestor_with_a_login_but_no_staff_profile_is_refused_after_login(world: World) -> None:
    client = Client()
    assert login(client, "walter@aurora.example", PASSWORD).status_code == 302
    assert client.get("/").status_code == 403


def test_the_desk_switches_to_english(world: World) -> None:
    client = client_for(world.ana)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "Open tickets" in html and "Fila de chamados abertos" not in html
    assert '<html lang="en">' in html


# What config/settings.py says for the lockout per address (see config/lockout.py).
PER_ADDRESS = {"AXES_HANDLER": "sladesk.config.lockout.SprayLockoutHandler", "LOGIN_IP_FAILURE_LIMIT": 20}


# A failed login for a username nobody has still hashes the password (the same time as for a
# real one): a fast hasher first keeps twenty of them quick; the world's Argon2 hashes still check.
FAST = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.Argon2PasswordHasher"]


@pytest.fixture
def per_address() -> Iterator[None]:
    with override_settings(**PER_ADDRESS, PASSWORD_HASHERS=FAST):
        yield


def test_spraying_twenty_usernames_from_one_address_locks_the_address(world: World, per_address: None) -> None:
    client = Client()
    for i in range(19):  # one try each: no username reaches its own limit
        assert login(client, f"user{i}@sladesk.example", "Senha123!").status_code == 200
    assert login(client, "user19@sladesk.example", "Senha123!").status_code == 429
    # Locked for every username from there, even a real one with its right password...
    locked = login(client, "ana@sladesk.example", PASSWORD)
    assert locked.status_code == 429 and "Acesso bloqueado temporariamente" in locked.content.decode()
    # ... but not from another address.
    assert login(Client(REMOTE_ADDR="203.0.113.9"), "ana@sladesk.example", PASSWORD).status_code == 302


def test_a_few_people_mistyping_behind_one_address_are_not_locked_out_together(world: World, per_address: None) -> None:
    client = Client()
    for name in ("ana@office.example", "bia@office.example", "caio@office.example", "davi@office.example"):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert login(client, name, "errada").status_code == 200
    assert login(client, "ana@sladesk.example", PASSWORD).status_code == 302


def test_one_username_is_still_locked_after_its_own_limit(world: World, per_address: None) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "ana@sladesk.example", "errada").status_code == 200
    assert login(client, "ana@sladesk.example", "errada").status_code == 429
    assert login(client, "sam@sladesk.example", PASSWORD).status_code == 302  # the address is not locked


def test_logging_in_to_ones_own_account_does_not_reset_a_spray(world: World, per_address: None) -> None:
    client = Client()
    for i in range(15):
        assert login(client, f"user{i}@sladesk.example", "Senha123!").status_code == 200
    assert login(Client(), "pedro@sul.example", PASSWORD).status_code == 302  # the sprayer's own account
    for i in range(15, 19):
        assert login(client, f"user{i}@sladesk.example", "Senha123!").status_code == 200
    assert login(client, "user19@sladesk.example", "Senha123!").status_code == 429


def test_it_takes_the_email_in_any_case_from_an_email_field(world: World) -> None:
    client = Client()
    response = login(client, "  Ana@SLADESK.example ", PASSWORD)
    assert response.status_code == 302 and client.get("/").status_code == 200
    html = Client().get(LOGIN).content.decode()
    assert 'type="email"' in html and 'autocapitalize="off"' in html


def test_a_lockout_counts_the_email_in_any_case(world: World) -> None:
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, "ana@sladesk.example" if i % 2 else "ANA@sladesk.example", "errada")
    assert login(client, "Ana@Sladesk.Example", PASSWORD).status_code == 429
