"""The vendor's and partners' support staff. Gestores, Gerentes and Vendedores
are people of the directory, never staff: they have no access to the desk."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sladesk.directory.models import Partner


class StaffProfile(models.Model):
    class Role(models.TextChoices):
        SUPERVISOR = "supervisor", _("Supervisor")
        AGENT = "agent", _("Agente")
        PARTNER_AGENT = "partner_agent", _("Agente de parceiro")
        ADMIN = "admin", _("Administrador")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(_("papel"), max_length=16, choices=Role.choices)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="agents")

    class Meta:
        verbose_name = _("membro da equipe")
        verbose_name_plural = _("equipe")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="partner_agent", partner__isnull=False)
                | (~models.Q(role="partner_agent") & models.Q(partner__isnull=True)),
                name="staff_partner_iff_partner_agent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.email} ({self.get_role_display()})"

    @property
    def sees_every_customer(self) -> bool:
        return self.role != self.Role.PARTNER_AGENT

    @property
    def leads(self) -> bool:
        """A supervisor or an admin: keeps the rota, the webhooks and the saved replies, and
        sees the supervisor's view."""
        return self.role in (self.Role.SUPERVISOR, self.Role.ADMIN)
