"""What the triage reads of a policy: its priorities (their order), its scope's categories and
its required information. ``Rules`` is that much of a ``Policy``; ``TriageRules.of(policy)`` is
that much alone, a small value that travels to the reading-ahead helper process (a whole policy
holds its calendars, which stay here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sladesk.core.policy.model import Policy, Priority, RequiredItem, Scope


class Rules(Protocol):
    @property
    def priorities(self) -> Mapping[str, Priority]: ...

    @property
    def scope(self) -> Scope: ...

    @property
    def required_information(self) -> tuple[RequiredItem, ...]: ...


@dataclass(frozen=True)
class TriageRules:
    priorities: Mapping[str, Priority]
    scope: Scope
    required_information: tuple[RequiredItem, ...]

    @classmethod
    def of(cls, policy: Policy) -> TriageRules:
        return cls(dict(policy.priorities), policy.scope, tuple(policy.required_information))
