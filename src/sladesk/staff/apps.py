from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "sladesk.staff"
    verbose_name = "Equipe"
