"""The rota in the Django admin: to look at; changes go through the desk's rota page or
``sladesk oncall`` (they write the audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sladesk.oncall.models import OnCallEvent, OnCallShift


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OnCallShift)
class OnCallShiftAdmin(ReadOnly):
    list_display = ("user", "starts_at", "ends_at", "created_by", "created_at")
    list_select_related = ("user", "created_by")
    date_hierarchy = "starts_at"


@admin.register(OnCallEvent)
class OnCallEventAdmin(ReadOnly):
    list_display = ("at", "action", "shift_id", "user_email", "starts_at", "ends_at", "actor_label")
    list_filter = ("action",)
