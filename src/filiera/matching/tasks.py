"""Background tasks of matching: thin wrappers that call a service."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from filiera.matching import services


@db_task()
def index_documents(kind: str, ids: list[int]) -> int:
    if kind == services.ORGANISATION:
        return services.index_organisations(ids)
    return services.index_opportunities(ids)
