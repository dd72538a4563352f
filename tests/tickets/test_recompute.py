"""``tickets.recompute``: open deadlines moved in bulk when a published version changes a calendar.

The oracle is independent of the bulk path: each open ticket evaluated whole
(``clocks.evaluate_ticket``, the whole event log replayed) on the calendars now in force."""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta
from typing import Any

import pytest

from sladesk.core.instants import from_us
from sladesk.core.policy import default_policy_text
from sladesk.policies.actions import do_publish_policy
from sladesk.policies.models import PolicyVersion
from sladesk.tickets import actions, clocks
from sladesk.tickets.actions import ActionError
from sladesk.tickets.models import OPEN_STATUSES, Ticket, TicketEvent, TicketMetric
from sladesk.tickets.recompute import ACTION, recompute
from tests.tickets.conftest import Cast, at

NOW = at("2027-03-05 12:00")  # a Friday
HOLIDAY_AHEAD = '{ name = "Feriado novo", date = "2027-03-08" },'  # the Monday after
HOLIDAY_PAST = '{ name = "Feriado esquecido", date = "2027-03-02" },'  # the Tuesday before


def version_with(*additions: str, closures: str = "[]") -> str:
    text = default_policy_text().replace('version = "2026.1"', 'version = "2026.2"', 1)
    text = text.replace("closures = []", f"closures = {closures}", 1)
    anchor = '{ name = "Corpus Christi", easter_offset = 60 },'
    return text.replace(anchor, anchor + "".join(f"\n  {a}" for a in additions), 1)


STEPS: list[tuple[str, Any]] = [
    ("reply", lambda t, who, now: actions.do_reply_ticket(t, who, "Olá", now)),
    ("start", actions.do_start_ticket),
    ("wait", lambda t, who, now: actions.do_hold_ticket(t, who, "Pode enviar o log?", now)),
    ("customer", lambda t, who, now: actions.do_add_customer_reply(t, None, "Segue o log", t.requester, now)),
    ("P1", lambda t, who, now: actions.do_set_ticket_priority(t, who, "P1", now)),
    ("P3", lambda t, who, now: actions.do_set_ticket_priority(t, who, "P3", now)),
    ("resolve", lambda t, who, now: actions.do_resolve_ticket(t, who, "Resolvido", now)),
    ("reopen", actions.do_reopen_ticket),
]


