from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sladesk.outbound.models import OutboxMessage


class StateFilter(admin.SimpleListFilter):
    title = _("situação")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("failed", str(_("falhou"))),
            ("retrying", str(_("tentando de novo"))),
            ("queued", str(_("na fila"))),
            ("sent", str(_("enviada"))),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
        pending = queryset.filter(sent_at__isnull=True, failed_at__isnull=True)
        return {
            "failed": queryset.filter(failed_at__isnull=False),
            "retrying": pending.exclude(last_error=""),
            "queued": pending.filter(last_error=""),
            "sent": queryset.filter(sent_at__isnull=False),
        }.get(self.value() or "", queryset)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "to", "subject", "ticket", "state", "attempts", "last_error")
    list_filter = (StateFilter, "template")
    search_fields = ("to", "subject")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
