from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "sladesk.ops"
    verbose_name = "Operação"
