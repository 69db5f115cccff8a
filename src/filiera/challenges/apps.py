from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "filiera.challenges"
    verbose_name = _("Challenges")

    def ready(self) -> None:
        from filiera.challenges import models
        from filiera.core import audit

        audit.register(models.Challenge, organisation=lambda c: c.owner_id, cluster=lambda c: c.cluster_id)
        audit.register(models.Need, cluster=lambda n: n.challenge.cluster_id)
        audit.register(models.Theme, cluster=lambda t: t.challenge.cluster_id)
        audit.register(models.Invitation, organisation=lambda i: i.organisation_id,
                       cluster=lambda i: i.challenge.cluster_id)
        audit.register(models.Solution, organisation=lambda s: s.organisation_id,
                       cluster=lambda s: s.theme.challenge.cluster_id)
