from django.contrib import admin

from sladesk.notifications.models import Notification, Webhook


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("ticket", "kind", "metric", "priority", "to", "channel", "due_at", "deliver_after", "queued_at")
    list_filter = ("kind", "channel", "priority")
    search_fields = ("to",)
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "url", "warnings", "breaches", "active")
