"""A target in words, in pt-BR (the engine's JSON) and in English (an English page)."""

from __future__ import annotations

import pytest

from sladesk.core.calendar import CalendarSpec
from sladesk.core.policy import Target, load_default_policy
from sladesk.core.policy.model import say, target_us
from sladesk.core.rules import rule_text

POLICY = load_default_policy()
BUSINESS = POLICY.calendars["porto-alegre"]  # a business day is 9 hours
ALWAYS = POLICY.calendars["24x7"]


def days(n: float, spec: CalendarSpec = BUSINESS) -> Target:
    return Target(spec.name, target_us(spec, None, n), None, n)


def hours(n: float, spec: CalendarSpec = BUSINESS) -> Target:
    return Target(spec.name, target_us(spec, n, None), n, None)


@pytest.mark.parametrize(
    ("target", "spec", "pt_br", "en"),
    [
        (hours(2), BUSINESS, "2 h úteis", "2 business hours"),
        (days(2), BUSINESS, "2 dias úteis = 18 h úteis", "2 business days = 18 business hours"),
        (days(1), BUSINESS, "1 dia útil = 9 h úteis", "1 business day = 9 business hours"),
        (days(1.5), BUSINESS, "1.5 dias úteis = 13.5 h úteis", "1.5 business days = 13.5 business hours"),
        (hours(2, ALWAYS), ALWAYS, "2 h, 24x7", "2 h, 24x7"),
        (hours(4, ALWAYS), ALWAYS, "4 h, 24x7", "4 h, 24x7"),
    ],
)
def test_it_says_a_target_in_pt_br_and_in_english(target: Target, spec: CalendarSpec, pt_br: str, en: str) -> None:
    assert rule_text(target, spec) == pt_br  # what `sla replay` writes
    assert rule_text(target, spec, "pt-br") == pt_br
    assert rule_text(target, spec, "en") == en


def test_it_says_the_default_policys_targets_in_words() -> None:
    resolution = POLICY.metrics["resolution"].targets
    assert rule_text(resolution["P2"], BUSINESS) == "2 dias úteis = 18 h úteis"
    assert rule_text(resolution["P3"], BUSINESS, "en") == "4 business days = 36 business hours"


@pytest.mark.parametrize(
    ("language", "en", "said"),
    [
        ("pt-br", "Reply", "Resposta"),
        ("en", "Reply", "Reply"),
        ("en-us", "Reply", "Reply"),
        ("EN", "Reply", "Reply"),
        ("en", "", "Resposta"),  # no English given: the pt-BR text, never an empty one
        ("fr", "Reply", "Resposta"),  # a language the policy does not speak
        (None, "Reply", "Resposta"),  # translations deactivated
        ("", "Reply", "Resposta"),
    ],
)
def test_it_says_a_policy_text_in_the_language_asked_for(language: str | None, en: str, said: str) -> None:
    assert say(language, "Resposta", en) == said


def test_an_unknown_language_gets_the_rule_in_pt_br() -> None:
    assert rule_text(days(2), BUSINESS, "es") == "2 dias úteis = 18 h úteis"
