"""What an agent does with mail that did not become a ticket: release it (processed again,
past the check that held it) or discard it. One transaction each, deciding on the mail's row
as locked, with a ``MailEvent`` that says who did it and what came of it."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from sladesk.intake import process
from sladesk.intake.models import InboundMail, MailEvent, Outcome, Review
from sladesk.staff.access import profile_of
from sladesk.tickets.actions import FORBIDDEN, FORBIDDEN_TRANSITION, INVALID, ActionError

HELD = (Outcome.REJECTED, Outcome.QUARANTINED)  # what an agent may still release or discard


def may_review_mail(user: User) -> bool:
    """Only the vendor's staff: a partner's agent would learn of other customers' mail."""
    return profile_of(user).sees_every_customer


def do_release_mail(mail: InboundMail, actor: User) -> process.Result:
    """Process the email again from its raw bytes, skipping the check that held it; a rejected
    one meets the directory as it is now (a seat given since, say). Still held afterwards (held
    for another reason, or still not entitled): it stays open for review, the release recorded."""
    with transaction.atomic():
        row = _open(mail, actor)
        try:
            raw = row.raw_bytes()
        except OSError as exc:
            raise ActionError(
                INVALID, f"the raw email {row.raw_path or row.pk} cannot be read: {exc.strerror or exc}"
            ) from exc
        before = row.events.order_by("-pk").values_list("pk", flat=True).first() or 0
        process.reprocess(row, raw, released_from=row.reason)
        row.refresh_from_db()
        now = timezone.now()
        row.review = Review.OPEN if row.outcome in HELD else Review.RELEASED
        row.reviewed_by, row.reviewed_at = actor, now
        row.save(update_fields=["review", "reviewed_by", "reviewed_at"])
        _record_release(row, actor, before, now)
    return process.result_of(row)


def do_discard_mail(mail: InboundMail, actor: User) -> InboundMail:
    """Nothing more to do with it: it leaves the list (the raw bytes stay kept)."""
    with transaction.atomic():
        row = _open(mail, actor)
        now = timezone.now()
        row.review, row.reviewed_by, row.reviewed_at = Review.DISCARDED, actor, now
        row.save(update_fields=["review", "reviewed_by", "reviewed_at"])
        _event(row, "discarded", actor, now)
    return row


def _open(mail: InboundMail, actor: User) -> InboundMail:
    """The mail's row, locked, if this actor may review it and it is still to be reviewed."""
    if not may_review_mail(actor):
        raise ActionError(FORBIDDEN, f"{actor} may not review received mail")
    row = InboundMail.objects.select_for_update().filter(pk=mail.pk).first()
    if row is None:
        raise ActionError(FORBIDDEN_TRANSITION, f"email #{mail.pk} no longer exists")
    if row.review != Review.OPEN:
        said = row.get_review_display() if row.review else row.get_outcome_display()
        raise ActionError(FORBIDDEN_TRANSITION, f"email #{row.pk} is not open for review ({said})")
    return row


def _record_release(row: InboundMail, actor: User, before: int, now: datetime) -> None:
    """The "released" event with who released it and the new outcome: the one processing wrote
    in this transaction, stamped with the actor, or a new one when it wrote none."""
    written = row.events.filter(pk__gt=before, action="released", actor__isnull=True).order_by("-pk").first()
    if written is None:
        _event(row, "released", actor, now)
        return
    written.actor, written.actor_label = actor, _label(actor)
    written.save(update_fields=["actor", "actor_label"])


def _event(row: InboundMail, action: str, actor: User, at: datetime) -> None:
    MailEvent.objects.create(
        mail=row, at=at, action=action, actor=actor, actor_label=_label(actor), outcome=row.outcome,
        reason=row.reason, detail=row.detail[:2000],
    )  # fmt: skip


def _label(actor: User) -> str:
    return str(actor.email or actor)
