from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "sladesk.outbound"
    verbose_name = "Saída"
