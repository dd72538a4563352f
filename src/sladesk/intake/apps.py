from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "sladesk.intake"
    verbose_name = "Entrada de e-mail"
