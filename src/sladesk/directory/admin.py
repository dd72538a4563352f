"""The directory in the Django admin: read-mostly. The CSV import is how it changes;
here staff look people up and may correct a name or a phone number. Nobody is deleted
(tickets point at people): a person leaves by being deactivated on the next import."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sladesk.directory.models import Contract, Customer, ImportRun, Partner, Person, Store


class ReadMostly(admin.ModelAdmin):  # type: ignore[type-arg]
    editable: tuple[str, ...] = ()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name not in self.editable]


class ContractInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Contract
    can_delete = False
    readonly_fields = [f.name for f in Contract._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(ReadMostly):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Customer)
class CustomerAdmin(ReadMostly):
    editable = ("name",)
    list_display = ["code", "name", "is_demo"]
    list_filter = ["is_demo", "contract__model"]
    search_fields = ["code", "name"]
    inlines = [ContractInline]


@admin.register(Contract)
class ContractAdmin(ReadMostly):
    list_display = ["customer", "model", "partner", "support_seats", "oto", "context", "starts_on", "ends_on"]
    list_filter = ["model", "partner", "oto", "context"]
    list_select_related = ["customer", "partner"]
    search_fields = ["customer__code", "customer__name", "partner__name"]


@admin.register(Store)
class StoreAdmin(ReadMostly):
    list_display = ["name", "customer"]
    list_select_related = ["customer"]
    search_fields = ["name", "customer__code", "customer__name"]


@admin.register(Person)
class PersonAdmin(ReadMostly):
    editable = ("name", "phone")
    list_display = ["name", "email", "customer", "store", "role", "support_seat", "is_active"]
    list_filter = ["role", "support_seat", "is_active", "customer"]
    list_select_related = ["customer", "store"]
    search_fields = ["name", "email", "phone", "phone_digits", "customer__code", "customer__name", "store__name"]


@admin.register(ImportRun)
class ImportRunAdmin(ReadMostly):
    list_display = ["at", "outcome", "run_by", "kept_in"]
    list_filter = ["outcome"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
