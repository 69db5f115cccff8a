from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "filiera.network"
    label = "collaboration"  # "network" would read as core.Network's app
    verbose_name = _("Collaboration network")
