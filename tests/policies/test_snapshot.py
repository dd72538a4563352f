"""``policies.service.snapshot``: within one batch the versions in force are read once;
outside it every call asks the database (a publication elsewhere counts at once)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sladesk.core.policy import default_policy_text
from sladesk.policies.actions import do_publish_policy
from sladesk.policies.service import current_policy, current_version, snapshot
from tests.tickets.conftest import at


def asked(work: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        work()
    return len(queries)


@pytest.mark.django_db
def test_within_a_snapshot_the_versions_are_read_once() -> None:
    do_publish_policy(default_policy_text(), "policy.toml", now=at("2027-03-01 08:00"))
    both = lambda: (current_policy(), current_version())  # noqa: E731
    assert asked(both) > 0 and asked(both) > 0  # each call asks
    with snapshot():
        assert asked(both) > 0
        assert asked(both) == 0  # asked once per batch
        assert asked(both) == 0


@pytest.mark.django_db
def test_a_publication_counts_from_the_next_snapshot() -> None:
    do_publish_policy(default_policy_text(), "policy.toml")
    newer = default_policy_text().replace('version = "2026.1"', 'version = "2026.2"', 1)
    with snapshot():
        assert current_policy().version == "2026.1"
        do_publish_policy(newer.replace("warn_at_used = 0.75", "warn_at_used = 0.5"), "p.toml")
        assert current_policy().version == "2026.1"  # this batch keeps what it read
    with snapshot():
        assert current_policy().version == "2026.2"
    assert current_policy().version == "2026.2"
