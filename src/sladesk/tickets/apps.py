from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "sladesk.tickets"
    verbose_name = "Chamados"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_migrate

        from sladesk.tickets import search_index

        # SQLite: the search index's triggers out of the way of migrations, and back after
        pre_migrate.connect(search_index.before_migrate, sender=self, dispatch_uid="tickets_search_before")
        post_migrate.connect(search_index.after_migrate, sender=self, dispatch_uid="tickets_search_after")
