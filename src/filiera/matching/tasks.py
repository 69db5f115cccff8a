"""Background tasks of matching: thin wrappers that call a service."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from filiera.matching import digest, services


@db_task()
def index_documents(kind: str, ids: list[int]) -> int:
    if kind == services.ORGANISATION:
        return services.index_organisations(ids)
    return services.index_opportunities(ids)


# MATCHING_DIGEST_WEEKDAY counts from Monday = 0 (Python's weekday()); huey's crontab from Sunday = 0.
@db_periodic_task(crontab(day_of_week=str((settings.MATCHING_DIGEST_WEEKDAY + 1) % 7),
                          hour=str(settings.MATCHING_DIGEST_HOUR), minute="0"))
def send_weekly_digests() -> dict[str, int]:
    return digest.send_weekly_digests().as_dict()
