"""Background tasks of monitoring: thin wrappers that load by id and call a service."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from filiera.monitoring import surveys


@db_task()
def send_survey_invitations(invitation_ids: list[int], reminder: bool = False) -> int:
    """Mail the representatives of the invited organisations their personal link to a satisfaction survey."""
    return surveys.mail_invitations(invitation_ids, reminder)
