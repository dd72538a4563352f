from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "sladesk.policies"
    verbose_name = "Políticas de SLA"