def random_tickets(cast: Cast, time_machine: Any, n: int, seed: int) -> list[Ticket]:
    """``n`` tickets received over the week before NOW, each with a random run of actions."""
    rng = random.Random(seed)
    start = at("2027-03-01 07:00")
    made = []
    for i in range(n):
        received = start + timedelta(minutes=rng.randrange(0, int((NOW - start).total_seconds() // 60) - 60))
        time_machine.move_to(received, tick=False)
        priority = rng.choice([None, None, "P2", "P3", "P1"])
        t = cast.ticket(received.astimezone(at("2027-03-01 00:00").tzinfo).strftime("%Y-%m-%d %H:%M"),
                        priority=priority, channel=rng.choice(["email", "portal"]), subject=f"Chamado {i}")  # fmt: skip
        moment = received
        for _ in range(rng.randrange(0, 5)):
            moment += timedelta(minutes=rng.randrange(5, 2 * 24 * 60))
            if moment >= NOW:
                break
            time_machine.move_to(moment, tick=False)
            _, step = rng.choice(STEPS)
            with contextlib.suppress(ActionError):  # not possible from this status: the run goes on
                step(Ticket.objects.get(pk=t.pk), cast.ana, moment)
        made.append(t)
    time_machine.move_to(NOW, tick=False)
    return made


def stored(ticket: Ticket) -> dict[str, tuple[Any, ...]]:
    return {m.name: (m.due_at, m.warn_at if m.anchor_at else None) for m in ticket.metrics.all()}


def oracle(ticket: Ticket) -> dict[str, tuple[Any, ...]]:
    """The ticket evaluated whole, as of NOW, on the calendars in force."""
    ticket = Ticket.objects.select_related("policy_version").get(pk=ticket.pk)
    policy = clocks.policy_for(ticket)
    out = {}
    for name, m in clocks.evaluate_ticket(ticket, NOW).metrics.items():
        due = None if m.due is None else from_us(m.due)
        out[name] = (due, clocks.warn_at(policy, m) if m.anchor is not None else None)
    return out


def everything() -> tuple[list[Any], ...]:
    return (
        list(TicketMetric.objects.order_by("pk").values()),
        list(TicketEvent.objects.order_by("pk").values()),
        list(Ticket.objects.order_by("pk").values_list("pk", "next_due_at")),
        list(PolicyVersion.objects.order_by("pk").values_list("pk", "calendars_sha")),
    )


def publish(text: str) -> None:
    do_publish_policy(text, "policy.toml", now=NOW)


@pytest.mark.parametrize(
    "seed",
    [1, 2],
)
def test_it_moves_open_deadlines_exactly_as_a_whole_evaluation_would(cast: Cast, time_machine: Any, seed: int) -> None:
    tickets = random_tickets(cast, time_machine, 40, seed)
    closures = '[{ date = "2027-03-05", from = "14:00", reason = "Treinamento" }]'
    publish(version_with(HOLIDAY_AHEAD, closures=closures))
    result = recompute(NOW)
    assert result.applied and result.moves and result.bulk
    print("DBG", len(result.moves), result.bulk, result.one_by_one, result.metrics)
    open_ = [t for t in tickets if Ticket.objects.get(pk=t.pk).status in OPEN_STATUSES]
    assert open_
    for t in open_:
        assert stored(t) == oracle(t), f"ticket #{t.number}"
        nearest = min((d for d, w in oracle(t).values() if w is not None), default=None)
        if nearest is not None:
            assert Ticket.objects.get(pk=t.pk).next_due_at == min(
                m.due_at for m in t.metrics.all() if m.anchor_at is not None
            )


def test_a_holiday_in_a_clocks_past_evaluates_those_tickets_whole(cast: Cast, time_machine: Any) -> None:
    tickets = random_tickets(cast, time_machine, 40, 7)
    publish(version_with(HOLIDAY_PAST, HOLIDAY_AHEAD))
    result = recompute(NOW)
    assert result.one_by_one and result.bulk
    print("DBG", len(result.moves), result.bulk, result.one_by_one, result.metrics)
    for t in tickets:
        if Ticket.objects.get(pk=t.pk).status in OPEN_STATUSES:
            assert stored(t) == oracle(t), f"ticket #{t.number}"


def test_a_dry_run_lists_what_would_move_and_changes_nothing(cast: Cast, time_machine: Any) -> None:
    random_tickets(cast, time_machine, 15, 3)
    publish(version_with(HOLIDAY_AHEAD))
    before = everything()
    planned = recompute(NOW, dry_run=True)
    assert planned.moves and not planned.applied
    assert everything() == before
    assert recompute(NOW).moves == planned.moves


def test_each_moved_deadline_is_an_event_on_its_ticket(cast: Cast, time_machine: Any) -> None:
    time_machine.move_to(at("2027-03-05 10:00"), tick=False)
    t = cast.ticket("2027-03-05 10:00", priority="P3")  # resolution: 4 dias úteis, due Thu 03-11 10:00
    last = t.events.order_by("seq").last()
    assert last is not None
    time_machine.move_to(NOW, tick=False)
    publish(version_with(HOLIDAY_AHEAD))
    result = recompute(NOW)
    assert {(m.number, m.metric) for m in result.moves} == {(t.number, "resolution"), (t.number, "response")}
    event = t.events.get(action=ACTION)
    assert (event.seq, event.sla_type, event.actor_label) == (last.seq + 1, "", "system")
    assert event.deadlines_before["resolution"]["due"] == "2027-03-11T13:00:00+00:00"
    assert event.deadlines_after["resolution"]["due"] == "2027-03-12T13:00:00+00:00"
    t.refresh_from_db()
    assert t.next_due_at == at("2027-03-05 12:00")  # the reply, 2 h on Friday: unchanged


def test_nothing_moves_twice(cast: Cast, time_machine: Any) -> None:
    random_tickets(cast, time_machine, 10, 4)
    publish(version_with(HOLIDAY_AHEAD))
    assert recompute(NOW).moves
    again = recompute(NOW)
    assert (again.moves, again.calendars) == ([], [])


def test_a_ticket_keeps_its_targets_under_the_new_calendars(cast: Cast, time_machine: Any) -> None:
    time_machine.move_to(at("2027-03-05 10:00"), tick=False)
    t = cast.ticket("2027-03-05 10:00", priority="P3")
    time_machine.move_to(NOW, tick=False)
    text = version_with(HOLIDAY_AHEAD).replace(
        'targets.P3 = { business_days = 4, calendar = "porto-alegre" }',
        'targets.P3 = { business_days = 8, calendar = "porto-alegre" }',
    )
    publish(text)
    recompute(NOW)
    resolution = t.metrics.get(name="resolution")
    # still 4 dias úteis (version 2026.1), one business day later for the holiday
    assert (resolution.target_s, resolution.due_at) == (36 * 3600, at("2027-03-12 10:00"))


def test_an_older_clock_warns_and_breaches_again_at_its_new_deadline(cast: Cast, time_machine: Any) -> None:
    time_machine.move_to(at("2027-03-05 10:00"), tick=False)
    t = cast.ticket("2027-03-05 10:00", priority="P3")
    TicketMetric.objects.filter(ticket=t).update(warning_notified_at=NOW, breach_notified_at=NOW)
    time_machine.move_to(NOW, tick=False)
    publish(version_with(HOLIDAY_AHEAD))
    recompute(NOW)
    moved = t.metrics.get(name="resolution")
    kept = t.metrics.get(name="reply")
    assert (moved.warning_notified_at, moved.breach_notified_at) == (None, None)
    assert kept.warning_notified_at == NOW


def test_without_a_calendar_change_nothing_is_read(cast: Cast, time_machine: Any) -> None:
    random_tickets(cast, time_machine, 5, 5)
    publish(default_policy_text().replace('version = "2026.1"', 'version = "2026.2"', 1).replace(
        "close_after_days = 7 ", "close_after_days = 5 "))  # fmt: skip
    result = recompute(NOW)
    assert (result.calendars, result.moves, result.metrics) == ([], [], 0)
    assert result.versions == ["2026.1"]
    assert not PolicyVersion.objects.filter(calendars_sha="").exclude(version="2026.2").exists()


def test_the_command_lists_the_moves_in_words(cast: Cast, time_machine: Any, capsys: Any) -> None:
    from django.core.management import call_command

    time_machine.move_to(at("2027-03-05 10:00"), tick=False)
    t = cast.ticket("2027-03-05 10:00", priority="P3")
    time_machine.move_to(NOW, tick=False)
    publish(version_with(HOLIDAY_AHEAD))
    call_command("sla_recompute", "--dry-run")
    out = capsys.readouterr().out
    assert f"#{t.number} resolution: 11/03/2027 10:00 → 12/03/2027 10:00 (adiado 1 dia)" in out
    assert "--dry-run: nada foi alterado." in out
    assert not t.events.filter(action=ACTION).exists()
    call_command("sla_recompute")
    assert t.events.filter(action=ACTION).count() == 1


@pytest.mark.django_db(transaction=True)  # the worker closes connections a time jump makes old
def test_a_version_published_for_later_reaches_open_tickets_when_the_worker_passes_its_time(
    cast: Cast, time_machine: Any
) -> None:
    from sladesk.ops.management.commands.worker import Command as Worker

    time_machine.move_to(NOW, tick=False)
    t = cast.ticket("2027-03-05 11:00", priority="P3")  # response due Tuesday; Monday becomes a holiday
    before = stored(t)
    do_publish_policy(version_with(HOLIDAY_AHEAD), "policy.toml", now=NOW, effective_at=at("2027-03-05 20:00"))
    time_machine.move_to(at("2027-03-05 19:00"), tick=False)
    assert Worker.sweep().get("recomputed") is None and stored(t) == before  # not in force yet
    time_machine.move_to(at("2027-03-05 20:01"), tick=False)
    assert Worker.sweep()["recomputed"] == 1
    assert stored(t) != before and stored(t) == oracle(t)
    assert Worker.sweep().get("recomputed") is None  # once
