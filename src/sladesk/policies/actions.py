"""Publishing a policy version: ``do_publish_policy``.

One transaction records the version and schedules one email per Gestor holding a seat of
a contract in force (the policy: "publishing a new version emails every Gestor with a
seat, with what changed"); the outbox sends them after commit. The calendars of a version
in force now are then applied to the open tickets (``tickets.recompute``); a version that
takes effect later is applied when it does (``sladesk sla recompute``, run by ``sladesk
up`` and by the worker).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sladesk.core.policy import Policy, parse_policy
from sladesk.core.policy.diff import Change, diff_policies, summary_lines
from sladesk.directory.models import Person
from sladesk.outbound.actions import schedule_email
from sladesk.policies.models import PolicyVersion
from sladesk.policies.service import configured_policy, latest_version, sha256_of, text_policy, version_in_force

PUBLISHED = "published"
SCHEDULED = "scheduled"  # published, in force from a later instant
UNCHANGED = "unchanged"  # this very text is already recorded
DRY_RUN = "dry_run"
TEMPLATE = "policy_published"


class PublishRefused(Exception):
    """The publication was refused; nothing was recorded."""


@dataclass
class Publication:
    outcome: str
    policy: Policy
    effective_at: datetime
    previous: str  # the version this one follows ("" for the first)
    changes: list[Change] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    row: PolicyVersion | None = None

    @property
    def summary(self) -> list[str]:
        return summary_lines(self.changes)


def gestores_with_seat(now: datetime) -> list[str]:
    """The email of every active Gestor holding a seat of a contract in force, once each."""
    people = Person.objects.select_related("customer__contract").filter(
        is_active=True, role=Person.Role.GESTOR, support_seat=True
    )
    out = set()
    for person in people:
        contract = getattr(person.customer, "contract", None)
        if contract is not None and contract.is_valid_on(timezone.localdate(now)) and person.email:
            out.add(person.email.strip().lower())
    return sorted(out)


def do_publish_policy(
    text: str,
    source: str,
    *,
    effective_at: datetime | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> Publication:
    """Check ``text`` (PolicyError when invalid), then record it as the version in force from
    ``effective_at`` (now by default) and email the Gestores what changed."""
    policy = parse_policy(text, source)
    now = now or timezone.now()
    effective_at = effective_at or now
    sha = sha256_of(text)
    same = PolicyVersion.objects.filter(sha256=sha).first()
    if same is not None:
        return Publication(UNCHANGED, policy, same.effective_at, same.version, row=same)
    with transaction.atomic():
        base = _base(policy, effective_at)
        previous = text_policy(base) if base else configured_policy()
        pub = Publication(
            PUBLISHED if effective_at <= now else SCHEDULED, policy, effective_at,
            previous.version, diff_policies(previous, policy),
        )  # fmt: skip
        pub.recipients = gestores_with_seat(now)
        if dry_run:
            pub.outcome = DRY_RUN
            return pub
        pub.row = PolicyVersion.objects.create(
            version=policy.version, sha256=sha, text=text, effective_at=effective_at, published_at=now,
            summary="\n".join(pub.summary),
        )  # fmt: skip
        _email(pub)
    return pub


def _base(policy: Policy, effective_at: datetime) -> PolicyVersion | None:
    """The version the new one follows (the latest, in force or scheduled), checked under a lock."""
    base = latest_version()
    if base is not None:
        base = PolicyVersion.objects.select_for_update().get(pk=base.pk)
        if effective_at < base.effective_at:
            raise PublishRefused(
                f"--effective {timezone.localtime(effective_at):%Y-%m-%d %H:%M} is before version {base.version}, "
                f"in force from {timezone.localtime(base.effective_at):%Y-%m-%d %H:%M}: a version takes effect "
                "after the one it follows"
            )
    taken = PolicyVersion.objects.filter(version=policy.version).first()
    if taken is not None:
        raise PublishRefused(
            f"version {policy.version!r} is already recorded with a different text (in force from "
            f"{timezone.localtime(taken.effective_at):%Y-%m-%d %H:%M}): give this file a new `version`"
        )
    return base


def _email(pub: Publication) -> None:
    """One email per Gestor, pt-BR, in the publication's transaction."""
    with translation.override("pt-br"):
        when = timezone.localtime(pub.effective_at).strftime("%d/%m/%Y %H:%M")
        subject = _("Mudança na política de suporte: versão %(version)s") % {"version": pub.policy.version}
        intro = _(
            "A política de suporte (%(name)s) muda da versão %(previous)s para a versão %(version)s, "
            "em vigor a partir de %(when)s. Os chamados abertos antes disso seguem a versão em que foram "
            "recebidos; feriados e fechamentos do calendário valem para todos."
        ) % {"name": pub.policy.name, "previous": pub.previous, "version": pub.policy.version, "when": when}
        body = "\n".join([intro, "", _("O que mudou:"), *pub.summary, ""])
    for to in pub.recipients:
        schedule_email(to, subject, body, TEMPLATE, automatic=True)


def in_force_text(now: datetime | None = None) -> str:
    """One line: the version in force now."""
    row = version_in_force(now)
    if row is None:
        return f"{configured_policy().version} (SLADESK_POLICY, not recorded yet)"
    return f"{row.version} ({row.sha256[:8]}), in force from {timezone.localtime(row.effective_at):%Y-%m-%d %H:%M}"
