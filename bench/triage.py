"""Triage accuracy on the hand-labelled corpus (issue #9, section 3).

The corpus (``tests/intake/corpus/``, labelled by hand from the policy's reading) is run through
``sladesk.intake.triage.triage`` with the default policy and the corpus's directory. The aims:
scope (in or out of scope) right for >= 90 % of requests; every outage (labelled P1) caught, with
at most 1 false P1 per 30 requests; completeness right for >= 90 % of (request, required item) pairs.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Check
from sladesk.core.policy import Policy, load_default_policy
from sladesk.intake.triage import Candidate, Triage, fold, in_scope, triage

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "intake" / "corpus"
SCOPE_AIM = 0.90
COMPLETENESS_AIM = 0.90
FALSE_P1_PER_30_AIM = 1.0


def load_corpus(folder: Path = CORPUS) -> tuple[list[dict[str, Any]], list[Candidate]]:
    """The labelled requests and the directory they come from."""
    lines = (folder / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    requests = [json.loads(line) for line in lines if line.strip()]
    people = [Candidate(**p) for p in json.loads((folder / "people.json").read_text(encoding="utf-8"))]
    return requests, people


@dataclass
class TriageResult:
    """How the triage did on each labelled request, and the misses in words."""

    n: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    category_right: int = 0
    scope_right: int = 0
    outages: int = 0
    outages_caught: int = 0
    false_p1: int = 0
    priority_right: int = 0
    items: int = 0
    items_right: int = 0
    people: int = 0  # requests labelled with an affected person or store
    people_right: int = 0
    seconds: float = 0.0
    misses: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in AIMS})

    def pct(self, right: int, of: int) -> float:
        return 100.0 * right / of if of else 100.0

    @property
    def false_p1_per_30(self) -> float:
        return 30.0 * self.false_p1 / self.n if self.n else 0.0

    def checks(self) -> list[Check]:
        return [
            Check(
                f"scope (in or out) right: {self.scope_right}/{self.n} requests",
                self.pct(self.scope_right, self.n), 100 * SCOPE_AIM, " %",
            ),
            Check(
                f"outages caught as P1: {self.outages_caught}/{self.outages}",
                self.pct(self.outages_caught, self.outages), 100.0, " %",
            ),
            Check(
                f"false P1 per 30 requests: {self.false_p1} in {self.n}",
                self.false_p1_per_30, FALSE_P1_PER_30_AIM, "", at_least=False,
            ),
            Check(
                f"completeness right: {self.items_right}/{self.items} (request, item) pairs",
                self.pct(self.items_right, self.items), 100 * COMPLETENESS_AIM, " %",
            ),
        ]  # fmt: skip

    def report(self) -> list[str]:
        sizes = ", ".join(f"{code} {count}" for code, count in sorted(self.by_category.items()))
        rate = self.n / self.seconds if self.seconds else 0.0
        return [
            *(c.line() for c in self.checks()),
            f"        corpus: {self.n} requests ({sizes}); {self.outages} outages",
            f"        exact category {self.pct(self.category_right, self.n):.1f} %,"
            f" exact priority {self.pct(self.priority_right, self.n):.1f} %,"
            f" affected person and store {self.people_right}/{self.people}",
            f"        triage(): {rate:,.0f} requests/s, {1e6 / rate if rate else 0:,.0f} µs a request"
            " (the best pass over the corpus)",
        ]


AIMS = ("category", "scope", "outage", "false_p1", "completeness", "people")


def _same(a: str, b: str) -> bool:
    return " ".join(fold(a).split()) == " ".join(fold(b).split())


def score_one(result: TriageResult, policy: Policy, request: dict[str, Any], got: Triage) -> None:
    """Count one request's outcome against its labels; keep each miss in words."""
    rid, want = request["id"], request["category"]
    result.n += 1
    result.by_category[want] += 1
    result.category_right += got.category == want
    if got.category != want:
        result.misses["category"].append(f"{rid}: {want} -> {got.category} ({got.category_reason})")
    if in_scope(policy, got.category) == in_scope(policy, want):
        result.scope_right += 1
    else:
        result.misses["scope"].append(f"{rid}: {want} -> {got.category} ({got.category_reason})")
    _score_priority(result, policy, request, got)
    _score_missing(result, request, got)
    if request["affected_email"] or request["affected_store"]:
        result.people += 1
    right = _same(got.affected_email, request["affected_email"]) and _same(
        got.affected_store, request["affected_store"]
    )
    result.people_right += right and bool(request["affected_email"] or request["affected_store"])
    if not right:
        result.misses["people"].append(
            f"{rid}: {request['affected_email']!r}/{request['affected_store']!r}"
            f" -> {got.affected_email!r}/{got.affected_store!r}"
        )


def _score_priority(result: TriageResult, policy: Policy, request: dict[str, Any], got: Triage) -> None:
    top = next(iter(policy.priorities))
    rid, want = request["id"], request["priority"]
    result.priority_right += got.priority == want
    if want == top:
        result.outages += 1
        result.outages_caught += got.priority == top
        if got.priority != top:
            result.misses["outage"].append(f"{rid}: {top} -> {got.priority!r} ({got.priority_reason})")
    elif got.priority == top:
        result.false_p1 += 1
        result.misses["false_p1"].append(f"{rid}: {want!r} -> {top} ({got.priority_reason})")


def _score_missing(result: TriageResult, request: dict[str, Any], got: Triage) -> None:
    keys = ("description", "affected_user", "occurred_at", "error_messages", "steps_to_reproduce")
    for key in keys:
        want, said = key in request["missing"], key in got.missing
        result.items += 1
        result.items_right += want == said
        if want != said:
            said_as = "present" if want else "missing"
            result.misses["completeness"].append(f"{request['id']}: {key} labelled {'missing' if want else 'present'},"
                                                 f" triage says {said_as}")  # fmt: skip


def score_corpus(folder: Path = CORPUS) -> TriageResult:
    """Every labelled request of ``folder`` through triage() with the default policy, scored."""
    policy = load_default_policy()
    requests, people = load_corpus(folder)
    result = TriageResult()
    for request in requests:
        score_one(result, policy, request, triage(request["subject"], request["text"], policy, people))
    return result


def run_triage(folder: Path = CORPUS, repeats: int = 20) -> TriageResult:
    """Score the corpus, then time ``repeats`` passes of triage() over it (the best pass counts)."""
    result = score_corpus(folder)
    policy = load_default_policy()
    requests, people = load_corpus(folder)
    best = float("inf")
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        for request in requests:
            triage(request["subject"], request["text"], policy, people)
        best = min(best, time.perf_counter() - t0)
    result.seconds = best
    return result


if __name__ == "__main__":
    outcome = run_triage()
    print("\n".join(outcome.report()))
    for aim, lines in outcome.misses.items():
        for line in lines:
            print(f"  [{aim}] {line}")
