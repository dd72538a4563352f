"""Which policy is in force, and which one a ticket runs under.

The database holds the versions (``PolicyVersion``). The version in force at an instant
is the one with the latest ``effective_at`` at or before it (the first version also covers
the time before it): a version published with a future ``--effective`` takes over at that
instant, with no restart. A new ticket gets the version in force at its receipt and keeps
it (targets, rules); its calendars are those the version points at (``calendars_sha``, set
by ``sla recompute``: a holiday is a fact for every open ticket).

SLADESK_POLICY (or the default policy) only starts the history: while nothing has been
published, the configured file is the policy in force and is recorded when a ticket first
needs it (or by ``sladesk up``); once a version is published, the database decides and the
file is never recorded again (``sladesk up`` says when the file differs).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone

from sladesk.core.policy import Policy, load_default_policy, load_policy_file, parse_policy
from sladesk.policies.models import PolicyVersion

T = TypeVar("T")
_pinned = threading.local()


@contextmanager
def snapshot() -> Iterator[None]:
    """Within it, which versions are recorded is read once per question: for work done in one
    transaction (a batch of emails), where a publication from elsewhere would only count from
    the next one anyway; "now" is then the instant of the first question. Only rows that
    existed before are kept, never one written inside (a savepoint rolled back would take it
    away)."""
    outer = getattr(_pinned, "memo", None)
    _pinned.memo = {} if outer is None else outer
    try:
        yield
    finally:
        _pinned.memo = outer


def _memo(key: Any, compute: Callable[[], T]) -> T:
    memo: dict[Any, Any] | None = getattr(_pinned, "memo", None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    value: T = memo[key]
    return value


@lru_cache(maxsize=64)
def sha256_of(text: str) -> str:
    """The text's digest (kept: the configured policy's is asked for every new ticket)."""
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=4)
def _configured(path: str) -> Policy:
    return load_policy_file(path) if path else load_default_policy()


def configured_policy() -> Policy:
    """The SLADESK_POLICY file (or the default policy); raises PolicyError when invalid."""
    return _configured(settings.SLADESK_POLICY or "")


def is_published() -> bool:
    """Whether any version was published: from then on the database alone decides."""
    return _memo("published", lambda: PolicyVersion.objects.filter(published_at__isnull=False).exists())


def version_in_force(at: datetime | None = None) -> PolicyVersion | None:
    """The recorded version in force at ``at`` (now by default); None when none is recorded."""
    moment = at or timezone.now()
    return _memo(
        ("row", at or "now"),
        lambda: (
            PolicyVersion.objects.in_force_at(moment).first()
            or PolicyVersion.objects.order_by("effective_at", "id").first()
        ),
    )


def latest_version() -> PolicyVersion | None:
    """The version with the latest effective time: in force, or scheduled to be."""
    return PolicyVersion.objects.order_by("-effective_at", "-id").first()


class _CurrentPolicy:
    """``current_policy(at=None)``: the policy in force at ``at`` (now by default).

    One small query per call (two while nothing is published), so every process (web,
    worker, listener) sees a publication at once; the parsed policy is kept per text."""

    def __call__(self, at: datetime | None = None) -> Policy:
        moment = at or timezone.now()
        try:
            row = _memo(("sha", at or "now"), lambda: self._in_force(moment))
        except RuntimeError:  # a process without database access (a test that has none)
            return configured_policy()
        return configured_policy() if row is None else _by_sha(row)

    @staticmethod
    def _in_force(at: datetime) -> str | None:
        rows = PolicyVersion.objects.values_list("sha256", "published_at")
        row = rows.filter(effective_at__lte=at).order_by("-effective_at", "-id").first()
        if row is not None and row[1] is not None:
            return str(row[0])
        if not is_published():  # the configured file rules until something is published
            return None
        if row is None:  # before the first version: the first one
            first = rows.order_by("effective_at", "id").first()
            return None if first is None else str(first[0])
        return str(row[0])

    def cache_clear(self) -> None:
        """Forget the configured file (a test that changes SLADESK_POLICY)."""
        _configured.cache_clear()


current_policy = _CurrentPolicy()


def current_version(at: datetime | None = None) -> PolicyVersion:
    """The row of the policy in force at ``at``: what a ticket received then runs under.

    While nothing is published, that is the configured file, recorded the first time it is
    used (in force from then)."""
    if not is_published():
        return record_configured()
    row = version_in_force(at)
    assert row is not None  # something was published
    return row


def record_configured() -> PolicyVersion:
    """The configured file's row, recorded (in force from now) if its text is new."""
    policy = configured_policy()
    sha = sha256_of(policy.source)
    memo: dict[Any, Any] | None = getattr(_pinned, "memo", None)
    if memo is not None and ("configured", sha) in memo:
        row: PolicyVersion = memo["configured", sha]
        return row
    row, created = PolicyVersion.objects.get_or_create(
        sha256=sha, defaults={"version": policy.version, "text": policy.source, "effective_at": timezone.now()}
    )
    if memo is not None and not created:
        memo["configured", sha] = row
    return row


def text_policy(version: PolicyVersion) -> Policy:
    """The version's own text, parsed (once per process)."""
    return _parsed(version.sha256, version.text)


def policy_of(version: PolicyVersion) -> Policy:
    """The policy a ticket of this version runs under: its own targets and rules, on the
    calendars the version points at (its own until ``sla recompute`` points it further)."""
    own = text_policy(version)
    if not version.calendars_sha or version.calendars_sha == version.sha256:
        return own
    return _combined(version.sha256, version.text, version.calendars_sha)


def with_calendars(own: Policy, facts: Policy) -> Policy:
    """``own`` on the calendars of ``facts`` (each of its calendars ``facts`` also names;
    one that ``facts`` no longer has stays as ``own`` says). The built calendars are shared."""
    calendars = {name: facts.calendars.get(name, spec) for name, spec in own.calendars.items()}
    if calendars == own.calendars:
        return own
    combined = dataclasses.replace(own, calendars=calendars, _built={})
    for name, spec in calendars.items():
        if name in facts.calendars and facts.calendars[name] is spec:
            combined._built[name] = facts.calendar(name)
    return combined


@lru_cache(maxsize=64)
def _parsed(sha256: str, text: str) -> Policy:
    return parse_policy(text, f"policy {sha256[:8]}")


@lru_cache(maxsize=64)
def _combined(sha256: str, text: str, calendars_sha: str) -> Policy:
    facts = PolicyVersion.objects.filter(sha256=calendars_sha).first()
    own = _parsed(sha256, text)
    return own if facts is None else with_calendars(own, text_policy(facts))


def _by_sha(sha256: str) -> Policy:
    policy = _known.get(sha256)
    if policy is None:
        row = PolicyVersion.objects.get(sha256=sha256)
        policy = _known[sha256] = text_policy(row)
    return policy


_known: dict[str, Policy] = {}  # content-addressed: a text's sha never names another text
