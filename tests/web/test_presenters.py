from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from sladesk.core.policy import default_policy_text, load_default_policy, parse_policy
from sladesk.tickets.presenters import (
    MetricView,
    badge,
    days_text,
    duration_text,
    format_when,
    metric_label,
    policy_label,
    policy_text,
    short_metric_label,
)

BRT = ZoneInfo("America/Sao_Paulo")
POLICY = load_default_policy()
WED_10 = datetime(2027, 3, 3, 10, 0, tzinfo=BRT)


@pytest.mark.parametrize(
    ("seconds", "business", "text"),
    [
        (0, False, "menos de 1 min"),
        (59, True, "menos de 1 min úteis"),
        (60, False, "1 min"),
        (3600, True, "1 h úteis"),
        (3900, False, "1 h 05 min"),
        (18 * 3600, True, "18 h úteis"),
        (47 * 3600, False, "47 h"),
        (50 * 3600, False, "2 d 2 h"),
        (-5, False, "menos de 1 min"),
    ],
)
def test_it_writes_durations(seconds: int, business: bool, text: str) -> None:
    assert duration_text(seconds, business) == text


def test_it_writes_durations_in_english() -> None:
    with translation.override("en"):
        assert duration_text(5400, True) == "1 h 30 min business"


def view(state: str, due: datetime | None, running: bool = True, calendar: str = "porto-alegre") -> MetricView:
    return MetricView("reply", state, calendar, 7200, due, None, running)


@pytest.mark.parametrize(
    ("metric", "now", "tone", "detail"),
    [
        (view("running", WED_10 + timedelta(hours=2)), WED_10, "ok", "faltam 2 h úteis"),
        (view("running", WED_10 + timedelta(hours=2)), WED_10 + timedelta(minutes=89), "ok", "faltam 31 min úteis"),
        (view("running", WED_10 + timedelta(hours=2)), WED_10 + timedelta(minutes=90), "risk", "faltam 30 min úteis"),
        (view("running", WED_10 + timedelta(hours=2)), WED_10 + timedelta(hours=3), "breached", "há 1 h úteis"),
        (view("breached", WED_10), WED_10 + timedelta(hours=1), "breached", "há 1 h úteis"),
        (view("breached", WED_10, running=False), WED_10 + timedelta(hours=1), "breached", ""),
        (view("met", WED_10, running=False), WED_10, "met", ""),
        (MetricView("reply", "paused", "porto-alegre", 7200, None, 1800), WED_10, "paused", "restam 30 min úteis"),
        (view("running", WED_10 + timedelta(hours=1), calendar="24x7"), WED_10, "ok", "faltam 1 h"),
        (view("running", WED_10 + timedelta(minutes=20), calendar="24x7"), WED_10, "risk", "faltam 20 min"),
        (view("not_applicable", None, running=False), WED_10, "off", ""),
    ],
)
def test_it_chooses_the_tone_and_the_time_left(metric: MetricView, now: datetime, tone: str, detail: str) -> None:
    b = badge(metric, POLICY, now)
    assert (b.tone, b.detail) == (tone, detail)
    assert b.status  # never colour alone: always a word


@pytest.mark.parametrize(
    ("language", "en", "said"),
    [("pt-br", "Reply", "Resposta"), ("en", "Reply", "Reply"), ("en", "", "Resposta")],
)
def test_it_says_a_policy_text_in_the_pages_language(language: str, en: str, said: str) -> None:
    with translation.override(language):
        assert policy_text("Resposta", en) == said


def test_it_says_the_default_metrics_in_pt_br_and_in_english() -> None:
    names = list(POLICY.metrics)
    assert [short_metric_label(n, POLICY) for n in names] == ["Resposta", "Atendimento", "Resolução"]
    assert [metric_label(n, POLICY) for n in names] == ["Resposta ao e-mail", "Atendimento", "Resolução"]
    with translation.override("en"):
        assert [short_metric_label(n, POLICY) for n in names] == ["Reply", "Response", "Resolution"]
        assert [metric_label(n, POLICY) for n in names] == ["Email reply", "Response", "Resolution"]
    assert metric_label("gone", POLICY) == short_metric_label("gone", POLICY) == "gone"  # a metric no longer in force


# A short label with no English of its own; a metric with only a pt-BR label.
SHORT = parse_policy(
    default_policy_text()
    .replace('short_label_en = "Reply"\n', "")
    .replace('label = "Atendimento"\nlabel_en = "Response"\n', 'label = "Primeiro atendimento"\n')
)


def test_a_label_without_english_stays_pt_br_on_an_english_page() -> None:
    with translation.override("en"):
        assert short_metric_label("reply", SHORT) == "Resposta"
        assert metric_label("reply", SHORT) == "Email reply"
        assert short_metric_label("response", SHORT) == metric_label("response", SHORT) == "Primeiro atendimento"


def test_templates_say_a_policy_label_with_the_label_filter() -> None:
    template = Template("{% load desk %}{{ channel|label }} · {{ portal|label }}")
    context = Context({"channel": POLICY.channels["phone"], "portal": POLICY.channels["portal"]})
    assert template.render(context) == "Telefone · Portal"
    with translation.override("en"):
        assert template.render(context) == "Phone · Portal"
    assert policy_label(POLICY.scope.categories["usage_question"]) == "Dúvida de uso"


@pytest.mark.parametrize(
    ("seconds", "business", "text"),
    [
        (8 * 3600, True, "8 h úteis"),
        (9 * 3600, True, "1 dia útil"),
        (13 * 3600, True, "1 dia útil e 4 h"),
        (89 * 9 * 3600 + 3600, True, "89 dias úteis"),
        (30 * 3600, False, "1 dia e 6 h"),
    ],
)
def test_it_writes_long_overdue_times_in_days(seconds: int, business: bool, text: str) -> None:
    assert days_text(seconds, 9 if business else 24, business) == text


def test_it_says_a_long_breach_in_business_days(time_machine) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2027, 7, 14, 10, 0, tzinfo=BRT)
    time_machine.move_to(now, tick=False)
    b = badge(view("running", WED_10), POLICY, now)
    assert b.detail.startswith("há ") and b.detail.endswith(" dias úteis")


def test_it_writes_dates_beyond_this_week_with_their_year_and_saturday_with_its_accent(time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(WED_10, tick=False)
    assert format_when(WED_10 + timedelta(days=3), short=True) == "Sáb 06/03 10:00"
    assert format_when(WED_10 + timedelta(days=5), short=True) == "Seg 08/03/2027 10:00"
    assert format_when(WED_10 - timedelta(days=400), short=True) == "Ter 27/01/2026 10:00"
    with translation.override("en"):
        assert format_when(WED_10 + timedelta(days=3), short=True).startswith("Sat")
