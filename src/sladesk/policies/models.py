from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyVersionQuerySet(models.QuerySet["PolicyVersion"]):
    def in_force_at(self, at: datetime) -> PolicyVersionQuerySet:
        """Newest first among the versions in force at ``at`` (effective at or before it)."""
        return self.filter(effective_at__lte=at).order_by("-effective_at", "-id")


class PolicyVersion(models.Model):
    """A policy file as it was when put in force. Tickets keep the one they were received under.

    The version in force at an instant is the one with the latest ``effective_at`` at or
    before it (the first version also covers everything before it). ``published_at`` is set
    by ``sladesk policy publish``; a version without it was recorded from SLADESK_POLICY (the
    file is recorded only while nothing has been published). ``calendars_sha`` names the
    version whose calendars this version's tickets run on (calendars are facts of the world:
    ``sla recompute`` points every older version at the calendars in force); empty: its own."""

    version = models.CharField(_("versão"), max_length=64)
    sha256 = models.CharField(max_length=64, unique=True)
    text = models.TextField(_("texto"))
    created_at = models.DateTimeField(_("registrada em"), auto_now_add=True)
    effective_at = models.DateTimeField(_("em vigor desde"), db_index=True)
    published_at = models.DateTimeField(_("publicada em"), null=True, blank=True)
    summary = models.TextField(_("o que mudou"), blank=True)
    calendars_sha = models.CharField(max_length=64, blank=True)

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("versão da política")
        verbose_name_plural = _("versões da política")
        ordering = ["-effective_at", "-id"]

    def __str__(self) -> str:
        return f"{self.version} ({self.sha256[:8]})"
