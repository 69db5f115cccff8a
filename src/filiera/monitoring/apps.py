from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "filiera.monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from filiera.core import audit
        from filiera.monitoring import models

        for model in (models.Target, models.ManualFigure, models.Survey, models.Assessment,
                      models.ImprovementAction):
            audit.register(model, cluster=lambda obj: obj.cluster_id)
        audit.register(models.SurveyInvitation, cluster=lambda i: i.survey.cluster_id)
        audit.register(models.SurveyResponse, cluster=lambda r: r.survey.cluster_id)
        for model in (models.AssessmentAnswer, models.EvidenceDocument):
            audit.register(model, cluster=lambda obj: obj.assessment.cluster_id)
