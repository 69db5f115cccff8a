from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "filiera.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from filiera.core import audit
        from filiera.monitoring.models import ManualFigure, Target

        audit.register(Target, cluster=lambda t: t.cluster_id)
        audit.register(ManualFigure, cluster=lambda f: f.cluster_id)
