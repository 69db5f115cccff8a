"""Background tasks of events: thin wrappers that call a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from filiera.events import services


@db_periodic_task(crontab(minute="15"))
def send_event_reminders() -> int:
    return services.send_reminders()
