from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "filiera.matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from filiera.matching import signals  # noqa: F401  (keeps the index fresh on every save)
