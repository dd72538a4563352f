"""``policies.service``: the policy in force, recorded once per text, and each ticket keeping
the version it was received under."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from sladesk.core.policy import load_default_policy
from sladesk.policies.models import PolicyVersion
from sladesk.policies.service import current_policy, current_version, policy_of
from tests.tickets.conftest import Cast


@pytest.fixture
def custom_policy(tmp_path: Path) -> Path:
    """The default policy put in force again under another version name (a new text)."""
    text = load_default_policy().source.replace('version = "2026.1"', 'version = "2026.2-teste"', 1)
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_the_same_policy_text_is_recorded_once() -> None:
    first, again = current_version(), current_version()
    assert first.pk == again.pk and PolicyVersion.objects.count() == 1
    assert first.version == current_policy().version
    assert policy_of(first) is policy_of(again)  # parsed once per process


def test_a_ticket_keeps_the_version_it_was_received_under(cast: Cast, custom_policy: Path) -> None:
    before = cast.ticket("2026-11-24 10:00")
    current_policy.cache_clear()
    try:
        with override_settings(SLADESK_POLICY=str(custom_policy)):
            after = cast.ticket("2026-11-24 11:00")
            assert PolicyVersion.objects.count() == 2
    finally:
        current_policy.cache_clear()
    before.refresh_from_db()
    assert (before.policy_version.version, after.policy_version.version) == ("2026.1", "2026.2-teste")
