"""The policy file: model, loading and validation."""

from sladesk.core.policy.load import (
    PolicyError,
    default_policy_text,
    load_default_policy,
    load_policy_file,
    parse_policy,
)
from sladesk.core.policy.model import EVENT_TYPES, Metric, Policy, Target

__all__ = [
    "EVENT_TYPES",
    "Metric",
    "Policy",
    "PolicyError",
    "Target",
    "default_policy_text",
    "load_default_policy",
    "load_policy_file",
    "parse_policy",
]
