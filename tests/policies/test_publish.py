"""``sladesk policy publish``: check, record, summarise, announce to every Gestor with a seat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sladesk.core.policy import default_policy_text
from sladesk.outbound.models import OutboxMessage
from sladesk.policies.actions import DRY_RUN, SCHEDULED, UNCHANGED, PublishRefused, do_publish_policy
from sladesk.policies.models import PolicyVersion
from sladesk.policies.service import current_policy, current_version, record_configured
from tests.tickets.conftest import Cast, at

NOW = at("2027-03-05 12:00")
V2 = (
    default_policy_text()
    .replace('version = "2026.1"', 'version = "2026.2"', 1)
    .replace("close_after_days = 7 ", "close_after_days = 5 ")
)


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(V2, encoding="utf-8")
    return path


@pytest.fixture
def in_force(cast: Cast, time_machine: Any) -> PolicyVersion:
    """The desk ran on the configured (default) policy before: a ticket was received under it."""
    time_machine.move_to(at("2027-03-01 09:00"), tick=False)
    cast.ticket("2027-03-01 09:00")
    time_machine.move_to(NOW, tick=False)
    return current_version()


def test_it_records_the_version_and_emails_each_gestor_with_a_seat_once(in_force: PolicyVersion, cast: Cast) -> None:
    pub = do_publish_policy(V2, "policy.toml", now=NOW)
    assert pub.row is not None and pub.row.published_at == NOW and pub.row.effective_at == NOW
    assert current_policy().version == "2026.2" and current_version() == pub.row
    # Alice (ACME) and Bea (Lojas Beta) hold seats; Gina is a Gestor without one, Gil and Bob are not Gestores
    mails = OutboxMessage.objects.filter(template="policy_published")
    assert sorted(m.to for m in mails) == ["alice@acme.example", "bea@beta.example"]
    body = mails.first().body  # type: ignore[union-attr]
    assert "da versão 2026.1 para a versão 2026.2" in body
    assert "fechamento automático após resolvido: 7 dias → 5 dias" in body


def test_the_command_checks_first_and_records_nothing_when_the_file_is_invalid(
    in_force: PolicyVersion, tmp_path: Path, capsys: Any
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(V2.replace('default_priority = "P2"', 'default_priority = "P9"'), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        call_command("policy_publish", str(bad))
    assert exit_.value.code == 1
    assert "default_priority" in capsys.readouterr().err
    assert PolicyVersion.objects.count() == 1 and not OutboxMessage.objects.filter(template="policy_published")


def test_the_command_prints_what_changed_in_portuguese(in_force: PolicyVersion, v2: Path, capsys: Any) -> None:
    call_command("policy_publish", str(v2))
    out = capsys.readouterr().out
    assert "Versão 2026.2 publicada: em vigor desde 05/03/2027 12:00 (substitui a 2026.1)." in out
    assert "Ciclo de vida:\n  - fechamento automático após resolvido: 7 dias → 5 dias" in out
    assert "E-mail com o resumo agendado para 2 Gestor(es) com assento." in out


def test_a_dry_run_shows_everything_and_records_nothing(in_force: PolicyVersion, v2: Path, capsys: Any) -> None:
    call_command("policy_publish", str(v2), "--dry-run")
    out = capsys.readouterr().out
    assert "--dry-run: a versão 2026.2 substituiria a 2026.1" in out
    assert "Seriam avisados por e-mail 2 Gestor(es) com assento." in out
    assert PolicyVersion.objects.count() == 1 and not OutboxMessage.objects.filter(template="policy_published").exists()
    assert do_publish_policy(V2, "p", now=NOW, dry_run=True).outcome == DRY_RUN


def test_publishing_the_same_text_again_changes_nothing(in_force: PolicyVersion) -> None:
    do_publish_policy(V2, "policy.toml", now=NOW)
    again = do_publish_policy(V2, "policy.toml", now=at("2027-03-06 12:00"))
    assert again.outcome == UNCHANGED
    assert PolicyVersion.objects.count() == 2 and OutboxMessage.objects.filter(template="policy_published").count() == 2


def test_it_refuses_a_version_string_already_recorded_with_another_text(in_force: PolicyVersion) -> None:
    text = default_policy_text().replace("close_after_days = 7 ", "close_after_days = 3 ")  # still 2026.1
    with pytest.raises(PublishRefused, match=r"'2026\.1' is already recorded with a different text"):
        do_publish_policy(text, "policy.toml", now=NOW)
    assert PolicyVersion.objects.count() == 1


def test_it_refuses_to_take_effect_before_the_version_it_follows(in_force: PolicyVersion, v2: Path) -> None:
    with pytest.raises(PublishRefused, match=r"is before version 2026\.1"):
        do_publish_policy(V2, "policy.toml", effective_at=at("2027-02-01 00:00"), now=NOW)
    with pytest.raises(CommandError, match="nothing published"):
        call_command("policy_publish", str(v2), "--effective", "2027-02-01T00:00")
    assert PolicyVersion.objects.count() == 1 and not OutboxMessage.objects.filter(template="policy_published").exists()


def test_a_future_version_takes_effect_at_its_time_and_each_ticket_keeps_its_own(
    in_force: PolicyVersion, cast: Cast, time_machine: Any
) -> None:
    pub = do_publish_policy(V2, "policy.toml", effective_at=at("2027-03-08 00:00"), now=NOW)
    assert pub.outcome == SCHEDULED
    before = cast.ticket("2027-03-05 12:00")
    assert (current_policy().version, before.policy_version.version) == ("2026.1", "2026.1")
    time_machine.move_to(at("2027-03-08 09:00"), tick=False)
    after = cast.ticket("2027-03-08 09:00")
    assert (current_policy().version, after.policy_version.version) == ("2026.2", "2026.2")
    assert current_policy(at("2027-03-07 23:59")).version == "2026.1"
    before.refresh_from_db()
    assert before.policy_version.version == "2026.1"


def test_once_published_the_configured_file_is_no_longer_recorded(
    in_force: PolicyVersion, tmp_path: Path, settings: Any
) -> None:
    do_publish_policy(V2, "policy.toml", now=NOW)
    other = tmp_path / "other.toml"
    other.write_text(default_policy_text().replace('version = "2026.1"', 'version = "9.9"', 1), encoding="utf-8")
    settings.SLADESK_POLICY = str(other)
    current_policy.cache_clear()
    try:
        assert current_version().version == "2026.2" and current_policy().version == "2026.2"
        assert not PolicyVersion.objects.filter(version="9.9").exists()
        assert record_configured().version == "9.9"  # only by hand: `up` never calls it once published
    finally:
        current_policy.cache_clear()


def test_a_gestor_whose_contract_ended_is_not_emailed(in_force: PolicyVersion, cast: Cast) -> None:
    from datetime import date

    from sladesk.directory.models import Contract

    Contract.objects.filter(customer=cast.beta).update(ends_on=date(2027, 1, 31))
    do_publish_policy(V2, "policy.toml", now=NOW)
    assert [m.to for m in OutboxMessage.objects.filter(template="policy_published")] == ["alice@acme.example"]
