"""``core.policy.diff``: what changed between two policies, in pt-BR, as a table of edits."""

from __future__ import annotations

from datetime import date

import pytest

from sladesk.core.policy import default_policy_text, parse_policy
from sladesk.core.policy.diff import changed_days, diff_policies, summary_lines

DEFAULT = default_policy_text()
OLD = parse_policy(DEFAULT)


def edited(*pairs: tuple[str, str]) -> str:
    text = DEFAULT
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


CASES = [
    # (what, the edits, section, the line it gives)
    ("version", [('version = "2026.1"', 'version = "2026.2"')], "general", "versão: 2026.1 → 2026.2"),
    (
        "a target",
        [('targets.P3 = { business_days = 2, calendar = "porto-alegre" }',
          'targets.P3 = { business_days = 1, calendar = "porto-alegre" }')],
        "targets",
        "Atendimento, P3: 2 dias úteis = 18 h úteis (porto-alegre) → 1 dia útil = 9 h úteis (porto-alegre)",
    ),
    (
        "a target's calendar",
        [('targets.P2 = { hours = 2, calendar = "porto-alegre" }\ntargets.P3 = { business_days = 2',
          'targets.P2 = { hours = 2, calendar = "24x7" }\ntargets.P3 = { business_days = 2')],
        "targets",
        "Atendimento, P2: 2 h úteis (porto-alegre) → 2 h, 24x7 (24x7)",
    ),
    ("hours", [('week.fri = ["09:00-18:00"]', 'week.fri = ["08:00-12:00", "13:00-17:00"]')], "calendars",
     "porto-alegre: horário de sex: 09:00–18:00 → 08:00–12:00, 13:00–17:00"),
    ("a day closed", [('week.sat = []', 'week.sat = ["09:00-13:00"]')], "calendars",
     "porto-alegre: horário de sáb: fechado → 09:00–13:00"),
    (
        "a holiday added",
        [('{ name = "Corpus Christi", easter_offset = 60 },',
          '{ name = "Corpus Christi", easter_offset = 60 },\n  { name = "Consciência Negra", month = 11, day = 20 },')],
        "calendars",
        "porto-alegre: feriado acrescentado: Consciência Negra (todo 20/11)",
    ),
    ("a holiday removed", [('  { name = "Corpus Christi", easter_offset = 60 },\n', "")], "calendars",
     "porto-alegre: feriado retirado: Corpus Christi (todo ano, Páscoa +60 dias)"),
    ("official holidays", [('subdivision = "RS"', 'subdivision = "SC"')], "calendars",
     "porto-alegre: feriados oficiais BR-RS (public) → BR-SC (public)"),
    ("a whole-day closure", [("closures = []", 'closures = [{ date = "2027-02-08", reason = "Carnaval" }]')],
     "calendars", "porto-alegre: fechamento acrescentado: 08/02/2027 o dia todo (Carnaval)"),
    ("a morning closure", [("closures = []", 'closures = [{ date = "2027-02-10", until = "12:00" }]')],
     "calendars", "porto-alegre: fechamento acrescentado: 10/02/2027 até 12:00"),
    ("an afternoon closure", [("closures = []", 'closures = [{ date = "2027-12-24", from = "13:00" }]')],
     "calendars", "porto-alegre: fechamento acrescentado: 24/12/2027 a partir de 13:00"),
    ("out of scope", [('in_scope = false\nreply = """\nProblemas na', 'in_scope = true\nreply = """\nProblemas na')],
     "scope", "Instalação do aplicativo: passa a ser atendido"),
    ("a channel's priorities", [('priorities = ["P1"]              # phone', 'priorities = ["P1", "P2"]  # phone')],
     "channels", "Telefone, prioridades: P1 → P1, P2"),
    ("the phone number", [('number = "+55 51 3393.8000"', 'number = "+55 51 4000.1234"')], "channels",
     "Telefone, número: +55 51 3393.8000 → +55 51 4000.1234"),
    ("reopen window", [("reopen_window_days = 7 ", "reopen_window_days = 10 ")], "lifecycle",
     "prazo para reabrir um chamado resolvido: 7 dias → 10 dias"),
    ("auto close", [("close_after_days = 7 ", "close_after_days = 1 ")], "lifecycle",
     "fechamento automático após resolvido: 7 dias → 1 dia"),
    ("warning share", [("warn_at_used = 0.75", "warn_at_used = 0.8")], "notifications",
     "aviso antes do prazo: 75 % → 80 %"),
    ("urgent priorities", [('urgent_priorities = ["P1"]', 'urgent_priorities = ["P1", "P2"]')], "notifications",
     "prioridades avisadas a qualquer hora: P1 → P1, P2"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "edits", "section", "line"), CASES, ids=[c[0] for c in CASES])
def test_it_says_each_change_in_words(what: str, edits: list[tuple[str, str]], section: str, line: str) -> None:
    changes = diff_policies(OLD, parse_policy(edited(*edits)))
    assert [(c.section, c.text) for c in changes] == [(section, line)]


def test_a_shorter_business_day_shortens_the_targets_counted_in_days_too() -> None:
    changes = diff_policies(OLD, parse_policy(edited(("day_hours = 9 ", "day_hours = 8 "))))
    assert [c.text for c in changes if c.section == "calendars"] == ["porto-alegre: 1 dia útil 9 h → 8 h"]
    assert "Resolução, P3: 4 dias úteis = 36 h úteis (porto-alegre) → 4 dias úteis = 32 h úteis (porto-alegre)" in [
        c.text for c in changes
    ]


def test_the_same_policy_has_no_changes_and_the_summary_says_so() -> None:
    assert diff_policies(OLD, parse_policy(DEFAULT)) == []
    assert summary_lines([]) == [
        "Nenhuma mudança nas regras (prazos, calendários, escopo, canais, ciclo de vida, avisos)."
    ]


def test_the_summary_groups_changes_under_their_sections_in_order() -> None:
    new = parse_policy(
        edited(('version = "2026.1"', 'version = "2026.2"'), ("close_after_days = 7 ", "close_after_days = 5 "))
    )
    assert summary_lines(diff_policies(OLD, new)) == [
        "Geral:",
        "  - versão: 2026.1 → 2026.2",
        "Ciclo de vida:",
        "  - fechamento automático após resolvido: 7 dias → 5 dias",
    ]


def test_changed_days_are_the_days_whose_open_hours_differ() -> None:
    new = parse_policy(edited(
        ("closures = []", 'closures = [{ date = "2027-03-03", until = "12:00" }, { date = "2027-03-06" }]'),
        ('{ name = "Corpus Christi", easter_offset = 60 },',
         '{ name = "Corpus Christi", easter_offset = 60 },\n  { name = "X", date = "2027-03-05" },'),
    ))  # fmt: skip
    old_spec, new_spec = OLD.calendars["porto-alegre"], new.calendars["porto-alegre"]
    # Saturday 03-06 is closed either way: closing it changes nothing
    assert changed_days(old_spec, new_spec, date(2027, 3, 1), date(2027, 3, 31)) == [date(2027, 3, 3), date(2027, 3, 5)]
    assert changed_days(old_spec, old_spec, date(2027, 1, 1), date(2027, 12, 31)) == []


def test_a_zone_or_kind_change_changes_every_day() -> None:
    new = parse_policy(
        edited(('kind = "business"\ntimezone = "America/Sao_Paulo"', 'kind = "business"\ntimezone = "America/Manaus"'))
    )
    assert (
        changed_days(OLD.calendars["porto-alegre"], new.calendars["porto-alegre"], date(2027, 1, 1), date(2027, 1, 2))
        is None
    )
