from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "sladesk.directory"
    verbose_name = "Diretório"
