"""Received mail in the Django admin, read-only: every change goes through the desk's actions
(release and discard on the mail page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sladesk.intake.models import InboundMail, MailEvent


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MailEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = MailEvent
    fields = ("at", "action", "actor_label", "outcome", "reason", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnly):
    list_display = ("received_at", "from_address", "subject", "outcome", "reason", "review", "ticket")
    list_filter = ("outcome", "review", "reason", "source")
    search_fields = ("from_address", "subject", "message_id")
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in InboundMail._meta.fields if f.name != "raw"]
    exclude = ("raw",)  # the mail page shows it read, and downloads it whole
    inlines = [MailEventInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("raw")


@admin.register(MailEvent)
class MailEventAdmin(ReadOnly):
    list_display = ("at", "mail", "action", "actor_label", "outcome", "reason")
    list_filter = ("action", "outcome")
    readonly_fields = [f.name for f in MailEvent._meta.fields]
