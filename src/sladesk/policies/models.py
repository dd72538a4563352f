from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyVersion(models.Model):
    """A policy file as it was when put in force. Tickets keep the one they were received under."""

    version = models.CharField(_("versão"), max_length=64)
    sha256 = models.CharField(max_length=64, unique=True)
    text = models.TextField(_("texto"))
    created_at = models.DateTimeField(_("em vigor desde"), auto_now_add=True)

    class Meta:
        verbose_name = _("versão da política")
        verbose_name_plural = _("versões da política")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.version} ({self.sha256[:8]})"
