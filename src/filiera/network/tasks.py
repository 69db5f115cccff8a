"""Background tasks of the collaboration network: thin wrappers that load by id and call a service."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from filiera.network import services
from filiera.network.models import Analysis


@db_task()
def compute_analysis(analysis_id: int) -> str:
    """Measure the network an analysis asks about (queued by services.request_analysis)."""
    analysis = Analysis.objects.filter(pk=analysis_id, status=Analysis.Status.QUEUED).first()
    if analysis is None:
        return "gone"
    return services.compute(analysis).status
