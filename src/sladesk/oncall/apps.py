from django.apps import AppConfig


class OncallConfig(AppConfig):
    name = "sladesk.oncall"
    verbose_name = "Plantão"
