from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sladesk.notifications"
    verbose_name = "Notificações"
