"""The rota on the desk: supervisors edit it, the vendor's agents read it, a partner's agent
sees only who is on call now; the queue and phone pages say who that is."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import reverse

from sladesk.oncall.actions import do_set_oncall
from sladesk.oncall.models import OnCallEvent, OnCallShift
from tests.web.conftest import World
from tests.web.test_phone import in_english

SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2027, 3, 10, 15, 0, tzinfo=SP)
ROTA, ADD = reverse("oncall:rota"), reverse("oncall:add")


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def on_call_ana(world: World) -> OnCallShift:
    start, end = datetime(2027, 3, 10, 8, tzinfo=SP), datetime(2027, 3, 10, 18, tzinfo=SP)
    return do_set_oncall(user=world.ana, starts_at=start, ends_at=end, actor=world.sam)[0]


def test_a_supervisor_adds_a_shift_read_in_sao_paulo_time(world: World, time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    form = {"user": world.ana.pk, "starts_at": "2027-03-10T18:00", "ends_at": "2027-03-11T08:00"}
    response = client_for(world.sam).post(ADD, form, follow=True)
    assert "Plantão de Ana Almeida incluído." in response.content.decode()
    shift = OnCallShift.objects.get()
    assert (shift.user, shift.created_by) == (world.ana, world.sam)
    utc = ZoneInfo("UTC")
    assert (shift.starts_at, shift.ends_at) == (
        datetime(2027, 3, 10, 21, tzinfo=utc),
        datetime(2027, 3, 11, 11, tzinfo=utc),
    )
    assert OnCallEvent.objects.get().actor_label == "sam@sladesk.example"


def test_a_bad_shift_is_a_message_on_the_page(world: World, time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    sam = client_for(world.sam)
    backwards = {"user": world.ana.pk, "starts_at": "2027-03-11T08:00", "ends_at": "2027-03-10T18:00"}
    response = sam.post(ADD, backwards)
    assert response.status_code == 400 and "O fim deve ser depois do início." in response.content.decode()
    partner = {"user": world.pedro.pk, "starts_at": "2027-03-10T18:00", "ends_at": "2027-03-11T08:00"}
    assert sam.post(ADD, partner).status_code == 400  # a partner's agent is not offered
    assert sam.post(ADD, {"user": "x", "starts_at": "ontem", "ends_at": ""}).status_code == 400
    assert not OnCallShift.objects.exists()


def test_a_supervisor_removes_a_shift(world: World, time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    shift = on_call_ana(world)
    sam = client_for(world.sam)
    response = sam.post(reverse("oncall:remove", args=[shift.pk]), follow=True)
    assert "Plantão de Ana Almeida removido." in response.content.decode()
    assert not OnCallShift.objects.exists()
    again = sam.post(reverse("oncall:remove", args=[shift.pk]), follow=True)
    assert "Este plantão já não está na escala." in again.content.decode()


def test_an_agent_reads_the_rota_but_cannot_change_it(world: World, time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    shift = on_call_ana(world)
    ana = client_for(world.ana)
    page = ana.get(ROTA)
    assert page.status_code == 200 and page.context["form"] is None
    html = page.content.decode()
    assert "Plantão agora: <strong>Ana Almeida</strong>" in html and "Remover" not in html and "Falhas" not in html
    form = {"user": world.ana.pk, "starts_at": "2027-03-10T18:00", "ends_at": "2027-03-11T08:00"}
    assert ana.post(ADD, form).status_code == 403
    assert ana.post(reverse("oncall:remove", args=[shift.pk])).status_code == 403
    assert OnCallShift.objects.count() == 1


def test_a_partners_agent_sees_only_who_is_on_call_now(world: World, time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    on_call_ana(world)
    pedro = client_for(world.pedro)
    assert pedro.get(ROTA).status_code == 403
    queue = pedro.get(reverse("tickets:queue")).content.decode()
    assert "Plantão agora: <strong>Ana Almeida</strong> (até Qua 10/03 18:00)" in queue
    assert ROTA not in queue and "ana@sladesk.example" not in queue
    assert client_for(world.walter).get(ROTA).status_code == 403


def test_the_queue_and_phone_pages_say_who_is_on_call(world: World, time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    sam = client_for(world.sam)
    nobody = sam.get(reverse("tickets:queue")).content.decode()
    assert "Ninguém de plantão agora." in nobody and "alert-warn" in nobody
    on_call_ana(world)
    for url in (reverse("tickets:queue"), reverse("tickets:phone")):
        html = sam.get(url).content.decode()
        assert "Plantão agora: <strong>Ana Almeida</strong> (até Qua 10/03 18:00)" in html
        assert f'href="{ROTA}"' in html and 'href="/supervisor/"' in html


def test_the_rota_warns_supervisors_of_the_gaps_of_the_week(world: World, time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    on_call_ana(world)
    page = client_for(world.sam).get(ROTA)
    assert page.context["gaps"] == [(datetime(2027, 3, 10, 18, tzinfo=SP), datetime(2027, 3, 17, 15, tzinfo=SP))]
    assert "de Qua 10/03/2027 18:00 a Qua 17/03/2027 15:00: ninguém de plantão" in page.content.decode()


def test_it_speaks_english_too(world: World, time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    on_call_ana(world)
    sam = in_english(client_for(world.sam))
    queue = sam.get(reverse("tickets:queue")).content.decode()
    assert "On call now: <strong>Ana Almeida</strong> (until Wed Mar 10, 18:00)" in queue
    rota = sam.get(ROTA).content.decode()
    assert "Gaps in the rota in the next 7 days:" in rota and "Add shift" in rota
    board = sam.get(reverse("oncall:supervisor")).content.decode()
    assert "0 deadlines fall due in the next 4 h" in board and "SLA compliance in 03/2027" in board
