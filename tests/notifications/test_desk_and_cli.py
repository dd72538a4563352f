"""What an agent sees of their notifications on the desk, and `sladesk notifications list`
as a script calls it."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from django.test import Client

from sladesk.notifications.delivery import dispatch_due
from sladesk.notifications.models import Notification
from sladesk.tickets import actions as a
from sladesk.tickets.sweeps import sweep_deadlines
from tests.conftest import SLADESK
from tests.tickets.conftest import Cast, at
from tests.tickets.test_concurrency import _subprocess_env

KEYS = {"ticket", "metric", "kind", "to", "channel", "due_at", "created_at", "sent_at"}


def test_the_header_counts_the_agents_unread_notifications_and_the_list_shows_them(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P2")
    a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-03-01 09:05"))
    sweep_deadlines(now=at("2027-03-01 10:31"))
    client = Client()
    client.force_login(cast.ana)
    queue = client.get("/").content.decode()
    assert 'data-unread="2"' in queue
    page = client.get("/notifications/").content.decode()
    assert page.count("data-notification=") == 2 and f"#{t.number}" in page and "retida" not in page
    client.force_login(cast.sam)  # the supervisor was not told of warnings
    assert "data-unread" not in client.get("/").content.decode()
    client.force_login(cast.ana)
    assert client.post("/notifications/read/").status_code == 302
    assert "data-unread" not in client.get("/").content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_a_page_without_a_staff_profile_is_refused(cast: Cast) -> None:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_user("x@example.com", "x@example.com"))
    assert client.get("/notifications/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_notifications_list_json_as_a_script_reads_it(cast: Cast) -> None:
    t = cast.ticket("2027-03-05 15:00", priority="P2")
    a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-03-05 15:01"))
    other = cast.ticket("2027-03-01 09:00", priority="P2")
    sweep_deadlines(now=at("2027-03-05 18:30"))
    dispatch_due(now=at("2027-03-05 18:30"))  # held until Monday: nothing leaves
    rows = sladesk("notifications", "list", "--json", "--ticket", str(t.number))
    people = ("ana@vendor.example", "sam@vendor.example")
    assert {(r["kind"], r["metric"], r["to"]) for r in rows} == {
        ("breach", m, to) for m in ("reply", "response") for to in people
    }
    assert all(set(r) >= KEYS for r in rows)
    assert {(r["channel"], r["sent_at"], r["status"], r["due_at"]) for r in rows} == {
        ("email", None, "held", "2027-03-05T20:00:00+00:00")
    }
    assert {r["ticket"] for r in sladesk("notifications", "list", "--json")} == {t.number, other.number}
    missing = run("notifications", "list", "--ticket", "99999")
    assert missing.returncode == 1 and b"no ticket #99999" in missing.stderr


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, **_subprocess_env()}
    return subprocess.run([*SLADESK, *args], capture_output=True, env=env, check=False)


def sladesk(*args: str) -> list[dict[str, object]]:
    done = run(*args)
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, object]] = json.loads(done.stdout)
    return rows


def test_the_ticket_page_shows_each_warning_and_who_was_told(cast: Cast) -> None:
    t = cast.ticket("2027-03-01 09:00", priority="P2")
    a.do_assign_ticket(t, cast.sam, cast.ana, now=at("2027-03-01 09:05"))
    sweep_deadlines(now=at("2027-03-01 10:31"))
    sweep_deadlines(now=at("2027-03-01 11:01"))
    client = Client()
    client.force_login(cast.sam)
    page = client.get(f"/t/{t.code}/").content.decode()
    assert "Aviso de SLA: 75 % do prazo usado" in page and "Prazo de SLA estourado" in page
    assert page.count("avisados") == 2 and "Ana" in page and "Sam" in page
