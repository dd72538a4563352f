"""The worked examples of POLICY.md (policy-examples.json): the engine and the
naive oracle each give every expected key of every case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sladesk.core.policy import load_default_policy
from sladesk.core.replay import replay_one
from tests.core import oracle

CASES = json.loads((Path(__file__).parent / "data" / "policy-examples.json").read_text(encoding="utf-8"))
POLICY = load_default_policy()


def subset(expected: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
    """The part of ``got`` that ``expected`` speaks about (metrics key by key)."""
    out: dict[str, Any] = {"priority": got.get("priority"), "metrics": {}}
    for name, keys in expected["metrics"].items():
        metric = got["metrics"].get(name, {})
        out["metrics"][name] = {key: metric.get(key, "(missing)") for key in keys}
    return out


@pytest.mark.parametrize("case", CASES, ids=[f"{i + 1}-{c['name']}" for i, c in enumerate(CASES)])
def test_it_gives_the_worked_example(case: dict[str, Any]) -> None:
    got = replay_one(POLICY, case["input"])
    assert subset(case["expected"], got) == case["expected"]


@pytest.mark.parametrize("case", CASES, ids=[f"{i + 1}-{c['name']}" for i, c in enumerate(CASES)])
def test_it_has_the_oracle_agree_with_the_worked_example(case: dict[str, Any]) -> None:
    got = oracle.evaluate(POLICY, case["input"])
    assert subset(case["expected"], got) == case["expected"]


def test_it_ships_every_example_of_the_policy_page() -> None:
    assert len(CASES) == 10
    assert all(set(c) == {"name", "input", "expected"} for c in CASES)
