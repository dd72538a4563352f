"""The policy in force, loaded once per process from SLADESK_POLICY (or the default)."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.conf import settings

from sladesk.core.policy import Policy, load_default_policy, load_policy_file, parse_policy
from sladesk.policies.models import PolicyVersion


@lru_cache(maxsize=1)
def current_policy() -> Policy:
    """The configured policy; raises PolicyError when the file is invalid."""
    path = settings.SLADESK_POLICY
    return load_policy_file(path) if path else load_default_policy()


def current_version() -> PolicyVersion:
    """The database row of the policy in force, created the first time it is used."""
    policy = current_policy()
    digest = hashlib.sha256(policy.source.encode()).hexdigest()
    row, _ = PolicyVersion.objects.get_or_create(
        sha256=digest, defaults={"version": policy.version, "text": policy.source}
    )
    return row


@lru_cache(maxsize=32)
def _parsed(sha256: str, text: str) -> Policy:
    return parse_policy(text, f"policy {sha256[:8]}")


def policy_of(version: PolicyVersion) -> Policy:
    """The policy a ticket runs under (parsed once per process)."""
    return _parsed(version.sha256, version.text)
