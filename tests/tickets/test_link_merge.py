"""Link and merge: related tickets recorded on both sides; a duplicate merged into another
(messages moved, closed with a pointer, its clocks excluded), both or neither."""

from __future__ import annotations

import pytest

from sladesk.core.replay import replay_one
from sladesk.tickets import actions as a
from sladesk.tickets.actions import ActionError
from sladesk.tickets.clocks import policy_for, timeline_json
from sladesk.tickets.models import Message, Ticket, TicketLink
from tests.tickets.conftest import Cast, at


def actions_of(t: Ticket) -> list[str]:
    return list(t.events.order_by("seq").values_list("action", flat=True))


def test_it_links_two_tickets_once_with_an_event_on_each(cast: Cast) -> None:
    one, two = cast.ticket(), cast.ticket(subject="Outro")
    a.do_link_tickets(two, cast.ana, one)
    assert TicketLink.objects.get().low == one
    assert actions_of(one) == actions_of(two) == ["created", "link"]
    assert two.events.get(action="link").after == {"linked": one.number}
    with pytest.raises(ActionError) as err:
        a.do_link_tickets(one, cast.ana, two)  # from the other side: the same pair
    assert err.value.code == "invalid"
    with pytest.raises(ActionError):
        a.do_link_tickets(one, cast.ana, one)
    assert TicketLink.objects.count() == 1 and actions_of(one) == ["created", "link"]


def test_a_partner_agent_cannot_link_to_another_partners_ticket(cast: Cast) -> None:
    theirs, mine = cast.ticket(), cast.ticket(requester=cast.bea)
    with pytest.raises(ActionError) as err:
        a.do_link_tickets(mine, cast.pedro, theirs)
    assert err.value.code == "forbidden"
    assert not TicketLink.objects.exists() and actions_of(mine) == ["created"]


def test_it_merges_a_duplicate_moving_its_messages_and_excluding_its_clocks(cast: Cast) -> None:
    target = cast.ticket("2027-03-03 09:00", description="O relatório não abre.")
    duplicate = cast.ticket("2027-03-03 09:30", description="Relatório não abre de novo.")
    a.do_add_note(duplicate, cast.ana, "parece o mesmo", now=at("2027-03-03 09:40"))
    result = a.do_merge_ticket(duplicate, cast.ana, target, now=at("2027-03-03 10:00"))
    assert result == target
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into, duplicate.outcome) == ("closed", target, "merged")
    assert {m.state for m in duplicate.metrics.all()} == {"excluded"}
    assert duplicate.next_due_at is None
    assert not Message.objects.filter(ticket=duplicate).exists()
    assert set(target.messages.values_list("body", flat=True)) >= {"Relatório não abre de novo.", "parece o mesmo"}
    assert actions_of(duplicate)[-1] == "merged_into" and actions_of(target)[-1] == "merge"
    assert target.events.get(action="merge").after == {"merged": duplicate.number, "messages": 2}
    assert duplicate.events.get(action="note").message.ticket == target  # its history still reads
    stored = {m.name: m.state for m in duplicate.metrics.all()}
    replayed = replay_one(policy_for(duplicate), timeline_json(duplicate, at("2027-03-03 10:00")))
    assert {name: m["state"] for name, m in replayed["metrics"].items()} == stored


def test_a_merge_into_a_closed_ticket_is_refused_whole(cast: Cast) -> None:
    target, duplicate = cast.ticket(), cast.ticket(description="texto")
    a.do_exclude_ticket(target, cast.ana, "usage_question")
    with pytest.raises(ActionError):
        a.do_merge_ticket(duplicate, cast.ana, target)
    duplicate.refresh_from_db()
    assert duplicate.status == "new" and duplicate.messages.count() == 1 and actions_of(duplicate) == ["created"]


def test_a_closed_ticket_cannot_be_merged(cast: Cast) -> None:
    target, duplicate = cast.ticket(), cast.ticket()
    a.do_exclude_ticket(duplicate, cast.ana, "usage_question")
    with pytest.raises(ActionError) as err:
        a.do_merge_ticket(duplicate, cast.ana, target)
    assert err.value.code == "forbidden_transition"
