from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "filiera.core"
    label = "core"
    verbose_name = "Filiera core"
