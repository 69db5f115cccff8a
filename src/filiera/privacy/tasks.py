"""Background tasks of privacy: thin wrappers that call a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from filiera.core.audit import acting_as
from filiera.privacy import services


@db_periodic_task(crontab(day_of_week="0", hour="3", minute="15"))
def apply_retention() -> dict[str, int]:
    """Every Sunday night: erase the people whose organisation's memberships all ended more than
    FILIERA_RETENTION_MONTHS ago."""
    with acting_as(None, label="retention"):
        run = services.apply_retention()
    return {"due": run.due, "erased": len(run.erased)}
