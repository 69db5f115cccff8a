"""Background tasks of projects: thin wrappers that call a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from filiera.projects import services


@db_periodic_task(crontab(hour="7", minute="30"))
def send_deliverable_reminders() -> int:
    """Every morning: the staff hear of the deliverables due within two weeks (or late), once each."""
    return services.send_deliverable_reminders()
