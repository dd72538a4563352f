"""The on-call rota: who is on call from when to when, and the audit of its changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OnCallShift(models.Model):
    """One person on call over ``[starts_at, ends_at)``. Shifts may overlap: then the one
    that started last is the one on call (``queries.on_call_at``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="oncall_shifts", verbose_name=_("pessoa")
    )
    starts_at = models.DateTimeField(_("início"))
    ends_at = models.DateTimeField(_("fim"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("plantão")
        verbose_name_plural = _("plantões")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="oncall_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="oncall_span")]

    def __str__(self) -> str:
        return f"{self.user.email} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%Y-%m-%d %H:%M} UTC"


class OnCallEvent(models.Model):
    """Append-only audit of the rota: a shift set or removed, by whom, with the shift's values
    (kept here because a removed shift's row is gone). Codes only, never a translated label."""

    class Action(models.TextChoices):
        SET = "set", "set"
        REMOVED = "removed", "removed"

    action = models.CharField(max_length=16, choices=Action.choices)
    at = models.DateTimeField()
    shift_id = models.BigIntegerField()
    user_email = models.CharField(max_length=254)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=320)  # the actor's email, or "shell:<os user>"; kept if deleted

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} #{self.shift_id} {self.user_email} by {self.actor_label}"
