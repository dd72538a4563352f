"""The desk in pt-BR and English: the catalogue of the desk's own words, and the policy's
words, said from the policy file (`label` in pt-BR, `label_en` when it gives one)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sladesk.core.policy import PolicyError, default_policy_text, load_default_policy, parse_policy
from tests.web import test_phone
from tests.web.conftest import World, open_ticket
from tests.web.test_phone import in_english
from tests.web.test_queue import client_for

BRT = ZoneInfo("America/Sao_Paulo")
WED_10 = datetime(2027, 3, 3, 10, 0, tzinfo=BRT)
QUEUE = reverse("tickets:queue")
policy_in_force = test_phone.policy_in_force  # the fixture that puts a policy text in force

# The default policy with a metric of its own (with an English label) and the resolution
# relabelled in pt-BR only.
CUSTOM = (
    default_policy_text().replace('label = "Resolução"\nlabel_en = "Resolution"\n', 'label = "Solução"\n')
    + """
[metrics.triage]
label = "Triagem"
label_en = "Triage"
stop_on = ["handling_started", "resolved"]
targets.P1 = { hours = 1, calendar = "24x7" }
targets.P2 = { hours = 4, calendar = "porto-alegre" }
targets.P3 = { hours = 8, calendar = "porto-alegre" }
"""
)


def test_it_has_every_message_translated_and_compiled() -> None:
    call_command("compilemessages_py", "--check")


def labels_seen(client: Client, code: str) -> tuple[list[str], list[str], list[str]]:
    """The queue's column headers, the SLA panel's metrics and the created event's deadlines
    (in the order of the stored JSON: PostgreSQL's jsonb has its own, hence sorted)."""
    columns = client.get(QUEUE).context["columns"]
    page = client.get(reverse("tickets:detail", args=[code])).context
    deadlines = sorted(d.metric for d in page["timeline"][0].deadlines)
    return columns, [row.badge.label for row in page["sla"]], deadlines


def test_the_default_policys_labels_show_in_pt_br_and_in_english(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "Erro ao salvar pedido", priority="P2")
    columns, panel, timeline = labels_seen(client_for(world.ana), t.code)
    assert columns == ["Resposta", "Atendimento", "Resolução"]
    assert panel == ["Resposta ao e-mail", "Atendimento", "Resolução"]
    assert timeline == sorted(panel)
    columns, panel, timeline = labels_seen(in_english(client_for(world.ana)), t.code)
    assert columns == ["Reply", "Response", "Resolution"]
    assert panel == ["Email reply", "Response", "Resolution"]
    assert timeline == sorted(panel)


def test_the_ticket_page_says_the_rules_in_its_language(world: World, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "Erro ao salvar pedido", priority="P2")
    page = reverse("tickets:detail", args=[t.code])
    html = client_for(world.ana).get(page).content.decode()
    assert "<strong>Resposta ao e-mail</strong>" in html and "2 dias úteis = 18 h úteis" in html
    html = in_english(client_for(world.ana)).get(page).content.decode()
    assert "<strong>Email reply</strong>" in html and "2 business days = 18 business hours" in html
    assert "dias úteis" not in html


def test_a_custom_policys_labels_show_in_both_languages(  # type: ignore[no-untyped-def]
    world: World, time_machine, policy_in_force: Callable[[str], None]
) -> None:
    policy_in_force(CUSTOM)
    time_machine.move_to(WED_10, tick=False)
    t = open_ticket(world.gabriela, "Erro ao salvar pedido", priority="P2")
    columns, panel, timeline = labels_seen(client_for(world.ana), t.code)
    assert columns == ["Resposta", "Atendimento", "Solução", "Triagem"]
    assert panel == ["Resposta ao e-mail", "Atendimento", "Solução", "Triagem"]
    assert timeline == sorted(panel)
    english = in_english(client_for(world.ana))
    columns, panel, timeline = labels_seen(english, t.code)
    assert columns == ["Reply", "Response", "Solução", "Triage"]  # no English label: the pt-BR one
    assert panel == ["Email reply", "Response", "Solução", "Triage"]
    assert timeline == sorted(panel)
    html = english.get(QUEUE).content.decode()
    assert '<th class="sla">Triage</th>' in html and '<th class="sla">Solução</th>' in html
    html = english.get(reverse("tickets:detail", args=[t.code])).content.decode()
    assert "<strong>Triage</strong>" in html and "4 business hours" in html


def test_the_default_policy_gives_every_label_in_english() -> None:
    policy = load_default_policy()
    labelled = [*policy.metrics.values(), *policy.scope.categories.values(), *policy.required_information]
    assert [item.label for item in labelled if not item.label_en] == []
    assert [p.name for p in policy.priorities.values() if not p.description_en] == []
    assert policy.metrics["reply"].short_label_en == "Reply"
    assert policy.metrics["response"].short_label_en == "Response"  # no short label: the label


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('label_en = "Email reply"', 'label_en = ""', "metrics.reply.label_en = '': expected a non-empty string"),
        ('label_en = "Email reply"', "label_en = 2", "metrics.reply.label_en = 2: expected a non-empty string"),
        ('label_en = "Phone"', 'label_en = " "', "channels.phone.label_en = ' ': expected a non-empty string"),
        (
            'description_en = "Problems not covered by P1 and P2"',
            'description_en = ""',
            "priorities.P3.description_en = '': expected a non-empty string",
        ),
        (
            'label_en = "App installation"',
            'label_fr = "Installation"',
            "scope.categories.installation.label_fr = 'Installation': expected no such key "
            "(known keys: label, label_en, in_scope, reply, alternatives)",
        ),
        (
            'label_en = "Steps to reproduce the problem"',
            'label_en = ""',
            "required_information[4].label_en = '': expected a non-empty string",
        ),
    ],
)
def test_a_policy_with_a_bad_english_label_is_refused_naming_it(old: str, new: str, problem: Any) -> None:
    text = default_policy_text()
    assert old in text
    with pytest.raises(PolicyError) as refused:
        parse_policy(text.replace(old, new))
    assert refused.value.problems == [problem]
