from django.apps import AppConfig
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _


def _project_cluster(obj) -> int | None:
    """The cluster of a project's record, from the project cached on it (the importers set it: no query)."""
    try:
        return obj.project.cluster_id
    except ObjectDoesNotExist:  # the project is being deleted with it
        return None


def _work_package_cluster(obj) -> int | None:
    try:
        return _project_cluster(obj.work_package)
    except ObjectDoesNotExist:
        return None


class ProjectsConfig(AppConfig):
    name = "filiera.projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from filiera.core import audit
        from filiera.projects.models import (
            Call,
            CallNeed,
            Deliverable,
            ExpressionOfInterest,
            Partner,
            PartnerSearch,
            Project,
            ProjectDocument,
            WorkPackage,
        )

        audit.register(Call, cluster=lambda c: c.cluster_id)
        audit.register(CallNeed, cluster=lambda n: n.call.cluster_id)
        audit.register(Project, cluster=lambda p: p.cluster_id)
        audit.register(Partner, organisation=lambda p: p.organisation_id, cluster=_project_cluster)
        audit.register(WorkPackage, cluster=_project_cluster)
        audit.register(ProjectDocument, cluster=_project_cluster)
        audit.register(Deliverable, cluster=_work_package_cluster)
        audit.register(PartnerSearch, organisation=lambda s: s.opportunity.organisation_id,
                       cluster=lambda s: s.opportunity.cluster_id)
        audit.register(ExpressionOfInterest, organisation=lambda e: e.organisation_id,
                       cluster=lambda e: e.search.opportunity.cluster_id)
