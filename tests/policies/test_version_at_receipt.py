"""A ticket runs under the policy version in force when it was received, even when it is
logged after a newer version took effect (a call logged late, an email back-filled)."""

from __future__ import annotations

from sladesk.core.policy import default_policy_text
from sladesk.policies.actions import do_publish_policy
from sladesk.tickets.actions import do_create_ticket
from tests.tickets.conftest import Cast, at


def test_a_ticket_logged_after_a_new_version_keeps_the_version_of_its_receipt(cast: Cast) -> None:
    do_publish_policy(default_policy_text(), "policy.toml", now=at("2027-03-01 08:00"))
    newer = default_policy_text().replace('version = "2026.1"', 'version = "2026.2"', 1)
    newer = newer.replace("warn_at_used = 0.75", "warn_at_used = 0.5", 1)
    do_publish_policy(newer, "policy.toml", now=at("2027-03-01 08:00"), effective_at=at("2027-03-01 12:00"))
    late = do_create_ticket(
        actor=cast.ana, channel="phone", requester=cast.alice, subject="Ligação de manhã",
        received_at=at("2027-03-01 10:00"), now=at("2027-03-01 13:00"),
    )  # fmt: skip
    fresh = do_create_ticket(
        actor=cast.ana, channel="phone", requester=cast.alice, subject="Ligação à tarde",
        received_at=at("2027-03-01 12:30"), now=at("2027-03-01 13:00"),
    )  # fmt: skip
    assert late.policy_version.version == "2026.1"
    assert fresh.policy_version.version == "2026.2"
