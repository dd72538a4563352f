from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "sladesk.tickets"
    verbose_name = "Chamados"
